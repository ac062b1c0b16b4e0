"""The collector in-process: exactly once in the file and the table, whatever step fails."""

import json
import os
import time
import uuid
from collections import Counter
from datetime import UTC, datetime

import pytest
from django.conf import settings

from monitoring import collector as collector_module
from monitoring.collector import Collector, RedisSource, SpoolSource
from monitoring.logfile import RotatingLogFile
from monitoring.models import LogEntry
from monitoring.spool import SpoolReader, SpoolWriter

pytestmark = pytest.mark.django_db


def record(message: str, **extra) -> dict:
    return {
        "time": datetime.now(UTC).isoformat(),
        "level": "INFO",
        "logger": "tests.collector",
        "message": message,
        "role": "worker",
        "host": "test-host",
        "pid": 1234,
        "organization_id": None,
        "execution_id": None,
        "task_id": None,
        "exc": "",
        **extra,
    }


class Transport:
    """One of the two transports, as the collector command would build it."""

    def __init__(self, kind: str, tmp_path) -> None:
        self.kind, self.tmp_path = kind, tmp_path
        self.stream = f"mh:test-collect:{uuid.uuid4().hex[:8]}"
        if kind == "redis":
            if not settings.REDIS_URL:
                pytest.skip("REDIS_URL is not set: this run uses the embedded spool transport")
            import redis

            self.client = redis.Redis.from_url(settings.REDIS_URL)
        else:
            self.writer = SpoolWriter(tmp_path / "spool", max_bytes=1 << 30)

    def ship(self, records: list[dict]) -> None:
        if self.kind == "redis":
            for rec in records:
                self.client.xadd(self.stream, {"d": json.dumps(rec)})
        else:
            self.writer.write(records)

    def source(self):
        if self.kind == "redis":
            return RedisSource(url=settings.REDIS_URL, stream=self.stream)
        return SpoolSource(
            spool_dir=self.tmp_path / "spool", state_path=self.tmp_path / "state.json"
        )

    def close(self) -> None:
        if self.kind == "redis":
            self.client.delete(self.stream)
        else:
            self.writer.close()


@pytest.fixture(params=["spool", "redis"])
def transport(request, tmp_path):
    made = Transport(request.param, tmp_path)
    yield made
    made.close()


def logfile(tmp_path, **options) -> RotatingLogFile:
    values = {"max_bytes": 10 << 20, "rotate_seconds": 86400, "backups": 3, **options}
    return RotatingLogFile(tmp_path / "logs" / "mh.log", **values)


def file_messages(tmp_path) -> Counter:
    return Counter(
        json.loads(line)["message"]
        for path in (tmp_path / "logs").glob("mh.log*")
        for line in path.read_text().splitlines()
    )


def drain(collector: Collector) -> None:
    while collector.step(block_ms=10):
        pass


class Crash(Exception):
    pass


@pytest.mark.parametrize("failing_step", ["store", "ack"])
def test_a_collector_that_dies_between_steps_loses_and_doubles_nothing(
    transport, tmp_path, monkeypatch, failing_step
):
    messages = [f"line {n}" for n in range(30)]
    transport.ship([record(m) for m in messages[:20]])
    first = Collector(transport.source(), logfile(tmp_path), batch_size=8)
    first.step(block_ms=10)  # one batch fully done

    # The next batch dies after the file write: before the rows are stored, or before the ack.
    def crash(*args, **kwargs):
        raise Crash

    target = "monitoring.collector.log_entries_store" if failing_step == "store" else None
    if target:
        monkeypatch.setattr(target, crash)
    else:
        monkeypatch.setattr(first.source, "ack", crash)
    with pytest.raises(Crash):
        first.step(block_ms=10)
    first.logfile.close()
    monkeypatch.undo()

    transport.ship([record(m) for m in messages[20:]])
    second = Collector(transport.source(), logfile(tmp_path), batch_size=8)
    drain(second)

    stored = Counter(LogEntry.objects.values_list("message", flat=True))
    assert stored == Counter(messages)
    assert file_messages(tmp_path) == Counter(messages)


