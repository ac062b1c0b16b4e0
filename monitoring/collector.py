"""The one log collector: reads what every process shipped, writes the file and LogEntry rows.

For each batch it (1) appends the lines to the rotating file, (2) stores the rows (idempotent:
``stream_id`` is unique) and only then (3) acknowledges the batch to the transport. A collector
stopped anywhere in between re-reads the unacknowledged batch on start: the rows are not
doubled (ignore_conflicts) and the file is not either (it skips entries up to the last id the
file holds, see ``RotatingLogFile.last_written_id``). Nothing acknowledged was left unwritten,
so nothing is lost.
"""

from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import redis
from django.core.cache import cache
from django.db import close_old_connections

from monitoring.logfile import RotatingLogFile
from monitoring.services import log_entries_store
from monitoring.spool import SpoolChunk, SpoolReader
from monitoring.spool import already_written as spool_already_written

logger = logging.getLogger(__name__)

STATUS_CACHE_KEY = "monitoring:collector-status"
STATUS_EVERY_SECONDS = 2.0
# A record sent twice arrives within seconds of its first copy; this many uids cover that.
RECENT_UIDS = 100_000


@dataclass
class Batch:
    # (entry id, record); the record is None for an entry that can no longer be read (trimmed
    # from the stream, a torn spool line): acknowledged and skipped.
    entries: list[tuple[str, dict[str, Any] | None]]
    token: Any = None


class Source(Protocol):
    def read(self, count: int, block_ms: int) -> Batch | None: ...
    def ack(self, batch: Batch) -> None: ...
    def already_written(self, entry_id: str, last_written: str | None) -> bool: ...
    def backlog(self) -> int | None: ...
    def rewind(self) -> None: ...
    def close(self) -> None: ...


def _redis_id(entry_id: str) -> tuple[int, int] | None:
    ms, _, seq = entry_id.partition("-")
    try:
        return int(ms), int(seq)
    except ValueError:
        return None


class RedisSource:
    """A consumer group on the log stream; one fixed consumer name, since one collector runs."""

    def __init__(
        self, *, url: str, stream: str, group: str = "collector", consumer: str = "collector"
    ) -> None:
        import redis

        self.redis = redis
        # The socket timeout must outlast XREADGROUP's BLOCK.
        self.client = redis.Redis.from_url(
            url, decode_responses=True, socket_connect_timeout=5.0, socket_timeout=30.0
        )
        self.stream, self.group, self.consumer = stream, group, consumer
        self.rewind()

    def _ensure_group(self) -> None:
        try:
            self.client.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except self.redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def _group_lost(self, exc: Exception) -> bool:
        """Redis restarted empty (or the stream was deleted): the group must be made again."""
        if not isinstance(exc, self.redis.ResponseError) or "NOGROUP" not in str(exc):
            return False
        logger.warning("The log stream's consumer group is gone (Redis restarted?); recreating it")
        self._ensure_group()
        self._pending_first = True
        return True

    def rewind(self) -> None:
        """Re-read pending entries first: delivered before a crash, never acknowledged."""
        # Also after Redis restarted empty: without the group every read failed with NOGROUP
        # and the collector retried for ever, collecting nothing.
        self._ensure_group()
        # Entries another consumer name took (an older collector) become ours.
        start = "0-0"
        while True:
            # Not justid: redis-py then drops the cursor this loop needs.
            start, *_ = self.client.xautoclaim(
                self.stream, self.group, self.consumer, 0, start, count=1000
            )
            if start == "0-0":
                break
        self._pending_first = True

    def read(self, count: int, block_ms: int) -> Batch | None:
        try:
            return self._read(count, block_ms)
        except self.redis.ResponseError as exc:
            if self._group_lost(exc):
                return None
            raise

    def _read(self, count: int, block_ms: int) -> Batch | None:
        if self._pending_first:
            response = self.client.xreadgroup(
                self.group, self.consumer, {self.stream: "0"}, count=count
            )
            batch = self._batch(response)
            if batch:
                return batch
            self._pending_first = False
        response = self.client.xreadgroup(
            self.group, self.consumer, {self.stream: ">"}, count=count, block=block_ms
        )
        return self._batch(response)

    def _batch(self, response: Any) -> Batch | None:
        entries: list[tuple[str, dict[str, Any] | None]] = []
        for _stream, items in response or []:
            for entry_id, fields in items:
                record = None
                if fields and "d" in fields:
                    try:
                        record = json.loads(fields["d"])
                    except ValueError:
                        record = None
                entries.append((entry_id, record if isinstance(record, dict) else None))
        return Batch(entries) if entries else None

    def ack(self, batch: Batch) -> None:
        try:
            self.client.xack(self.stream, self.group, *[eid for eid, _ in batch.entries])
        except self.redis.ResponseError as exc:
            # Entries of a group that is gone are gone with it: nothing is left to acknowledge.
            if not self._group_lost(exc):
                raise

    def already_written(self, entry_id: str, last_written: str | None) -> bool:
        current, last = _redis_id(entry_id), _redis_id(last_written or "")
        return current is not None and last is not None and current <= last

    def backlog(self) -> int | None:
        for info in self.client.xinfo_groups(self.stream):
            if info.get("name") == self.group:
                # "lag" (Redis 7+): entries not delivered yet; "pending": delivered, not acked.
                return int(info.get("lag") or 0) + int(info.get("pending") or 0)
        return None

    def close(self) -> None:
        self.client.close()


