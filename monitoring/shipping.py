"""Ships every process's log records to the collector without ever blocking the caller.

``ShippingHandler.emit`` only appends a small dict to a bounded in-memory deque (when it is
full the record is dropped and counted: a slow log transport must never slow a request or a
task). A sender thread, started lazily on the first record *in the process that logs it*,
drains the deque into a sink: a Redis stream (``XADD ... MAXLEN ~``) when ``REDIS_URL`` is set,
else a spool file of this process's own (see ``monitoring.spool``).

Nothing here is created before a fork and used after it: Celery's prefork children, uvicorn's
workers and anything else that forks get a fresh deque and their own thread
(``os.register_at_fork``, a pid check in ``emit`` and Celery's ``worker_process_init`` all lead
to the same reset). Records the parent had queued stay with the parent, which ships them: the
child must not ship them too.

Importing this module must not import Django models: it is loaded by dictConfig at start-up.
"""

from __future__ import annotations

import abc
import json
import logging
import os
import sys
import threading
import time
import uuid
import weakref
from collections import deque
from typing import Any

from marketing_hunting.logging import exception_text, record_to_dict
from monitoring.spool import SpoolWriter

# The sender wakes at least this often; a burst of WAKE_AT records wakes it at once.
FLUSH_INTERVAL = 0.1
WAKE_AT = 256
BATCH_SIZE = 500
# Transport failures back off up to this many seconds between attempts.
MAX_BACKOFF = 30.0

_handlers: weakref.WeakSet[ShippingHandler] = weakref.WeakSet()


