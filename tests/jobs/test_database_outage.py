"""PostgreSQL unreachable in the middle of a run, with a real prefork worker (issue #18 item 6).

Before: the task died on its first failed query, the run stayed "running", and after the
database returned the sweep failed it as "worker presumed lost" although the worker was alive.
Now a run retries its database steps for ``JOB_DATABASE_RETRY_SECONDS``; (a) a database back
within that budget lets it carry on and finish, nothing done twice; (b) one that stays away
longer fails the run with the real reason, written as soon as the database answers again.

The outage is real: the worker reaches the test database only through a TCP proxy that the
test cuts (every connection reset, new ones refused) and restores on the same port. The shared
server itself must not be stopped (other sessions use it). The test keeps its own connection.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from feeds.models import Article
from jobs.models import ExecutionStatus
from jobs.services.executions import execution_enqueue, execution_retry
from jobs.services.sweep import execution_sweep_stuck
from monitoring.models import ProcessHeartbeat
from reports.models import Report
from tests.harness.tcp_proxy import TcpProxy
from tests.harness.waiting import ceiling, wait_for
from tests.jobs.builders import make_job, make_served_feed
from tests.jobs.test_worker import (
    assert_no_duplicates,
    current,
    empty_queue,
    start_worker_process,
)

__all__ = ["empty_queue"]  # The fixture, imported for use here.

_POSTGRES_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the outage is cut between a worker and PostgreSQL"
)

PAGE_DELAY = 1.5  # The pages of "during" are still on their way when the database goes.
ARTICLES = 2 + 4 + 2


@pytest.fixture
def database_proxy(transactional_db) -> Iterator[TcpProxy]:
    settings = connection.settings_dict
    proxy = TcpProxy(settings["HOST"] or "127.0.0.1", int(settings["PORT"] or 5432)).start()
    yield proxy
    proxy.cut()


@pytest.fixture
def worker_behind(database_proxy, tmp_path: Path) -> Iterator:
    """Starts the worker with its database reached through the proxy; killed at the end."""
    started: list[subprocess.Popen] = []

    def start(retry_seconds: int) -> tuple[subprocess.Popen, Path]:
        db = connection.settings_dict
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        url = f"postgres://{auth}@127.0.0.1:{database_proxy.port}/{db['NAME']}"
        console = tmp_path / "worker.log"
        env = {
            "DATABASE_URL": url,
            "JOB_DATABASE_RETRY_SECONDS": str(retry_seconds),
            "JOB_HEARTBEAT_SECONDS": "1",
            "LOG_LEVEL": "INFO",
        }
        name = f"db-outage-{uuid.uuid4().hex[:8]}@outage.test"
        started.append(start_worker_process(name, env=env, output=console))
        return started[-1], console

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=ceiling(30))


def _feeds(org, http_server) -> None:
    make_served_feed(org, http_server, "before", stories=2)
    make_served_feed(org, http_server, "during", stories=4, page_delay=PAGE_DELAY)
    make_served_feed(org, http_server, "after", stories=2)


def _cut_while_pages_load(execution, http_server, proxy: TcpProxy, console: Path) -> None:
    started = wait_for(lambda: http_server.requests_to("/during/story-0"), timeout=90)
    assert started, (current(execution).status, console.read_text()[-3000:])
    proxy.cut()
    assert current(execution).status == ExecutionStatus.RUNNING


def _lines(execution) -> list[str]:
    return list(execution.events.order_by("id").values_list("message", flat=True))


@_POSTGRES_ONLY
def test_a_database_back_within_the_budget_lets_the_run_finish_without_redoing_anything(
    empty_queue, http_server, org_a, database_proxy, worker_behind
):
    _feeds(org_a, http_server)
    worker, console = worker_behind(retry_seconds=30)
    execution = execution_enqueue(job=make_job(org_a))
    _cut_while_pages_load(execution, http_server, database_proxy, console)
    cut_at = time.monotonic()
    # The run itself must meet the outage: it writes once the pages are in, fails, retries.
    retrying = lambda: "Database unavailable during" in console.read_text(errors="replace")  # noqa: E731
    assert wait_for(retrying, timeout=60), console.read_text()[-4000:]
    assert current(execution).status == ExecutionStatus.RUNNING
    database_proxy.restore()
    print(f"\ndatabase unreachable for {time.monotonic() - cut_at:.1f} s")

    finished = wait_for(lambda: current(execution).is_finished, timeout=60)
    log = console.read_text(errors="replace")
    assert finished, (execution.status, log[-4000:])
    assert execution.status == ExecutionStatus.SUCCEEDED, (execution.error_message, log[-4000:])
    assert worker.poll() is None
    assert Article.objects.filter(organization=org_a).count() == ARTICLES
    assert Report.objects.filter(organization=org_a).count() == ARTICLES
    assert_no_duplicates(org_a)
    assert (execution.feeds_done, execution.analysed, execution.reports) == (3, ARTICLES, ARTICLES)
    # What was done before the outage was not done again: each page of "before" fetched once.
    for n in range(2):
        assert len(http_server.requests_to(f"/before/story-{n}")) == 1
    lines = _lines(execution)
    assert any(line.startswith("Database unavailable for ") for line in lines), lines
    assert lines[-1] == f"Finished: 3 feeds, {ARTICLES} reports."


@_POSTGRES_ONLY
def test_a_database_away_past_the_budget_fails_the_run_with_the_real_reason_and_a_retry_resumes(
    empty_queue, http_server, org_a, database_proxy, worker_behind, client_for, alice
):
    _feeds(org_a, http_server)
    budget = 4
    worker, console = worker_behind(retry_seconds=budget)
    execution = execution_enqueue(job=make_job(org_a))
    _cut_while_pages_load(execution, http_server, database_proxy, console)
    # Past the budget: the pages arrive (at most 2 x PAGE_DELAY), then the retries give up.
    given_up = lambda: "gave up" in console.read_text(errors="replace")  # noqa: E731
    assert wait_for(given_up, timeout=60), console.read_text()[-4000:]
    assert current(execution).status == ExecutionStatus.RUNNING  # Nothing could be written.
    database_proxy.restore()

    finished = wait_for(lambda: current(execution).is_finished, timeout=60)
    log = console.read_text(errors="replace")
    assert finished, (execution.status, log[-4000:])
    assert execution.status == ExecutionStatus.FAILED
    assert execution.error_message.startswith("Database unavailable: "), execution.error_message
    assert "presumed lost" not in execution.error_message
    assert worker.poll() is None
    assert execution_sweep_stuck(use_inspect=False) == []  # Nothing left "running".
    page = client_for(alice).get(execution.get_absolute_url())
    assert "Database unavailable: " in page.content.decode()
    assert _lines(execution)[-1].startswith("Database unavailable: ")

    # The retry resumes: the first feed's reports stay, the rest are made, nothing twice.
    before = set(Report.objects.filter(organization=org_a).values_list("pk", flat=True))
    assert len(before) >= 2
    retry = execution_retry(execution=execution)
    assert wait_for(lambda: current(retry).is_finished, timeout=60), retry.status
    assert retry.status == ExecutionStatus.SUCCEEDED, retry.error_message
    reports = set(Report.objects.filter(organization=org_a).values_list("pk", flat=True))
    assert before <= reports
    assert len(reports) == ARTICLES
    assert_no_duplicates(org_a)
    for n in range(2):
        assert len(http_server.requests_to(f"/before/story-{n}")) == 1


@_POSTGRES_ONLY
def test_a_run_that_starts_while_the_database_is_away_waits_for_it_and_finishes(
    empty_queue, http_server, org_a, database_proxy, worker_behind
):
    """Before: the claim was the one step not retried, so the task failed on its first query
    and the row stayed queued until the sweep failed it as lost."""
    make_served_feed(org_a, http_server, "only", stories=2)
    worker, console = worker_behind(retry_seconds=30)
    ready = lambda: ProcessHeartbeat.objects.filter(name__startswith="db-outage-").exists()  # noqa: E731
    assert wait_for(ready, timeout=90), console.read_text(errors="replace")[-3000:]
    database_proxy.cut()
    execution = execution_enqueue(job=make_job(org_a))  # The test's own connection is direct.
    claiming = lambda: "claiming the run" in console.read_text(errors="replace")  # noqa: E731
    assert wait_for(claiming, timeout=60), console.read_text(errors="replace")[-4000:]
    assert current(execution).status == ExecutionStatus.QUEUED
    database_proxy.restore()

    finished = wait_for(lambda: current(execution).is_finished, timeout=90)
    log = console.read_text(errors="replace")
    assert finished, (execution.status, log[-4000:])
    assert execution.status == ExecutionStatus.SUCCEEDED, (execution.error_message, log[-4000:])
    assert worker.poll() is None
    assert Report.objects.filter(organization=org_a).count() == 2
    assert_no_duplicates(org_a)
