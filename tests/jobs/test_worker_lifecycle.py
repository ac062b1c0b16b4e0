"""A real prefork worker's life around an execution: soft time limit, warm shutdown, restart.

These need a ``celery worker --pool prefork`` subprocess: only a pool child receives the soft
time limit signal, and only a real worker process sends ``worker_ready`` and
``worker_shutting_down``. The subprocess shares the test database (see ``test_worker``).
"""

import os
import signal
import subprocess
import uuid
from collections.abc import Callable, Iterator

import pytest
from django.utils import timezone

from feeds.models import Article
from jobs.models import ExecutionStatus, JobExecution
from jobs.services.executions import execution_enqueue
from tests.feeds.builders import make_feed
from tests.harness.waiting import ceiling, wait_for
from tests.jobs.builders import make_job, make_served_feed, serve_feed
from tests.jobs.test_worker import current, empty_queue, start_worker_process

__all__ = ["empty_queue"]  # The fixture, imported for use here.

HOST = "lifecycle.test"


@pytest.fixture
def worker_name() -> str:
    return f"lifecycle-{uuid.uuid4().hex[:8]}@{HOST}"


@pytest.fixture
def worker_process(worker_name) -> Iterator[Callable[[], subprocess.Popen]]:
    started: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        started.append(start_worker_process(worker_name))
        return started[-1]

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=ceiling(30))


def test_the_soft_time_limit_ends_a_run_as_timed_out_keeping_partial_results(
    empty_queue, http_server, org_a, settings, worker_process
):
    feeds = [
        make_served_feed(org_a, http_server, "fast", stories=2),
        make_feed(org_a, serve_feed(http_server, "slow", stories=2, delay=30), name="slow"),
        make_served_feed(org_a, http_server, "never", stories=1),
    ]
    worker_process()
    # A first run loads what a pool child loads once (extraction, discovery's lists): on a
    # busy machine that alone outlasted the limit below, which then struck in the fast feed.
    warm_up = make_feed(org_a, serve_feed(http_server, "warm", stories=1), name="warm")
    first = execution_enqueue(job=make_job(org_a, name="Warm-up", feeds=[warm_up]))
    assert wait_for(lambda: current(first).is_finished, timeout=120), first.status
    # The limits are computed when the task is sent (here), and travel with the message. The
    # limit must strike while the slow feed's request waits: after the fast feed (warm: well
    # under a second) and before the fetch's own read timeout (10 s after the request), which
    # ended the slow feed first when the limit was 10 s.
    settings.JOB_MAX_RUN_SECONDS = 4

    execution = execution_enqueue(job=make_job(org_a, feeds=feeds, feed_timeout=25))

    assert wait_for(lambda: current(execution).is_finished, timeout=120), execution.status
    # The run's log in the message: CI once saw "partial" here, with no clue where it went.
    log = [event.message for event in execution.events.order_by("id")]
    assert execution.status == ExecutionStatus.TIMED_OUT, log
    assert "time limit" in execution.error_message
    assert "keep their results" in execution.error_message
    assert execution.feeds_done == 1, log
    assert (execution.new_articles, execution.reports) == (2, 2)
    titles = Article.objects.filter(feeds__in=feeds).values_list("title", flat=True)
    assert sorted(titles) == ["fast headline 0", "fast headline 1"]
    assert http_server.requests_to("/never.xml") == []
    assert execution.events.last().message.startswith("The run reached its time limit")


def test_a_warm_shutdown_marks_the_workers_own_execution_interrupted(
    empty_queue, http_server, org_a, worker_process, worker_name
):
    make_served_feed(org_a, http_server, "fast", stories=1)
    # The worker is told to stop while it waits on this feed (4 s).
    make_feed(org_a, serve_feed(http_server, "slow", stories=1, delay=4), name="slow")
    make_served_feed(org_a, http_server, "never", stories=1)
    worker = worker_process()
    execution = execution_enqueue(job=make_job(org_a))
    assert wait_for(lambda: current(execution).feeds_done == 1, timeout=90), execution.status
    assert execution.worker_hostname == worker_name

    worker.send_signal(signal.SIGTERM)  # Warm shutdown: the main process only.

    # Marked at once by the shutting-down worker, not 5 minutes later by the sweep.
    assert wait_for(lambda: current(execution).is_finished, timeout=30), execution.status
    assert execution.status == ExecutionStatus.FAILED
    assert execution.error_message == (
        f"Interrupted: worker {worker_name} was shut down while it ran; retry it."
    )
    # The run stops at its next check instead of writing on, and the worker then exits.
    assert worker.wait(timeout=ceiling(60)) == 0
    execution = current(execution)
    assert execution.status == ExecutionStatus.FAILED
    assert execution.feeds_done == 1
    assert http_server.requests_to("/never.xml") == []


def test_a_starting_worker_marks_its_own_leftovers_interrupted(
    empty_queue, http_server, org_a, worker_process, worker_name
):
    make_served_feed(org_a, http_server, "alpha", stories=1)
    job = make_job(org_a)
    now = timezone.now()  # A fresh heartbeat: the stuck-job sweep would leave these alone.
    running = {"status": ExecutionStatus.RUNNING, "started_at": now, "heartbeat_at": now}
    mine = JobExecution.objects.create(
        organization=org_a, job=job, worker_hostname=worker_name, worker_pid=4242, **running
    )
    other_name = worker_name.replace("lifecycle-", "other-")
    others = JobExecution.objects.create(
        organization=org_a, job=job, worker_hostname=other_name, worker_pid=4343, **running
    )

    worker_process()

    assert wait_for(lambda: current(mine).is_finished, timeout=60), mine.status
    assert mine.status == ExecutionStatus.FAILED
    expected = f"Interrupted: worker {worker_name} restarted while it ran; retry it."
    assert mine.error_message == expected
    assert mine.events.filter(level="error").exists()
    assert current(others).status == ExecutionStatus.RUNNING  # Another worker's run is alive.
