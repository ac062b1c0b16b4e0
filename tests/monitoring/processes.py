"""Helpers for tests that run the real processes: a prefork worker, the collector, a logger.

The subprocesses get a private VAR_DIR (their own spool, log file and filesystem broker), a
private Redis stream name when REDIS_URL is set, and the *test* database of this pytest run, so
that what the collector stores is visible to the test (which must use ``transactional_db``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import connection

from tests.harness.waiting import ceiling

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
CELERY = str(Path(sys.executable).with_name("celery"))


def subprocess_database_url() -> str:
    """A DATABASE_URL naming the database this test run uses (the test database)."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{db['NAME']}"


def process_env(var_dir: Path, stream: str) -> dict[str, str]:
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "VAR_DIR": str(var_dir),
            "DATABASE_URL": subprocess_database_url(),
            "LOG_STREAM": stream,
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
    return env


class Processes:
    """Starts subprocesses sharing one environment; stops every one of them at the end."""

    def __init__(self, var_dir: Path) -> None:
        self.var_dir = var_dir
        self.stream = f"mh:test-logs:{uuid.uuid4().hex[:12]}"
        self.env = process_env(var_dir, self.stream)
        self.started: list[tuple[subprocess.Popen[bytes], Any]] = []

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        output = (self.var_dir / f"{name}.out").open("ab")
        process = subprocess.Popen(
            list(args), cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT
        )
        self.started.append((process, output))
        return process

    def collector(self) -> subprocess.Popen[bytes]:
        return self.start("collector", PYTHON, "manage.py", "collect_logs")

    def output(self, name: str) -> str:
        path = self.var_dir / f"{name}.out"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop_all(self) -> None:
        for process, output in self.started:
            stop(process)
            output.close()


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 15) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@contextmanager
def processes(var_dir: Path) -> Iterator[Processes]:
    running = Processes(var_dir)
    try:
        yield running
    finally:
        running.stop_all()
        if settings.REDIS_URL:
            import redis

            redis.Redis.from_url(settings.REDIS_URL).delete(running.stream)


def wait_for(condition: Callable[[], bool], timeout: float, message: str) -> None:
    timeout = ceiling(timeout)  # Generous on a loaded machine (tests/harness/waiting.py).
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"Timed out after {timeout} s: {message}")


def children_of(pid: int) -> set[int]:
    """Pids whose parent is ``pid`` (Linux /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: split after the last ")".
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.add(int(entry.name))
    return found


def file_records(var_dir: Path) -> list[dict[str, Any]]:
    """Every line of the collector's log file and its rotated backups."""
    records = []
    for path in sorted((var_dir / "logs").glob("marketing-hunting.log*")):
        for line in path.read_text().splitlines():
            records.append(json.loads(line))
    return records
