"""The collector against a redis-server of the test's own: it recovers when Redis restarts
empty, and stores a record the shipper sent twice once."""

import json
import time
import uuid

import pytest
import redis

from monitoring.collector import Collector, RedisSource
from monitoring.models import LogEntry
from monitoring.shipping import ShippingHandler
from tests.harness.waiting import wait_for
from tests.monitoring.test_collector import logfile, record
from tests.monitoring.test_shipping import make_logger

# transaction=True: the collector closes its connection between batches, as in production.
pytestmark = pytest.mark.django_db(transaction=True)
STREAM = "mh:logs"
CEILING_SECONDS = 60.0


def ship(server, *records: dict) -> None:
    client = redis.Redis(port=server.port, socket_timeout=5)
    for rec in records:
        client.xadd(STREAM, {"d": json.dumps(rec)})
    client.close()


def collect_until(collector: Collector, condition) -> None:
    deadline = time.monotonic() + CEILING_SECONDS
    collector.run(lambda: condition() or time.monotonic() > deadline)


def test_the_collector_recreates_its_group_after_redis_restarts_empty(redis_process, tmp_path):
    collector = Collector(RedisSource(url=redis_process.url, stream=STREAM), logfile(tmp_path))
    ship(redis_process, record("before the restart"))
    collect_until(collector, lambda: LogEntry.objects.filter(message="before the restart").exists())

    redis_process.stop()
    redis_process.start()  # Same port, nothing kept: no stream, no consumer group.
    ship(redis_process, record("after the restart"))
    collect_until(collector, lambda: LogEntry.objects.filter(message="after the restart").exists())

    assert sorted(LogEntry.objects.values_list("message", flat=True)) == [
        "after the restart",
        "before the restart",
    ]
    lines = (tmp_path / "logs" / "mh.log").read_text().splitlines()
    assert [json.loads(line)["message"] for line in lines] == [
        "before the restart",
        "after the restart",
    ]


def test_a_record_the_shipper_sent_twice_is_stored_and_written_once(redis_process, tmp_path):
    twice = record("sent twice", uid=uuid.uuid4().hex)
    ship(redis_process, twice, twice, record("once", uid=uuid.uuid4().hex))
    collector = Collector(RedisSource(url=redis_process.url, stream=STREAM), logfile(tmp_path))

    collect_until(collector, lambda: LogEntry.objects.filter(message="once").exists())

    assert sorted(LogEntry.objects.values_list("message", flat=True)) == ["once", "sent twice"]
    lines = (tmp_path / "logs" / "mh.log").read_text().splitlines()
    assert [json.loads(line)["message"] for line in lines] == ["sent twice", "once"]


def test_records_the_real_shipper_sent_while_redis_was_frozen_are_stored_once(
    redis_process, tmp_path, capfd
):
    """The freeze itself makes the duplicates: the shipper's write times out (socket_timeout)
    while its commands wait in the frozen server's socket buffer, and once Redis is thawed it
    applies them and the shipper's retry as well. Before the uid, 2 records were stored twice."""
    handler = ShippingHandler(redis_url=redis_process.url, stream=STREAM)
    logger = make_logger(handler)
    client = redis.Redis(port=redis_process.port, socket_timeout=5)
    try:
        logger.info("before the freeze")
        handler.flush(timeout=CEILING_SECONDS)
        redis_process.freeze()
        for n in range(3):
            logger.info("while frozen %d", n)
        timed_out = lambda: "cannot ship log records" in capfd.readouterr().err  # noqa: E731
        assert wait_for(timed_out, timeout=CEILING_SECONDS)
        redis_process.thaw()
        handler.flush(timeout=CEILING_SECONDS)
        assert handler.backlog() == 0
        # The freeze did duplicate records in the stream (else this test proves nothing).
        assert client.xlen(STREAM) > 4
    finally:
        handler.close()
        client.close()
    collector = Collector(RedisSource(url=redis_process.url, stream=STREAM), logfile(tmp_path))

    collect_until(collector, lambda: LogEntry.objects.filter(message="while frozen 2").exists())

    stored = sorted(LogEntry.objects.values_list("message", flat=True))
    assert stored == ["before the freeze", *(f"while frozen {n}" for n in range(3))]
    lines = (tmp_path / "logs" / "mh.log").read_text().splitlines()
    assert len(lines) == 4