def _warn(message: str) -> None:
    # Straight to stderr: logging from the sender thread would feed the handler it serves.
    try:
        sys.stderr.write(f"[log shipping pid {os.getpid()}] {message}\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # stderr closed at interpreter exit
        pass


class Sink(abc.ABC):
    """Delivers batches, keeping a bounded buffer while the transport is down."""

    def __init__(self, *, buffer_size: int) -> None:
        self.pending: deque[dict[str, Any]] = deque()
        self.buffer_size = buffer_size
        self.lost = 0
        self._retry_at = 0.0
        self._backoff = 0.5
        self._failing = False

    def send(self, batch: list[dict[str, Any]], *, final: bool = False) -> None:
        self.pending.extend(batch)
        overflow = len(self.pending) - self.buffer_size
        for _ in range(max(0, overflow)):
            self.pending.popleft()  # oldest first: recent records matter most in an outage
            self.lost += 1
        if not self.pending or (time.monotonic() < self._retry_at and not final):
            return
        try:
            while self.pending:
                chunk = [self.pending[i] for i in range(min(BATCH_SIZE, len(self.pending)))]
                self.write(chunk)
                for _ in chunk:
                    self.pending.popleft()
        except Exception as exc:  # any transport error: buffer and retry later, never raise
            if not self._failing:
                _warn(
                    f"cannot ship log records ({exc.__class__.__name__}: {exc}); they still "
                    f"print to the console, up to {self.buffer_size} wait for a retry"
                )
            self._failing = True
            self._retry_at = time.monotonic() + self._backoff
            self._backoff = min(self._backoff * 2, MAX_BACKOFF)
            self.reset_connection()
        else:
            if self._failing:
                _warn("log shipping recovered")
            self._failing = False
            self._backoff = 0.5

    def backing_off(self) -> bool:
        return self._failing and time.monotonic() < self._retry_at

    @abc.abstractmethod
    def write(self, chunk: list[dict[str, Any]]) -> None:
        """Hand one batch to the transport (RedisSink, SpoolSink)."""

    def reset_connection(self) -> None:  # noqa: B027 - optional hook; spool files have none
        pass

    def close(self) -> None:  # noqa: B027 - optional hook
        pass


class RedisSink(Sink):
    def __init__(self, *, url: str, stream: str, maxlen: int, buffer_size: int) -> None:
        super().__init__(buffer_size=buffer_size)
        import redis

        # Short timeouts: the sender thread must notice an outage quickly and keep buffering.
        self.client = redis.Redis.from_url(
            url, socket_connect_timeout=1.0, socket_timeout=2.0, health_check_interval=30
        )
        self.stream = stream
        self.maxlen = maxlen

    def write(self, chunk: list[dict[str, Any]]) -> None:
        # Not a transaction: if the connection drops after Redis applied part of the
        # pipeline, the retry can add those entries again (a rare duplicate, never a loss).
        pipe = self.client.pipeline(transaction=False)
        for entry in chunk:
            pipe.xadd(
                self.stream,
                {"d": json.dumps(entry, default=str, ensure_ascii=False)},
                maxlen=self.maxlen,
                approximate=True,
            )
        pipe.execute()

    def reset_connection(self) -> None:
        self.client.connection_pool.disconnect()

    def close(self) -> None:
        self.client.close()


class SpoolSink(Sink):
    def __init__(self, *, spool_dir: str, max_bytes: int, buffer_size: int) -> None:
        super().__init__(buffer_size=buffer_size)
        self.writer = SpoolWriter(spool_dir, max_bytes=max_bytes)

    def write(self, chunk: list[dict[str, Any]]) -> None:
        self.lost += self.writer.write(chunk)

    def close(self) -> None:
        self.writer.close()


class ShippingHandler(logging.Handler):
    """A non-blocking handler: bounded queue, drop-and-count, sender thread per process."""

    def __init__(
        self,
        *,
        redis_url: str | None = None,
        stream: str = "mh:logs",
        maxlen: int = 100_000,
        spool_dir: str | None = None,
        spool_max_bytes: int = 256 * 1024 * 1024,
        queue_size: int = 10_000,
        buffer_size: int = 10_000,
        level: int = logging.NOTSET,
    ) -> None:
        super().__init__(level)
        if not redis_url and not spool_dir:
            raise ValueError("ShippingHandler needs redis_url or spool_dir.")
        self.redis_url = redis_url
        self.stream = stream
        self.maxlen = maxlen
        self.spool_dir = spool_dir
        self.spool_max_bytes = spool_max_bytes
        self.queue_size = queue_size
        self.buffer_size = buffer_size
        # Formats exception text only; the message itself is record.getMessage().
        self._exc_formatter = logging.Formatter()
        self._reset()
        _handlers.add(self)

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._queue: deque[dict[str, Any]] = deque()
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._sender_ident: int | None = None
        self._sink: Sink | None = None
        self.dropped = 0
        self._reported_lost = 0

    def reset_after_fork(self) -> None:
        """Forget the parent's queue and thread; a no-op in the process that made them."""
        if self._pid != os.getpid():
            self._reset()

    # --- caller side: must stay cheap and never block -----------------------------------------

    def emit(self, record: logging.LogRecord) -> None:
        if self._pid != os.getpid():
            self._reset()
        if self._stopping or threading.get_ident() == self._sender_ident:
            return
        if len(self._queue) >= self.queue_size:
            self.dropped += 1
            return
        try:
            entry = record_to_dict(
                record, record.getMessage(), exception_text(record, self._exc_formatter)
            )
        except Exception:
            self.handleError(record)
            return
        # The collector stores each uid once: a send retried after a timeout whose write had
        # reached Redis (a frozen server answers late) adds the record to the stream twice.
        entry["uid"] = uuid.uuid4().hex
        self._queue.append(entry)
        if self._thread is None:
            self._start()
        elif len(self._queue) >= WAKE_AT and not self._wake.is_set():
            self._wake.set()

    def _start(self) -> None:
        # emit() runs under the handler's lock, so only one thread is ever started.
        self._thread = threading.Thread(
            target=self._run, name=f"log-shipper-{self._pid}", daemon=True
        )
        self._thread.start()

    # --- sender side ------------------------------------------------------------------------

    def _make_sink(self) -> Sink:
        if self.redis_url:
            return RedisSink(
                url=self.redis_url,
                stream=self.stream,
                maxlen=self.maxlen,
                buffer_size=self.buffer_size,
            )
        return SpoolSink(
            spool_dir=str(self.spool_dir),
            max_bytes=self.spool_max_bytes,
            buffer_size=self.buffer_size,
        )

    def _run(self) -> None:
        self._sender_ident = threading.get_ident()
        try:
            self._sink = self._make_sink()
        except Exception as exc:
            _warn(f"log shipping disabled in this process: {exc}")
            self._stopping = True
            self._queue.clear()
            return
        sink = self._sink
        while True:
            # Drain without pausing while records keep coming, unless the transport is down.
            if not self._queue or sink.backing_off():
                self._wake.wait(FLUSH_INTERVAL)
            self._wake.clear()
            stopping = self._stopping
            batch = self._take()
            if batch or sink.pending:
                sink.send(batch, final=stopping)
            if stopping and not self._queue:
                break
        if sink.pending:
            _warn(f"{len(sink.pending)} log records not shipped at exit (printed on the console)")
        sink.close()

    def _take(self) -> list[dict[str, Any]]:
        batch: list[dict[str, Any]] = []
        queue = self._queue
        while queue and len(batch) < BATCH_SIZE * 4:
            batch.append(queue.popleft())
        lost = self.dropped + (self._sink.lost if self._sink else 0)
        if lost > self._reported_lost:
            # The loss itself becomes a record, so the Logs page shows that lines are missing.
            notice = logging.LogRecord(
                "monitoring.shipping",
                logging.WARNING,
                __file__,
                0,
                "%d log records were dropped in this process (queue full or transport down)",
                (lost - self._reported_lost,),
                None,
            )
            self._reported_lost = lost
            batch.append(record_to_dict(notice, notice.getMessage(), ""))
        return batch

    # --- lifecycle --------------------------------------------------------------------------

    def backlog(self) -> int:
        return len(self._queue) + (len(self._sink.pending) if self._sink else 0)

    def flush(self, timeout: float = 2.0) -> None:
        """Wait (bounded) until what was logged so far has been handed to the transport."""
        if self._thread is None or self._pid != os.getpid():
            return
        deadline = time.monotonic() + timeout
        while self.backlog() and self._thread.is_alive() and time.monotonic() < deadline:
            self._wake.set()
            time.sleep(0.01)

    def close(self) -> None:
        thread = self._thread
        if thread is not None and self._pid == os.getpid() and not self._stopping:
            self._stopping = True
            self._wake.set()
            thread.join(timeout=3.0)
        self._stopping = True
        _handlers.discard(self)
        super().close()


def reset_after_fork() -> None:
    for handler in list(_handlers):
        handler.reset_after_fork()


def flush_all(timeout: float = 2.0) -> None:
    for handler in list(_handlers):
        handler.flush(timeout)


os.register_at_fork(after_in_child=reset_after_fork)
