"""Claim, heartbeat, cancel, retry and enqueue: each a conditional update that races safely."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.utils import timezone
from kombu.exceptions import OperationalError

from jobs.models import ExecutionStatus, JobExecution
from jobs.services import run
from jobs.services.executions import (
    BROKER_DOWN,
    execution_cancel,
    execution_claim,
    execution_enqueue,
    execution_finish,
    execution_heartbeat,
    execution_retry,
)
from jobs.services.run import execution_run
from jobs.services.sweep import execution_sweep_stuck
from tests.feeds.builders import make_feed
from tests.jobs.builders import make_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(org_a):
    make_feed(org_a, "https://news.example/feed.xml")
    return make_job(org_a)


@pytest.fixture
def execution(job):
    return execution_enqueue(job=job)  # Inside the test transaction: no task is sent.


def claim(execution, host="celery@a"):
    return execution_claim(execution_id=execution.pk, task_id="t1", hostname=host, pid=42)


def test_only_the_first_claim_takes_the_execution(execution):
    assert claim(execution) is True
    assert claim(execution, "celery@b") is False

    execution.refresh_from_db()
    assert (execution.status, execution.worker_hostname, execution.worker_pid) == (
        ExecutionStatus.RUNNING,
        "celery@a",
        42,
    )


def test_a_redelivered_task_does_nothing(execution):
    claim(execution)
    execution_finish(execution_id=execution.pk, status=ExecutionStatus.SUCCEEDED)

    result = execution_run(execution_id=execution.pk, task_id="t1", hostname="celery@b", pid=7)

    execution.refresh_from_db()
    assert result is None
    assert (execution.status, execution.worker_hostname) == ("succeeded", "celery@a")
    assert not execution.events.filter(message__startswith="Started").exists()


def test_the_heartbeat_reports_false_once_the_sweep_failed_the_row(execution, settings):
    claim(execution)
    assert execution_heartbeat(execution_id=execution.pk, counters={"feeds_done": 1}) is True
    later = timezone.now() + timedelta(seconds=settings.STUCK_AFTER_SECONDS + 1)
    execution_sweep_stuck(now=later)

    assert execution_heartbeat(execution_id=execution.pk, counters={"feeds_done": 2}) is False
    assert execution_finish(execution_id=execution.pk, status="succeeded") is False
    execution.refresh_from_db()
    assert (execution.status, execution.feeds_done) == (ExecutionStatus.FAILED, 1)


def test_the_final_status_and_the_closing_line_are_committed_together(execution, monkeypatch):
    # A reader (the SSE stream, a test) that sees the final status must also see the line.
    claim(execution)

    def line_cannot_be_written(**kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(run, "event_add", line_cannot_be_written)
    counters = {"feeds_done": 1, "feeds_total": 1, "reports": 2, "errors": 0}
    with pytest.raises(DatabaseError):
        run._conclude(execution.pk, counters, timed_out=False, error="")

    execution.refresh_from_db()
    assert (execution.status, execution.completed_at) == (ExecutionStatus.RUNNING, None)
    monkeypatch.undo()
    assert run._conclude(execution.pk, counters, timed_out=False, error="") == "succeeded"
    assert execution.events.last().message == "Finished: 1 feed, 2 reports."


def test_cancelling_a_queued_execution_means_it_never_starts(execution):
    execution_cancel(execution=execution)

    assert execution.status == ExecutionStatus.CANCELLED
    assert claim(execution) is False


def test_cancelling_a_running_execution_asks_it_to_stop_at_its_next_heartbeat(execution):
    claim(execution)

    execution_cancel(execution=execution)

    assert (execution.status, execution.cancel_requested) == (ExecutionStatus.RUNNING, True)
    assert execution_heartbeat(execution_id=execution.pk) is False


def test_cancelling_a_finished_execution_says_it_already_finished(execution):
    claim(execution)
    execution_finish(execution_id=execution.pk, status=ExecutionStatus.SUCCEEDED)

    with pytest.raises(ValidationError, match="already finished"):
        execution_cancel(execution=execution)


def test_retry_queues_a_new_execution_only_for_unsuccessful_ones(execution):
    claim(execution)
    execution_finish(execution_id=execution.pk, status=ExecutionStatus.FAILED)
    execution.refresh_from_db()

    retry = execution_retry(execution=execution)

    assert (retry.status, retry.retry_of, retry.job) == ("queued", execution, execution.job)
    with pytest.raises(ValidationError, match="Only failed"):
        execution_retry(execution=retry)


def test_a_retry_frees_the_articles_the_dead_run_had_claimed_and_nothing_else(execution, org_a):
    from feeds.models import ArticleStatus, Feed
    from tests.feeds.builders import stored_article

    feed = Feed.objects.get(organization=org_a)
    claim(execution)
    now = timezone.now()
    JobExecution.objects.filter(pk=execution.pk).update(started_at=now - timedelta(minutes=10))
    during = now - timedelta(minutes=5)
    held = [
        stored_article(org_a, feed, n, fingerprint=n, status=ArticleStatus.PENDING)
        for n in range(3)
    ]
    after = stored_article(org_a, feed, 9, fingerprint=9, status=ArticleStatus.PENDING)
    type(after).objects.filter(pk__in=[a.pk for a in held]).update(fetched_at=during)
    later = timezone.now() + timedelta(minutes=5)  # Another run's claim, after this one died.
    type(after).objects.filter(pk=after.pk).update(fetched_at=later)
    execution_finish(execution_id=execution.pk, status=ExecutionStatus.FAILED)
    execution.refresh_from_db()

    execution_retry(execution=execution)

    # Freed at once: the 15-minute claim timeout made the retry skip them and say "succeeded".
    freed = type(after).objects.filter(pk__in=[a.pk for a in held], fetched_at__isnull=True)
    assert freed.count() == 3
    after.refresh_from_db()
    assert after.fetched_at == later
    assert execution.events.filter(message__contains="3 articles this run had taken").exists()


@pytest.mark.parametrize(
    ("status", "percent"),
    [
        (ExecutionStatus.SUCCEEDED, 100),
        (ExecutionStatus.FAILED, 50),
        (ExecutionStatus.CANCELLED, 50),
    ],
)
def test_a_finished_runs_progress_says_how_far_it_got(execution, status, percent):
    JobExecution.objects.filter(pk=execution.pk).update(status=status, feeds_total=4, feeds_done=2)
    execution.refresh_from_db()

    assert execution.progress_percent == percent


def test_when_the_broker_is_down_the_execution_fails_with_a_clear_message(
    job, monkeypatch, django_capture_on_commit_callbacks
):
    from jobs import tasks

    def refuse(*args, **kwargs):
        raise OperationalError("Connection refused")

    monkeypatch.setattr(tasks.run_job_execution, "apply_async", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        execution = execution_enqueue(job=job)

    execution.refresh_from_db()
    assert (execution.status, execution.error_message) == (ExecutionStatus.FAILED, BROKER_DOWN)
    assert JobExecution.objects.filter(status=ExecutionStatus.QUEUED).count() == 0
