"""Ask live workers what they are doing (Celery remote control; Redis only).

``stats``, ``active`` and ``reserved`` go out at once, each in its own thread, each waiting at
most ``INSPECT_TIMEOUT``. With ``expected`` replies (the workers whose heartbeat is fresh) a
broadcast returns as soon as they all answered; a dead or stuck worker costs at most the
timeout, never a hung page.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

INSPECT_TIMEOUT = 1.0
_pool = ThreadPoolExecutor(max_workers=6, thread_name_prefix="inspect")


@dataclass
class WorkerReport:
    name: str
    pid: int | None = None
    concurrency: int | None = None
    active: int | None = None
    reserved: int | None = None
    memory_bytes: int | None = None

    def as_row(self) -> dict[str, Any]:
        from monitoring.health_item import human_bytes

        return {
            "pid": self.pid,
            "concurrency": self.concurrency,
            "active": self.active,
            "reserved": self.reserved,
            "memory": human_bytes(self.memory_bytes) if self.memory_bytes else None,
            "inspected": True,
        }


def _ask(method: str, expected: int, timeout: float) -> dict[str, Any]:
    from marketing_hunting.celery import app

    inspector = app.control.inspect(timeout=timeout, limit=expected or None)
    return getattr(inspector, method)() or {}


def inspect_workers(
    *, expected: int, timeout: float = INSPECT_TIMEOUT
) -> tuple[dict[str, WorkerReport], str]:
    """Reports by worker name, and a note for the page ("" when every call answered)."""
    calls = {m: _pool.submit(_ask, m, expected, timeout) for m in ("stats", "active", "reserved")}
    answers: dict[str, dict[str, Any]] = {}
    failures: list[str] = []
    for method, future in calls.items():
        try:
            # The broadcast gives up by itself after ``timeout``; the extra is connect time.
            answers[method] = future.result(timeout=timeout + 5)
        except Exception as exc:
            answers[method] = {}
            failures.append(f"{method}: {exc.__class__.__name__}")
    reports: dict[str, WorkerReport] = {}
    for name, stats in answers["stats"].items():
        pool = stats.get("pool") or {}
        rusage = stats.get("rusage") or {}
        reports[name] = WorkerReport(
            name=name,
            pid=stats.get("pid"),
            concurrency=pool.get("max-concurrency"),
            # ru_maxrss is in kilobytes on Linux: the main process's peak, not the children's.
            memory_bytes=int(rusage["maxrss"]) * 1024 if rusage.get("maxrss") else None,
        )
    for method in ("active", "reserved"):
        for name, tasks in answers[method].items():
            report = reports.setdefault(name, WorkerReport(name=name))
            setattr(report, method, len(tasks or []))
    note = f"failed ({', '.join(failures)})" if failures else ""
    if not failures and len(reports) < expected:
        note = f"{len(reports)} of {expected} answered within {timeout:g} s"
    return reports, note
