"""Live progress over server-sent events: one stream per execution, one for the jobs list.

The execution stream sends ``progress`` (the state block of the execution page as HTML, for
htmx's SSE extension to swap), ``log`` (one ``<li>`` per new log line, with ``id:`` the event's
id so a reconnecting browser resumes after it through ``Last-Event-ID``), ``worker-lines`` (the
whole worker log panel, whenever the collector stored new lines of the run: replacing it is
idempotent, so a reconnect never duplicates a row) and ``done`` (the final state block) once the
execution finished; then it closes. A comment line keeps idle
connections open through proxies, and a stream ends after ``JOB_STREAM_MAX_SECONDS`` anyway:
the browser reconnects by itself and resumes where it was.

Each stream polls the database (one execution row + the new log lines per poll). The polling
logic is synchronous (:class:`ExecutionFeed`, :class:`JobListFeed`) and driven two ways:

* under ASGI (uvicorn, production and embedded) by an async generator that awaits
  ``asyncio.sleep`` between polls and runs the ORM through ``sync_to_async``, so an open stream
  holds no thread;
* under WSGI (the test client, pytest-django's live server) by a plain generator. Django 5.2
  serves an async iterator under WSGI by collecting it *whole* before sending anything, which
  would turn a live stream into one late response; a sync generator streams chunk by chunk at
  the price of one blocked thread per stream.
"""

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterator
from types import SimpleNamespace

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.db import close_old_connections
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, StreamingHttpResponse
from django.template.loader import render_to_string

from accounts.tenancy import get_object_for_request, request_organization
from jobs.models import ACTIVE_STATUSES, ExecutionEvent, ExecutionStatus, Job, JobExecution
from monitoring.selectors import execution_log_lines, execution_log_signature

EXECUTION_TEMPLATE = "jobs/execution_detail.html"
LIST_TEMPLATE = "jobs/job_list.html"
# Log lines sent per poll at most; the rest follow on the next polls.
LOG_BATCH = 200
# What the browser waits before reconnecting after the stream ended (SSE "retry:" field).
RECONNECT_MS = 2000
# Worker log lines the run page shows at most (the rest are on the Logs page).
WORKER_LINES = 200
# The execution fields the state block shows.
STATE_FIELDS = (
    "status",
    "worker_hostname",
    "worker_pid",
    "heartbeat_at",
    "feeds_total",
    "feeds_done",
    "new_articles",
    "analysed",
    "reports",
    "errors",
    "feed_articles_total",
    "feed_articles_done",
    "pages_fetched",
    "extracted",
    "copies",
    "unreadable",
    "excluded",
    "cancel_requested",
    "error_message",
)


def poll_seconds() -> float:
    return float(getattr(settings, "JOB_STREAM_POLL_SECONDS", 1.0))


def list_poll_seconds() -> float:
    return float(getattr(settings, "JOB_LIST_STREAM_POLL_SECONDS", 3.0))


def keepalive_seconds() -> float:
    return float(getattr(settings, "JOB_STREAM_KEEPALIVE_SECONDS", 15.0))


def max_seconds() -> float:
    return float(getattr(settings, "JOB_STREAM_MAX_SECONDS", 600.0))


