"""A run's time limit striking while PostgreSQL is away (issue #18 item 6, its edge).

The soft time limit may strike while a step of the run waits for the database, or while the
run waits to record that the database stayed away too long; 60 s later the pool's hard limit
kills the worker's process. Before: the final write went on being retried past the hard limit
(or the soft limit's exception escaped the run), the process was killed with the row still
"running", and the sweep later failed it as "worker presumed lost": the wrong reason again.
Now the run returns before the hard limit and a thread of the worker's process writes the
real reason as soon as the database answers.

In this process, to stay fast: the database is cut for real (every connection through a TCP
proxy reset, new ones refused; the shared server is not touched), and the soft limit is the
one billiard installs in a worker's process (its SIGUSR1 handler), sent when the run is seen
waiting for the database, as the pool's timer thread sends it. The hard limit is the deadline
``execution_run`` is given; the run must have returned before it.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Iterator

import pytest
from billiard.pool import soft_timeout_sighandler
from django.db import connection

from jobs.models import ExecutionStatus, JobExecution
from jobs.services import outage
from jobs.services.run import execution_run
from tests.harness.tcp_proxy import TcpProxy
from tests.harness.waiting import ceiling, wait_for
from tests.jobs.builders import make_job, make_served_feed

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the outage is cut between the run and PostgreSQL"
)

HARD_LIMIT = 10.0  # Seconds from the run's start: the pool would kill the process then.


class _Seen(logging.Handler):
    """Notices the retry warnings of resilience.database (emitted in the run's thread)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def waiting_on(self, what: str) -> bool:
        return any("Database unavailable during" in m and what in m for m in self.messages)


@pytest.fixture
def run_behind_proxy(transactional_db, monkeypatch) -> Iterator[TcpProxy]:
    """This process's database connections go through a proxy the test can cut."""
    monkeypatch.setattr(outage, "FINAL_WRITE_MARGIN", 3.0)
    db = connection.settings_dict
    saved = db["HOST"], db["PORT"]
    proxy = TcpProxy(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)).start()
    connection.close()
    db["HOST"], db["PORT"] = "127.0.0.1", str(proxy.port)
    seen = _Seen()
    logging.getLogger("resilience").addHandler(seen)
    previous = signal.signal(signal.SIGUSR1, soft_timeout_sighandler)
    proxy.seen = seen  # type: ignore[attr-defined]
    try:
        yield proxy
    finally:
        signal.signal(signal.SIGUSR1, previous)
        logging.getLogger("resilience").removeHandler(seen)
        connection.close()
        db["HOST"], db["PORT"] = saved  # The database flush at teardown goes direct.
        proxy.cut()


def _outage_then_soft_limit(proxy: TcpProxy, http_server, waiting_on: str) -> threading.Thread:
    """Cuts the database once the run fetches its pages, and sends the soft time limit once
    the run is seen waiting on ``waiting_on``."""
    seen: _Seen = proxy.seen  # type: ignore[attr-defined]

    def act() -> None:
        if wait_for(lambda: http_server.requests_to("/during/story-0"), timeout=30):
            proxy.cut()
            if wait_for(lambda: seen.waiting_on(waiting_on), timeout=30):
                os.kill(os.getpid(), signal.SIGUSR1)

    thread = threading.Thread(target=act, daemon=True)
    thread.start()
    return thread


def _run(execution: JobExecution) -> tuple[str | None, float]:
    started = time.monotonic()
    status = execution_run(
        execution_id=execution.pk,
        task_id=execution.task_id,
        hostname="celery@limit.test",
        pid=os.getpid(),
        time_limit=ceiling(HARD_LIMIT),
    )
    return status, time.monotonic() - started


def _finished(execution: JobExecution) -> JobExecution:
    assert wait_for(lambda: JobExecution.objects.get(pk=execution.pk).is_finished, timeout=30), (
        "the final status was never written"
    )
    return JobExecution.objects.get(pk=execution.pk)


def test_the_time_limit_striking_while_a_step_waits_for_the_database_times_out_with_the_reason(
    run_behind_proxy, http_server, org_a, settings
):
    settings.JOB_DATABASE_RETRY_SECONDS = 120  # Longer than the run has left.
    make_served_feed(org_a, http_server, "during", stories=2, page_delay=1.0)
    execution = JobExecution.objects.create(
        organization=org_a, job=make_job(org_a), task_id="limit-1", feeds_total=1
    )
    actor = _outage_then_soft_limit(run_behind_proxy, http_server, "execution")

    status, took = _run(execution)

    actor.join(timeout=1)
    # Before: the closing write was retried for JOB_DATABASE_RETRY_SECONDS, past the hard
    # limit (the process killed, the row left "running" for the sweep).
    assert took < ceiling(HARD_LIMIT), took
    assert status is None  # Not written yet: the database is still away.
    run_behind_proxy.restore()

    execution = _finished(execution)
    assert execution.status == ExecutionStatus.TIMED_OUT, execution.error_message
    assert execution.error_message.startswith(
        "The run reached its time limit while the database was unavailable ("
    ), execution.error_message
    assert "retry it" in execution.error_message
    last = execution.events.order_by("id").last()
    assert last.message == execution.error_message


def test_the_time_limit_striking_while_the_run_waits_to_record_the_outage_fails_it_with_the_reason(
    run_behind_proxy, http_server, org_a, settings
):
    settings.JOB_DATABASE_RETRY_SECONDS = 1  # Given up at once; then the failure waits.
    make_served_feed(org_a, http_server, "during", stories=2, page_delay=1.0)
    execution = JobExecution.objects.create(
        organization=org_a, job=make_job(org_a), task_id="limit-2", feeds_total=1
    )
    actor = _outage_then_soft_limit(run_behind_proxy, http_server, "recording the failure")

    # Before: SoftTimeLimitExceeded escaped the run here, the row left "running".
    status, took = _run(execution)

    actor.join(timeout=1)
    assert took < ceiling(HARD_LIMIT), took
    assert status is None
    run_behind_proxy.restore()

    execution = _finished(execution)
    assert execution.status == ExecutionStatus.FAILED
    assert execution.error_message.startswith("Database unavailable: "), execution.error_message
    assert "presumed lost" not in execution.error_message
    assert execution.events.order_by("id").last().message == execution.error_message


def test_a_run_the_outage_keeps_from_starting_is_failed_with_that_not_left_queued(
    run_behind_proxy, http_server, org_a, settings
):
    """Before: the claim's last error ended the task and the row stayed "queued" until the
    sweep said "no worker took its task", though a worker had."""
    settings.JOB_DATABASE_RETRY_SECONDS = 1
    make_served_feed(org_a, http_server, "never", stories=1)
    execution = JobExecution.objects.create(
        organization=org_a, job=make_job(org_a), task_id="limit-3", feeds_total=1
    )
    seen: _Seen = run_behind_proxy.seen  # type: ignore[attr-defined]
    run_behind_proxy.cut()

    def back_when_recording() -> None:
        if wait_for(lambda: seen.waiting_on("recording that it could not start"), timeout=30):
            run_behind_proxy.restore()

    actor = threading.Thread(target=back_when_recording, daemon=True)
    actor.start()
    status, _ = _run(execution)
    actor.join(timeout=1)

    assert status == ExecutionStatus.FAILED  # Written by the task itself, once it could.
    execution.refresh_from_db()
    assert execution.error_message.startswith("Database unavailable when the run was to start: "), (
        execution.error_message
    )
    assert execution.error_message.endswith("retry it.")
    assert execution.events.order_by("id").last().message == execution.error_message
    assert http_server.requests_to("/never.xml") == []
