"""Checks behind /readyz: database, broker, migrations applied, a worker seen lately.

/healthz (liveness) runs none of them: it answers from the web process alone.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

from django.db import DatabaseError, connection
from django.utils import timezone


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str = ""
    seconds: float | None = None  # how long the check took, where that says something

    def as_json(self) -> dict[str, object]:
        body: dict[str, object] = {"status": "ok" if self.ok else "failing"}
        if self.detail:
            body["reason"] = self.detail
        if self.seconds is not None:
            body["seconds"] = round(self.seconds, 4)
        return body


def _failure(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__


def check_database() -> CheckResult:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # Any failure means "not healthy"; the detail says which.
        return CheckResult("database", False, _failure(exc))
    return CheckResult("database", True, seconds=time.perf_counter() - started)


def check_broker(timeout: float = 2.0) -> CheckResult:
    from marketing_hunting.celery import app

    started = time.perf_counter()
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
            # The filesystem transport "connects" without touching the disk; declaring the
            # default queue proves its folders are usable too.
            conn.default_channel.queue_declare(
                queue=app.conf.task_default_queue, passive=False, durable=True, auto_delete=False
            )
    except Exception as exc:
        return CheckResult("broker", False, _failure(exc))
    return CheckResult("broker", True, seconds=time.perf_counter() - started)


@functools.cache
def expected_migrations() -> frozenset[tuple[str, str]]:
    """The newest migration of every app, read from disk once per process (it cannot change
    while the process runs; a deploy starts new processes)."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    return frozenset(loader.graph.leaf_nodes())


def check_migrations() -> CheckResult:
    """Every app's newest migration is recorded as applied (one query)."""
    from django.db.migrations.recorder import MigrationRecorder

    try:
        applied = set(MigrationRecorder.Migration.objects.values_list("app", "name"))
    except DatabaseError as exc:
        return CheckResult("migrations", False, f"cannot read applied migrations ({_failure(exc)})")
    missing = sorted(expected_migrations() - applied)
    if missing:
        names = ", ".join(f"{app}.{name}" for app, name in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        return CheckResult(
            "migrations",
            False,
            f"not applied: {names}{more}; run `manage.py migrate`",
        )
    return CheckResult("migrations", True)


def check_worker() -> CheckResult:
    """A worker wrote its heartbeat within WORKER_SEEN_WITHIN_SECONDS (2 minutes)."""
    from monitoring.heartbeats import worker_seen_within
    from monitoring.models import ProcessHeartbeat, Role

    now = timezone.now()
    seen_within = worker_seen_within()
    limit = int(seen_within.total_seconds())
    workers = ProcessHeartbeat.objects.filter(role=Role.WORKER).only(
        "name", "seen_at", "stopped_at"
    )
    try:
        live = (
            workers.filter(stopped_at__isnull=True, seen_at__gte=now - seen_within)
            .order_by("-seen_at")
            .first()
        )
        latest = None if live else workers.order_by("-seen_at").first()
    except DatabaseError as exc:
        return CheckResult("worker", False, f"cannot read worker heartbeats ({_failure(exc)})")
    if live is not None:
        return CheckResult(
            "worker", True, f"{live.name} seen {max(int(live.seen_seconds_ago(now)), 0)} s ago"
        )
    if latest is None:
        return CheckResult("worker", False, "no worker has ever reported")
    age = int(latest.seen_seconds_ago(now))
    how = "stopped" if latest.stopped_at else "last seen"
    return CheckResult(
        "worker",
        False,
        f"no worker seen in the last {limit} s ({latest.name} {how} {age} s ago)",
    )


def run_checks() -> list[CheckResult]:
    """Database and broker: what a page's work needs from the web process."""
    return [check_database(), check_broker()]


def readiness_checks() -> list[CheckResult]:
    database = check_database()
    results = [database, check_broker()]
    if database.ok:
        results += [check_migrations(), check_worker()]
    else:
        # Both read the database; say why they were not run rather than fail them twice over.
        skipped = "not checked: the database is not answering"
        results += [
            CheckResult("migrations", False, skipped),
            CheckResult("worker", False, skipped),
        ]
    return results