def sse_message(event: str, data: str, event_id: int | None = None) -> bytes:
    """One SSE message; every line of ``data`` gets its own ``data:`` field."""
    lines = [f"event: {event}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines += [f"data: {line}" for line in data.splitlines() or [""]]
    return ("\n".join(lines) + "\n\n").encode()


KEEPALIVE = b": keep-alive\n\n"


class PolledFeed(ABC):
    """A stream's source: poll() returns the SSE messages of what changed since the last one."""

    finished = False

    def poll(self) -> list[bytes]:
        try:
            return self._poll()
        finally:
            # A stream lives for minutes: do not pin a database connection between polls.
            close_old_connections()

    @abstractmethod
    def _poll(self) -> list[bytes]:
        """The messages of one poll; poll() releases the database connection after it."""

    @property
    def interval(self) -> float:
        return poll_seconds()


class ExecutionFeed(PolledFeed):
    """What changed in one execution since the last poll, as SSE messages."""

    def __init__(
        self,
        request: HttpRequest,
        execution_id: int,
        after_event_id: int,
        lines_shown: tuple[int, int] = (0, 0),
    ) -> None:
        self.request = request
        self.execution_id = execution_id
        self.last_event_id = after_event_id
        self.last_state = ""
        self.last_signature: tuple = ()
        # (count, last id) of the worker lines the browser shows; the page says in ``?lines=``.
        self.lines_shown = lines_shown

    def _poll(self) -> list[bytes]:
        execution = JobExecution.objects.select_related("job").get(pk=self.execution_id)
        # Read after the row, so every line written before the status we saw is included.
        events = list(
            ExecutionEvent.objects.filter(
                execution_id=self.execution_id, id__gt=self.last_event_id
            ).order_by("id")[:LOG_BATCH]
        )
        messages = []
        # Rendering costs more than the query: only when something shown may have changed.
        signature = tuple(getattr(execution, field) for field in STATE_FIELDS)
        if signature != self.last_signature:
            self.last_signature = signature
            state = render_to_string(
                f"{EXECUTION_TEMPLATE}#execution-state", {"execution": execution}, self.request
            )
            if state != self.last_state:
                self.last_state = state
                messages.append(sse_message("progress", state))
        for event in events:
            line = render_to_string(f"{EXECUTION_TEMPLATE}#log-line", {"event": event})
            messages.append(sse_message("log", line, event_id=event.pk))
            self.last_event_id = event.pk
        messages += self._worker_lines(execution)
        # The final status and the closing log line are committed together (one transaction
        # in the worker), so once the status reads finished and the lines are drained: done.
        if execution.is_finished and len(events) < LOG_BATCH:
            actions = render_to_string(
                f"{EXECUTION_TEMPLATE}#execution-actions",
                {"execution": execution, "oob": True},
                self.request,
            )
            messages.append(sse_message("done", self.last_state + actions))
            self.finished = True
        return messages

    def _worker_lines(self, execution: JobExecution) -> list[bytes]:
        """The worker log panel again, when the collector stored lines the browser lacks.

        One cheap aggregate per poll; the panel (at most WORKER_LINES rows) is rendered only
        when its (count, last id) differs from what the browser shows.
        """
        signature = execution_log_signature(execution.pk)
        if signature == self.lines_shown:
            return []
        self.lines_shown = signature
        lines, more = execution_log_lines(execution.pk, WORKER_LINES)
        panel = render_to_string(
            f"{EXECUTION_TEMPLATE}#worker-lines",
            {"execution": execution, "worker_lines": lines, "worker_lines_more": more},
            self.request,
        )
        return [sse_message("worker-lines", panel)]


class JobListFeed(PolledFeed):
    """The "last run" cell of every job of an organization whose last execution changed."""

    def __init__(self, request: HttpRequest, organization_id: int) -> None:
        self.request = request
        self.organization_id = organization_id
        self.sent: dict[int, tuple] = {}
        self.active = False  # finished stays False: it runs until its maximum lifetime.

    def _poll(self) -> list[bytes]:
        latest = JobExecution.objects.filter(job=OuterRef("pk")).order_by("-queued_at", "-id")
        jobs = Job.objects.filter(organization_id=self.organization_id).annotate(
            last_execution_id=Subquery(latest.values("id")[:1]),
            last_status=Subquery(latest.values("status")[:1]),
        )
        statuses = dict(ExecutionStatus.choices)
        messages = []
        self.active = False
        for job in jobs.values("pk", "last_execution_id", "last_status"):
            signature = (job["last_execution_id"], job["last_status"])
            self.active = self.active or job["last_status"] in ACTIVE_STATUSES
            if self.sent.get(job["pk"]) == signature:
                continue
            self.sent[job["pk"]] = signature
            row = SimpleNamespace(
                pk=job["pk"],
                last_execution_id=job["last_execution_id"],
                last_status=job["last_status"],
            )
            cell = render_to_string(
                f"{LIST_TEMPLATE}#job-last-run", {"job": row, "statuses": statuses}
            )
            messages.append(sse_message(f"job-{job['pk']}", cell))
        return messages

    @property
    def interval(self) -> float:
        # Quick while something runs; slower when idle, still catching scheduled runs.
        return list_poll_seconds() if self.active else list_poll_seconds() * 5


async def drive_async(feed: PolledFeed) -> AsyncIterator[bytes]:
    """ASGI: sleep on the event loop between polls; the ORM runs in a thread per poll."""
    started = last_sent = time.monotonic()
    yield f"retry: {RECONNECT_MS}\n\n".encode()
    # Not thread-sensitive: polls share the loop's small thread pool instead of pinning a
    # thread per open stream (the request's own thread-sensitive executor).
    poll = sync_to_async(feed.poll, thread_sensitive=False)
    while True:
        messages = await poll()
        if messages:
            last_sent = time.monotonic()
            for message in messages:
                yield message
        if feed.finished:
            return
        now = time.monotonic()
        if now - started >= max_seconds():
            return
        if now - last_sent >= keepalive_seconds():
            last_sent = now
            yield KEEPALIVE
        await asyncio.sleep(feed.interval)


def drive_sync(feed: PolledFeed) -> Iterator[bytes]:
    """WSGI: the same loop, blocking its thread (only the test servers run the app so)."""
    started = last_sent = time.monotonic()
    yield f"retry: {RECONNECT_MS}\n\n".encode()
    while True:
        messages = feed.poll()
        if messages:
            last_sent = time.monotonic()
            yield from messages
        if feed.finished:
            return
        now = time.monotonic()
        if now - started >= max_seconds():
            return
        if now - last_sent >= keepalive_seconds():
            last_sent = now
            yield KEEPALIVE
        time.sleep(feed.interval)


def _stream(request: HttpRequest, feed: PolledFeed) -> StreamingHttpResponse:
    content = drive_async(feed) if isinstance(request, ASGIRequest) else drive_sync(feed)
    response = StreamingHttpResponse(content, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response


def _resume_after(request: HttpRequest) -> int:
    """The last log line the browser has: its ``Last-Event-ID``, else the page's ``?after=``."""
    for value in (request.headers.get("Last-Event-ID"), request.GET.get("after")):
        if value and value.strip().isdigit():
            return int(value.strip())
    return 0


def _lines_shown(request: HttpRequest) -> tuple[int, int]:
    """The worker lines the page was rendered with, ``?lines=<count>.<last id>``; else none."""
    count, _, last = request.GET.get("lines", "").partition(".")
    if count.isdigit() and last.isdigit() and len(count) < 10 and len(last) < 19:
        return int(count), int(last)
    return 0, 0


async def execution_stream(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    # Looked up (404 across organizations) before the response starts streaming.
    execution = await sync_to_async(get_object_for_request)(request, JobExecution, pk=pk)
    feed = ExecutionFeed(request, execution.pk, _resume_after(request), _lines_shown(request))
    return _stream(request, feed)


async def jobs_stream(request: HttpRequest) -> StreamingHttpResponse:
    organization = await sync_to_async(request_organization)(request)
    return _stream(request, JobListFeed(request, organization.pk))