class SpoolSource:
    backlog_unit = "bytes"

    def __init__(self, *, spool_dir: Path, state_path: Path) -> None:
        self.reader = SpoolReader(spool_dir, state_path=state_path)
        self._cleaned_at = 0.0

    def read(self, count: int, block_ms: int) -> Batch | None:
        chunk = self.reader.read(max_lines=count)
        if chunk is None:
            if time.monotonic() - self._cleaned_at > 30:
                self._cleaned_at = time.monotonic()
                self.reader.cleanup()
            time.sleep(min(block_ms, 250) / 1000)  # files cannot block like XREADGROUP
            return None
        return Batch(chunk.entries, token=chunk)

    def ack(self, batch: Batch) -> None:
        chunk: SpoolChunk = batch.token
        self.reader.commit(chunk)

    def already_written(self, entry_id: str, last_written: str | None) -> bool:
        return spool_already_written(entry_id, last_written)

    def backlog(self) -> int | None:
        return self.reader.backlog()

    def rewind(self) -> None:
        pass  # offsets only move on ack: whatever failed is simply read again

    def close(self) -> None:
        pass


def file_line(entry_id: str, record: dict[str, Any]) -> str:
    return json.dumps({"id": entry_id, **record}, default=str, ensure_ascii=False) + "\n"


@dataclass
class Collector:
    source: Source
    logfile: RotatingLogFile
    batch_size: int = 1000
    processed: int = 0
    last_written: str | None = None
    last_lag: float = 0.0
    _status_at: float = 0.0
    _started: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        self.last_written = self.logfile.last_written_id()
        self._recent_uids: OrderedDict[str, None] = OrderedDict()

    def _seen_before(self, uid: Any) -> bool:
        """Whether a record with this uid was written lately (a duplicated send)."""
        if not isinstance(uid, str):
            return False
        if uid in self._recent_uids:
            return True
        self._recent_uids[uid] = None
        if len(self._recent_uids) > RECENT_UIDS:
            self._recent_uids.popitem(last=False)
        return False

    def step(self, block_ms: int = 1000) -> int:
        """Collect one batch; returns how many entries it held (0: nothing was waiting)."""
        batch = self.source.read(self.batch_size, block_ms)
        if batch is None:
            self.report_status()
            return 0
        readable = [(eid, rec) for eid, rec in batch.entries if rec is not None]
        fresh = [
            (eid, rec)
            for eid, rec in readable
            if not self.source.already_written(eid, self.last_written)
            and not self._seen_before(rec.get("uid"))
        ]
        if fresh:
            self.logfile.write_lines([file_line(eid, rec) for eid, rec in fresh])
            self.last_written = fresh[-1][0]
        # Keyed by the record's own uid where it has one, so a record the shipper sent twice
        # is stored once; the transport's id otherwise (records of an older release).
        log_entries_store(records=[(rec.get("uid") or eid, rec) for eid, rec in readable])
        self.source.ack(batch)
        self.processed += len(batch.entries)
        if readable:
            self.last_lag = max(0.0, time.time() - _timestamp(readable[-1][1]))
        self.report_status()
        return len(batch.entries)

    def report_status(self, *, force: bool = False, problem: str = "") -> None:
        now = time.time()
        if not force and now - self._status_at < STATUS_EVERY_SECONDS:
            return
        self._status_at = now
        try:
            backlog = self.source.backlog()
        except Exception:
            backlog = None
        status = {
            "updated_at": now,
            "started_at": self._started,
            "processed": self.processed,
            "lag_seconds": round(self.last_lag, 3),
            "backlog": backlog,
            "backlog_unit": getattr(self.source, "backlog_unit", "entries"),
            "file": str(self.logfile.path),
            # Why the last batch failed (being retried), so the Logs page says "retrying"
            # rather than "not running" while the collector waits for Redis or the database.
            "problem": problem,
        }
        try:
            cache.set(STATUS_CACHE_KEY, status, timeout=3600)
        except Exception:  # the status is a nicety; collecting must go on without it
            logger.warning("Could not store the collector status", exc_info=True)

    def run(self, should_stop: Callable[[], bool], *, once: bool = False) -> None:
        """Collect until ``should_stop()``; with ``once``, until nothing is waiting."""
        backoff = 1.0
        while not should_stop():
            try:
                count = self.step(block_ms=200 if once else 1000)
            except Exception as exc:
                # The database or Redis is down: keep everything unacknowledged and retry.
                logger.exception("Log collection failed; retrying in %.0f s", backoff)
                close_old_connections()
                self.report_status(force=True, problem=f"{type(exc).__name__}: {exc}"[:300])
                self._retry_after_failure(backoff, should_stop)
                backoff = min(backoff * 2, 30.0)
                continue
            backoff = 1.0
            if once and count == 0:
                break
            close_old_connections()
        self.report_status(force=True)

    def _retry_after_failure(self, delay: float, should_stop: Callable[[], bool]) -> None:
        deadline = time.monotonic() + delay
        while time.monotonic() < deadline and not should_stop():
            time.sleep(0.1)
        try:
            self.source.rewind()
        except Exception:
            logger.warning("Could not rewind the log source", exc_info=True)


def _timestamp(record: dict[str, Any]) -> float:
    from datetime import datetime

    try:
        return datetime.fromisoformat(str(record.get("time"))).timestamp()
    except ValueError:
        return time.time()


REDIS_UNREACHABLE = "Redis is not answering, so the collector's state is unknown."


def collector_status() -> dict[str, Any] | None:
    """What the collector last reported (None: nothing yet); says so when Redis is down."""
    try:
        return cache.get(STATUS_CACHE_KEY)
    except (redis.RedisError, OSError):
        # The Logs page answered 500 with Redis stopped, and hung with it frozen.
        return {"unreachable": REDIS_UNREACHABLE}
