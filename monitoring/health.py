"""Checks behind /healthz: can we reach the database and the Celery broker?"""

from dataclasses import dataclass

from django.db import connection


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str = ""


def check_database() -> CheckResult:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # Any failure means "not healthy"; the detail says which.
        return CheckResult("database", False, exc.__class__.__name__)
    return CheckResult("database", True)


def check_broker(timeout: float = 2.0) -> CheckResult:
    from marketing_hunting.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
            # The filesystem transport "connects" without touching the disk; declaring the
            # default queue proves its folders are usable too.
            conn.default_channel.queue_declare(
                queue=app.conf.task_default_queue, passive=False, durable=True, auto_delete=False
            )
    except Exception as exc:
        return CheckResult("broker", False, exc.__class__.__name__)
    return CheckResult("broker", True)


def run_checks() -> list[CheckResult]:
    return [check_database(), check_broker()]
