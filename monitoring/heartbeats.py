"""Workers and beat say they are alive: a thread in each writes its ``ProcessHeartbeat`` row.

Readiness (``/readyz``: "a worker seen in the last 2 minutes") and the System health page read
these rows. They work on every broker: Celery's own worker heartbeats and remote control need
Redis, and the embedded filesystem broker has neither.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from monitoring.models import ProcessHeartbeat, Role

logger = logging.getLogger(__name__)


def heartbeat_seconds() -> float:
    """How often each worker and beat writes its row (WORKER_HEARTBEAT_SECONDS, 20 s)."""
    return float(settings.WORKER_HEARTBEAT_SECONDS)


def worker_seen_within() -> timedelta:
    """A worker not seen for this long is gone: red on System health, /readyz fails, the
    "No live worker" alert counts it out (WORKER_SEEN_WITHIN_SECONDS, 2 minutes)."""
    return timedelta(seconds=settings.WORKER_SEEN_WITHIN_SECONDS)


# Rows of processes silent this long are deleted by the hourly purge: container hostnames
# change with every deploy, so rows of old names would pile up.
HEARTBEAT_RETENTION = timedelta(days=7)
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def resident_memory(pids: list[int]) -> int | None:
    """Resident memory of these processes in bytes (Linux /proc), None where unreadable."""
    total, read_any = 0, False
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/statm").read_text().split()
        except (OSError, ValueError):
            continue
        total += int(fields[1]) * PAGE_SIZE
        read_any = True
    return total if read_any else None


def process_heartbeats_purge(*, now: datetime | None = None) -> int:
    """Delete the rows of processes not seen for HEARTBEAT_RETENTION."""
    cutoff = (now or timezone.now()) - HEARTBEAT_RETENTION
    deleted, _ = ProcessHeartbeat.objects.filter(seen_at__lt=cutoff).delete()
    return deleted


class HeartbeatWriter(threading.Thread):
    """Writes the row now and every ``interval`` seconds; ``stop()`` marks it stopped."""

    def __init__(
        self,
        *,
        role: str,
        name: str,
        describe: Callable[[], dict[str, Any]],
        interval: float | None = None,
        after: Callable[[], object] | None = None,
    ) -> None:
        super().__init__(name=f"heartbeat-{role}", daemon=True)
        self.role, self.process_name, self.describe = role, name, describe
        self.interval = heartbeat_seconds() if interval is None else interval
        self.after = after
        self.started_at = timezone.now()
        self._stop_event = threading.Event()

    def run(self) -> None:
        while True:
            self.beat()
            if self.after is not None:
                self._after()
            if self._stop_event.wait(self.interval):
                return

    def beat(self, *, stopped: bool = False) -> None:
        try:
            close_old_connections()
            # Described before "now": a tick stamped from the clock a moment ago must never be
            # later than the sighting that reports it (seen on a loaded CI machine).
            described = self.describe()
            now = timezone.now()
            fields = {
                "role": self.role,
                "host": socket.gethostname()[:255],
                "pid": os.getpid(),
                "started_at": self.started_at,
                "seen_at": now,
                "stopped_at": now if stopped else None,
                **described,
            }
            ProcessHeartbeat.objects.update_or_create(name=self.process_name, defaults=fields)
        except Exception:  # The database may be away; the next beat tries again.
            logger.warning("Could not write the heartbeat of %s", self.process_name, exc_info=True)
        finally:
            connection.close()  # This thread's own connection; never held between beats.

    def _after(self) -> None:
        try:
            close_old_connections()
            self.after()  # type: ignore[misc]
        except Exception:  # The database may be away; the next beat tries again.
            logger.warning("%s: the after-heartbeat step failed", self.process_name, exc_info=True)
        finally:
            connection.close()

    def stop(self) -> None:
        self._stop_event.set()
        self.beat(stopped=True)


_writers: dict[str, HeartbeatWriter] = {}


def _start(writer: HeartbeatWriter) -> HeartbeatWriter:
    previous = _writers.pop(writer.role, None)
    if previous is not None:
        previous._stop_event.set()
    _writers[writer.role] = writer
    writer.start()
    return writer


def worker_heartbeat_start(consumer: Any) -> HeartbeatWriter:
    """Called on ``worker_ready`` in the worker's main process (the sender is its consumer)."""
    from celery.worker import state

    def describe() -> dict[str, Any]:
        pool_info: dict[str, Any] = {}
        try:
            pool_info = consumer.pool.info or {}
        except Exception:  # The pool may be restarting; describe what we can.
            pool_info = {}
        children = [pid for pid in pool_info.get("processes", []) if isinstance(pid, int)]
        queues = sorted(consumer.app.amqp.queues.consume_from or {})
        return {
            "concurrency": getattr(consumer.controller, "concurrency", None),
            "queues": ", ".join(queues)[:500],
            "active_tasks": len(state.active_requests),
            "reserved_tasks": len(state.reserved_requests),
            "memory_bytes": resident_memory([os.getpid(), *children]),
        }

    def operator_alerts_fallback() -> None:
        # Beat may be down, and "no beat" is one of the alerts: a worker evaluates the rules
        # itself when beat's scheduled evaluation has not run for a few minutes.
        from monitoring.operator_alerts import operator_alerts_fallback as fallback

        fallback()

    return _start(
        HeartbeatWriter(
            role=Role.WORKER,
            name=consumer.hostname,
            describe=describe,
            after=operator_alerts_fallback,
        )
    )


def worker_heartbeat_stop() -> None:
    writer = _writers.pop(Role.WORKER, None)
    if writer is not None:
        writer.stop()


def beat_heartbeat_start(service: Any) -> HeartbeatWriter:
    """Called on ``beat_init`` (the sender is beat's Service, which stamps every tick)."""

    def describe() -> dict[str, Any]:
        last_tick = getattr(service, "_last_tick", None)  # time.monotonic() of the last tick
        last_tick_at = None
        if last_tick is not None:
            last_tick_at = timezone.now() - timedelta(seconds=time.monotonic() - last_tick)
        return {"last_tick_at": last_tick_at, "memory_bytes": resident_memory([os.getpid()])}

    name = f"beat@{socket.gethostname()}"[:255]
    return _start(HeartbeatWriter(role=Role.BEAT, name=name, describe=describe))
