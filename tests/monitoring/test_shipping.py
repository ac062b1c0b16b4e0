"""The non-blocking shipping handler: spool files, Redis streams, outages and forks."""

import json
import logging
import os
import socket
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from marketing_hunting.logging import ContextFilter
from monitoring.shipping import ShippingHandler


def make_logger(handler: logging.Handler) -> logging.Logger:
    handler.addFilter(ContextFilter())
    logger = logging.getLogger(f"tests.shipping.{uuid.uuid4().hex[:8]}")
    logger.propagate = False  # only the handler under test
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    return logger


def spooled(spool_dir: Path) -> list[dict]:
    return [
        json.loads(line)
        for path in sorted(spool_dir.glob("*.jsonl"))
        for line in path.read_text().splitlines()
    ]


def test_records_reach_this_processes_own_spool_file_with_their_context(tmp_path):
    handler = ShippingHandler(spool_dir=str(tmp_path))
    logger = make_logger(handler)

    for n in range(100):
        logger.info("line %d", n)
    try:
        raise ValueError("bad")
    except ValueError:
        logger.exception("failed")
    handler.close()

    records = spooled(tmp_path)
    assert [r["message"] for r in records] == [f"line {n}" for n in range(100)] + ["failed"]
    assert {r["pid"] for r in records} == {os.getpid()}
    assert "ValueError: bad" in records[-1]["exc"]
    assert all(path.name.split(".")[-3] == str(os.getpid()) for path in tmp_path.glob("*.jsonl"))


@pytest.fixture
def silent_server():
    """A TCP port that accepts connections and never answers: a hung Redis."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    server.close()


@pytest.mark.parametrize("outage", ["closed port", "hung server"])
def test_a_redis_that_is_down_never_blocks_or_breaks_the_caller(
    outage, silent_server, capfd, monkeypatch
):
    # Real connection attempts: to a port where nothing listens, or to one that never answers.
    url = "redis://127.0.0.1:1/0" if outage == "closed port" else silent_server
    handler = ShippingHandler(redis_url=url, queue_size=1000, buffer_size=500)
    logger = make_logger(handler)
    # Which threads open a connection. The caller must never be one: a connection attempt in
    # logger.info() is what would block it for a socket timeout. (Timing each call proved this
    # poorly: CI's loaded machine once paused the caller 1.5 s with no connection in sight.)
    connecting: set[int] = set()
    real_connect = socket.socket.connect

    def connect(sock: socket.socket, address: object) -> None:
        connecting.add(threading.get_ident())
        real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)

    for n in range(20_000):
        logger.info("during the outage %d", n)
    closing = time.perf_counter()
    handler.close()
    close_time = time.perf_counter() - closing

    assert connecting, "the sender never tried Redis: the check below would prove nothing"
    assert threading.get_ident() not in connecting
    assert close_time < 5.0, close_time  # and the process can still exit promptly
    # Beyond the bounded queue and buffer, records were dropped and counted, not hoarded.
    assert handler.dropped + handler._sink.lost > 0
    assert len(handler._sink.pending) <= 500
    assert "cannot ship log records" in capfd.readouterr().err


class HeldBack(ShippingHandler):
    """A handler whose sender thread does not start until released: its queue fills up."""

    held = True

    def _start(self) -> None:
        if not self.held:
            super()._start()


def test_a_full_queue_drops_and_counts_and_says_so_in_the_stream(tmp_path):
    handler = HeldBack(spool_dir=str(tmp_path), queue_size=100)
    logger = make_logger(handler)

    for n in range(150):
        logger.info("burst %d", n)
    assert handler.dropped == 50
    handler.held = False
    with handler.lock:
        handler._start()
    handler.close()

    messages = [r["message"] for r in spooled(tmp_path)]
    assert [m for m in messages if m.startswith("burst")] == [f"burst {n}" for n in range(100)]
    assert "50 log records were dropped in this process (queue full or transport down)" in messages


def test_a_forked_child_ships_its_own_records_and_never_its_parents(tmp_path):
    handler = ShippingHandler(spool_dir=str(tmp_path))
    logger = make_logger(handler)
    logger.info("parent before fork")
    assert handler._thread is not None  # the parent's sender runs when it forks

    pid = os.fork()
    if pid == 0:  # the child: log, hand over, leave without running pytest's exit handlers
        code = 0
        try:
            logger.info("child %d", os.getpid())
            handler.close()
        except BaseException:
            code = 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    logger.info("parent after fork")
    handler.close()

    assert os.waitstatus_to_exitcode(status) == 0
    by_pid: dict[int, list[str]] = {}
    for record in spooled(tmp_path):
        by_pid.setdefault(record["pid"], []).append(record["message"])
    assert by_pid == {
        os.getpid(): ["parent before fork", "parent after fork"],
        pid: [f"child {pid}"],
    }


def test_records_reach_a_capped_redis_stream():
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: this run uses the embedded spool transport")
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, decode_responses=True)
    stream = f"mh:test-ship:{uuid.uuid4().hex[:8]}"
    handler = ShippingHandler(redis_url=settings.REDIS_URL, stream=stream, maxlen=1000)
    logger = make_logger(handler)
    try:
        for n in range(5000):
            logger.info("to redis %d", n)
        handler.close()

        length = client.xlen(stream)
        last = json.loads(client.xrevrange(stream, count=1)[0][1]["d"])
        assert 1000 <= length < 5000  # MAXLEN ~ trims in whole nodes: about, never below
        assert last["message"] == "to redis 4999"
        assert last["pid"] == os.getpid()
    finally:
        client.delete(stream)
