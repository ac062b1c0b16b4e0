"""A provider outage opens the breaker for every worker, and it recovers by itself.

Two real OS processes share one Redis (pybreaker's Redis storage); the feed host is the local
HTTP server, whose request log proves which process sent what. The cooldown runs on a clock
both processes read from a file, so nothing sleeps. Needs Redis: skipped without REDIS_URL,
a failure under REQUIRE_SERVICES when Redis is unreachable.
"""

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from resilience import breaker_states
from tests.harness.http_server import Reply

ROOT = Path(__file__).resolve().parents[2]
RESET_SECONDS = 30


class Worker:
    def __init__(self, process: subprocess.Popen, log: Path) -> None:
        self.process = process
        self.log = log

    def ask(self, **command: object) -> dict:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, f"worker {self.process.pid} died: {self.log.read_text()}"
        return json.loads(line)


@contextmanager
def worker(redis_url: str, now_file: Path, log: Path) -> Iterator[Worker]:
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "BREAKER_FAIL_MAX": "3",
        "BREAKER_RESET_SECONDS": str(RESET_SECONDS),
        "FAKE_NOW_FILE": str(now_file),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
    }
    # Logs go to a file: a pipe nobody reads could fill up and block the worker.
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.resilience.breaker_worker"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    try:
        handle = Worker(process, log)
        ready = process.stdout.readline()
        assert ready, f"worker failed to start: {log.read_text()}"
        assert json.loads(ready)["ready"] == process.pid
        yield handle
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


@pytest.fixture
def now_file(tmp_path):
    path = tmp_path / "now"
    path.write_text(str(int(time.time())))  # whole seconds, as Redis stores opened_at
    return path


def advance(now_file: Path, seconds: int) -> None:
    now_file.write_text(str(int(now_file.read_text()) + seconds))


def test_an_outage_seen_by_one_worker_opens_the_breaker_for_all_and_it_recovers(
    http_server, redis_url, now_file, settings, tmp_path
):
    http_server.add_route("/feed.xml", *[Reply(status=502)] * 3, Reply(body="<rss/>"))
    url = http_server.url_for("/feed.xml")
    host = f"127.0.0.1:{http_server.port}"

    with (
        worker(redis_url, now_file, tmp_path / "a.log") as a,
        worker(redis_url, now_file, tmp_path / "b.log") as b,
    ):
        # B holds its breaker (closed) before A trips it: it must read the shared state,
        # not trust what it cached.
        assert b.ask(op="state", host=host)["state"] == "closed"

        assert [a.ask(op="fetch", url=url)["status"] for _ in range(3)] == [502, 502, 502]
        assert a.ask(op="state", host=host) == {"state": "open", "failures": 3}

        refused = b.ask(op="fetch", url=url)
        assert refused["error"] == "HostPaused"
        assert refused["message"].startswith(f"The host {host} is failing; paused until")
        assert a.ask(op="fetch", url=url)["error"] == "HostPaused"
        assert len(http_server.requests_to("/feed.xml")) == 3  # neither refusal was sent

        # The status panel (this third process) sees what the workers see.
        settings.REDIS_URL = redis_url
        panel = {status.name: status for status in breaker_states()}
        assert (panel[host].state, panel[host].failures) == ("open", 3)

        advance(now_file, RESET_SECONDS - 5)
        assert b.ask(op="fetch", url=url)["error"] == "HostPaused"  # still cooling down

        advance(now_file, 6)  # cooldown over: B's next call is the trial, and it succeeds
        assert b.ask(op="fetch", url=url) == {"status": 200}
        assert len(http_server.requests_to("/feed.xml")) == 4

        assert a.ask(op="state", host=host) == {"state": "closed", "failures": 0}
        assert a.ask(op="fetch", url=url) == {"status": 200}
        assert len(http_server.requests_to("/feed.xml")) == 5
        assert {status.name: status.state for status in breaker_states()}[host] == "closed"


def test_a_failed_trial_in_one_worker_reopens_the_breaker_for_all(
    http_server, redis_url, now_file, tmp_path
):
    http_server.add_route("/feed.xml", *[Reply(status=503)] * 4, Reply(body="<rss/>"))
    url = http_server.url_for("/feed.xml")
    host = f"127.0.0.1:{http_server.port}"

    with (
        worker(redis_url, now_file, tmp_path / "a.log") as a,
        worker(redis_url, now_file, tmp_path / "b.log") as b,
    ):
        for _ in range(3):
            assert a.ask(op="fetch", url=url)["status"] == 503

        advance(now_file, RESET_SECONDS + 1)
        assert b.ask(op="fetch", url=url)["status"] == 503  # the trial fails
        assert b.ask(op="state", host=host)["state"] == "open"

        assert a.ask(op="fetch", url=url)["error"] == "HostPaused"
        assert len(http_server.requests_to("/feed.xml")) == 4

        advance(now_file, RESET_SECONDS + 1)
        assert a.ask(op="fetch", url=url) == {"status": 200}
        assert b.ask(op="state", host=host)["state"] == "closed"