def test_a_half_written_last_line_is_cut_and_written_again(transport, tmp_path, monkeypatch):
    transport.ship([record(f"line {n}") for n in range(5)])
    first = Collector(transport.source(), logfile(tmp_path), batch_size=3)
    first.step(block_ms=10)
    first.logfile.close()
    with (tmp_path / "logs" / "mh.log").open("a") as handle:
        handle.write('{"id": "999-0", "message": "line 3", "ti')  # killed mid-write

    second = Collector(transport.source(), logfile(tmp_path), batch_size=3)
    drain(second)

    assert file_messages(tmp_path) == Counter(f"line {n}" for n in range(5))


def test_rows_keep_their_organization_and_ids_and_survive_odd_values(transport, tmp_path, org_a):
    transport.ship(
        [
            record("mine", organization_id=org_a.pk, execution_id=12, task_id="t-1", level="ERROR"),
            record("gone", organization_id=999_999),
            record("nul \x00 inside", level="Level 25"),
        ]
    )
    drain(Collector(transport.source(), logfile(tmp_path)))

    mine = LogEntry.objects.get(message="mine")
    assert (mine.organization, mine.execution_id, mine.task_id, mine.level) == (
        org_a,
        12,
        "t-1",
        40,
    )
    assert LogEntry.objects.get(message="gone").organization is None
    assert LogEntry.objects.get(message__startswith="nul").level == 25


def test_the_collector_reports_its_lag_and_backlog(transport, tmp_path):
    transport.ship([record(f"line {n}") for n in range(3)])
    collector = Collector(transport.source(), logfile(tmp_path))

    drain(collector)
    collector.report_status(force=True)

    status = collector_module.collector_status()
    assert status["processed"] == 3
    assert status["backlog"] == 0
    assert 0 <= status["lag_seconds"] < 60


def test_the_file_rotates_by_size_and_keeps_the_configured_number_of_backups(tmp_path):
    log = logfile(tmp_path, max_bytes=1000, backups=2)
    for n in range(40):
        log.write_lines([json.dumps({"id": str(n), "message": "x" * 80}) + "\n"])
    log.close()

    names = sorted(path.name for path in (tmp_path / "logs").iterdir())
    assert names == ["mh.log", "mh.log.1", "mh.log.2"]
    assert all(path.stat().st_size <= 1100 for path in (tmp_path / "logs").iterdir())
    assert log.last_written_id() == "39"


def test_the_file_rotates_when_its_period_is_over_also_across_restarts(tmp_path):
    log = logfile(tmp_path, rotate_seconds=3600)
    log.write_lines(['{"id": "1"}\n'])
    log.close()
    two_hours_ago = time.time() - 7200
    os.utime(tmp_path / "logs" / "mh.log", (two_hours_ago, two_hours_ago))

    restarted = logfile(tmp_path, rotate_seconds=3600)
    restarted.write_lines(['{"id": "2"}\n'])
    restarted.close()

    assert (tmp_path / "logs" / "mh.log").read_text() == '{"id": "2"}\n'
    assert (tmp_path / "logs" / "mh.log.1").read_text() == '{"id": "1"}\n'


def test_spool_segments_are_deleted_once_read_and_settled(tmp_path):
    spool = tmp_path / "spool"
    spool.mkdir()
    now_minute = int(time.time() // 60)
    old = spool / f"host.1.{now_minute - 5}.jsonl"
    current = spool / f"host.2.{now_minute}.jsonl"
    unread = spool / f"host.3.{now_minute - 5}.jsonl"
    for path in (old, current, unread):
        path.write_text(json.dumps(record(path.name)) + "\n")
    reader = SpoolReader(spool, state_path=tmp_path / "state.json")
    for path in (old, current):
        reader.offsets[path.name] = path.stat().st_size

    assert reader.cleanup() == 1

    assert not old.exists()
    assert current.exists()  # its writer may still append this minute
    assert unread.exists()  # not collected yet
