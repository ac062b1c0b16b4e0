"""Jobs on real workers: end to end, cancel while running, kill -9 mid-job then rerun.

Feeds and pages come from the local HTTP server; the broker is the configured one (the
filesystem broker embedded, Redis in CI).
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count

from feeds.models import Article
from jobs.models import ExecutionStatus, JobExecution
from jobs.services.executions import execution_cancel, execution_enqueue, execution_retry
from jobs.services.sweep import execution_sweep_stuck
from reports.models import Report
from tests.feeds.builders import make_feed
from tests.harness.waiting import ceiling, wait_for
from tests.jobs.builders import make_job, make_served_feed, serve_feed

BASE_DIR = Path(__file__).resolve().parents[2]


def current(execution: JobExecution) -> JobExecution:
    execution.refresh_from_db()
    return execution


@pytest.fixture
def empty_queue(transactional_db):
    # Messages left by an earlier run would be consumed by our workers.
    from marketing_hunting.celery import app

    app.control.purge()


def assert_no_duplicates(organization) -> None:
    articles = Article.objects.filter(organization=organization)
    assert not articles.values("url_hash").annotate(n=Count("id")).filter(n__gt=1).exists()
    reports = Report.objects.filter(organization=organization)
    assert not reports.values("article").annotate(n=Count("id")).filter(n__gt=1).exists()


def test_a_job_runs_end_to_end_on_a_worker(empty_queue, celery_worker, http_server, org_a):
    make_served_feed(org_a, http_server, "alpha", stories=2)
    make_served_feed(org_a, http_server, "beta", stories=3)
    job = make_job(org_a)  # No feeds chosen: every enabled feed of the organization.

    execution = execution_enqueue(job=job)

    assert wait_for(lambda: current(execution).is_finished), execution.status
    assert execution.status == ExecutionStatus.SUCCEEDED, execution.error_message
    counters = (execution.feeds_total, execution.feeds_done, execution.new_articles)
    assert counters == (2, 2, 5)
    assert (execution.analysed, execution.reports, execution.errors) == (5, 5, 0)
    assert Article.objects.filter(organization=org_a).count() == 5
    assert Report.objects.filter(organization=org_a).count() == 5
    assert execution.worker_hostname and execution.worker_pid == os.getpid()
    lines = list(execution.events.values_list("message", flat=True))
    assert lines[0].startswith("Started on ")
    assert "Feed “beta”: 3 new articles, 3 analysed, 3 reports." in lines
    assert lines[-1] == "Finished: 2 feeds, 5 reports."


def test_cancel_while_running_stops_after_the_current_feed(
    empty_queue, celery_worker, http_server, org_a
):
    make_feed(org_a, serve_feed(http_server, "slow", stories=1, delay=2.0), name="slow")
    for name in ("second", "third"):
        make_served_feed(org_a, http_server, name, stories=1)
    execution = execution_enqueue(job=make_job(org_a))

    assert wait_for(lambda: current(execution).status == ExecutionStatus.RUNNING)
    execution_cancel(execution=execution)

    assert wait_for(lambda: current(execution).is_finished)
    # It stops at the next check: between feeds, or between page batches inside the feed.
    assert execution.status == ExecutionStatus.CANCELLED
    assert execution.feeds_done <= 1
    assert execution.events.last().message.startswith("Cancelled after ")
    assert http_server.requests_to("/second.xml") == []
    assert http_server.requests_to("/third.xml") == []


def _worker_env() -> dict[str, str]:
    db = connection.settings_dict  # During the test: the test database.
    if db["ENGINE"].endswith("sqlite3"):
        url = f"sqlite:///{Path(db['NAME']).resolve()}"
    else:
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        url = f"postgres://{auth}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": url,
        "VAR_DIR": str(settings.VAR_DIR),
        "LOG_SHIPPING": "false",
        "LOG_LEVEL": "WARNING",
    }


def start_worker_process(
    name: str | None = None,
    *queues: str,
    env: dict[str, str] | None = None,
    output: Path | None = None,
) -> subprocess.Popen:
    """A real prefork worker subprocess sharing the test database (its own session, so the
    whole process group can be killed). ``output``: a file for its console, else discarded."""
    command = [
        *(sys.executable, "-m", "celery", "-A", "marketing_hunting", "worker"),
        *("--pool", "prefork", "--concurrency", "1"),
        *("-n", name or f"doomed-{uuid.uuid4().hex[:8]}@%h"),
        *(("-Q", ",".join(queues)) if queues else ()),
        *("--without-gossip", "--without-mingle", "--loglevel", "WARNING"),
    ]
    console = output.open("ab") if output else None
    try:
        return subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env={**_worker_env(), **(env or {})},
            start_new_session=True,
            stdout=console or subprocess.DEVNULL,
            stderr=subprocess.STDOUT if console else subprocess.DEVNULL,
        )
    finally:
        if console:
            console.close()  # The child holds its own copy.


def test_a_killed_worker_is_swept_as_failed_and_a_rerun_completes_without_duplicates(
    empty_queue, http_server, org_a, request, settings
):
    settings.JOB_HEARTBEAT_SECONDS = 1  # So a 2 s "stuck after" is valid (two heartbeats).
    make_served_feed(org_a, http_server, "fast", stories=2)
    # The first fetch of the slow feed hangs long enough to kill the worker in it.
    make_feed(org_a, serve_feed(http_server, "slow", stories=2, delay=30), name="slow")
    job = make_job(org_a, stuck_after_seconds=2)
    worker = start_worker_process()
    try:
        execution = execution_enqueue(job=job)
        in_second_feed = wait_for(lambda: current(execution).feeds_done == 1, timeout=120)
        assert in_second_feed, (execution.status, list(execution.events.values_list("message")))
        pid = execution.worker_pid
        os.killpg(worker.pid, signal.SIGKILL)
        killed_at = time.monotonic()
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=ceiling(60))

    assert wait_for(
        lambda: execution_sweep_stuck(use_inspect=False) or current(execution).is_finished,
        timeout=60,
        step=0.2,
    )
    delay = time.monotonic() - killed_at
    print(f"\nkill -9 → failed: {delay:.1f} s (STUCK_AFTER 2 s, sweep every 0.2 s)")
    execution = current(execution)
    assert execution.status == ExecutionStatus.FAILED
    assert f"pid {pid} presumed lost" in execution.error_message
    assert delay < 10

    request.getfixturevalue("celery_worker")  # A healthy worker for the rerun.
    retry = execution_retry(execution=execution)
    assert wait_for(lambda: current(retry).is_finished)
    assert retry.status == ExecutionStatus.SUCCEEDED, retry.error_message
    assert Article.objects.filter(organization=org_a).count() == 4
    assert Report.objects.filter(organization=org_a).count() == 4
    assert_no_duplicates(org_a)
