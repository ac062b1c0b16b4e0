"""The jobs console's bulk actions: a confirmation page saying what will happen to each
selected row and which are skipped, nothing changed before "Yes", then one message with the
counts, an admin history entry per changed row and a line in the log."""

from __future__ import annotations

import logging

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from jobs.models import ExecutionStatus, Job, JobExecution
from jobs.services.executions import execution_claim, execution_enqueue
from jobs.services.jobs import job_pause
from tests.feeds.builders import make_feed
from tests.jobs.builders import make_job

JOBS = reverse("admin:jobs_job_changelist")
RUNS = reverse("admin:jobs_jobexecution_changelist")


@pytest.fixture
def operator(client_for, db):
    return client_for(User.objects.create_superuser("ops", "ops@example.com", "x"))


@pytest.fixture
def jobs(org_a, org_b):
    make_feed(org_a, "https://a.example/feed.xml")
    make_feed(org_b, "https://b.example/feed.xml")
    morning = make_job(org_a, name="Morning")
    evening = make_job(org_a, name="Evening")
    theirs = make_job(org_b, name="Theirs")
    return morning, evening, theirs


def _ask(client, url: str, action: str, rows) -> str:
    response = client.post(url, {"action": action, "_selected_action": [r.pk for r in rows]})
    assert response.status_code == 200, "a confirmation page, not a redirect"
    return response.content.decode()


def _confirm(client, url: str, action: str, rows) -> str:
    response = client.post(
        url,
        {"action": action, "_selected_action": [r.pk for r in rows], "post": "yes"},
        follow=True,
    )
    assert response.status_code == 200
    return response.content.decode()


def _finished(job, status: str) -> JobExecution:
    run = execution_enqueue(job=job)
    JobExecution.objects.filter(pk=run.pk).update(status=status)
    run.refresh_from_db()
    return run


def _running(job) -> JobExecution:
    run = execution_enqueue(job=job)
    execution_claim(execution_id=run.pk, task_id="t", hostname="celery@box", pid=1)
    run.refresh_from_db()
    return run


def test_pausing_asks_first_then_counts_what_it_paused_and_skipped(operator, jobs, caplog):
    _morning, evening, _theirs = jobs
    job_pause(job=evening)

    page = _ask(operator, JOBS, "pause_jobs", jobs)

    assert "Pause 3 jobs?" in page
    assert "Pause: 2" in page and "Skipped: 1 — already paused" in page
    assert "Organizations: Organization A, Organization B." in page
    assert "Yes, pause 2 jobs" in page
    assert Job.objects.filter(enabled=True).count() == 2  # nothing changed yet

    with caplog.at_level(logging.INFO, logger="monitoring.bulk"):
        done = _confirm(operator, JOBS, "pause_jobs", jobs)

    assert "2 jobs paused, 1 skipped: already paused." in done
    assert not Job.objects.filter(enabled=True).exists()
    assert not PeriodicTask.objects.filter(name__in=[j.periodic_task_name for j in jobs]).filter(
        enabled=True
    )
    history = LogEntry.objects.filter(change_message="Pause (bulk action)")
    assert {e.object_repr for e in history} == {"Morning", "Theirs"}
    assert "Bulk action pause_jobs on jobs by ops: 2 jobs paused, 1 skipped" in caplog.text


def test_resuming_skips_the_active_ones(operator, jobs):
    morning, _evening, _theirs = jobs
    job_pause(job=morning)

    page = _ask(operator, JOBS, "resume_jobs", jobs)
    assert "Skipped: 2 — already active" in page

    assert "1 job resumed, 2 skipped: already active." in _confirm(
        operator, JOBS, "resume_jobs", jobs
    )
    assert Job.objects.filter(enabled=True).count() == 3


def test_deleting_jobs_says_what_goes_and_takes_their_schedules(operator, jobs):
    morning, _evening, theirs = jobs
    _finished(morning, ExecutionStatus.SUCCEEDED)
    names = [j.periodic_task_name for j in (morning, theirs)]

    page = _ask(operator, JOBS, "delete_jobs", [morning, theirs])
    assert "deleted with its schedule and 1 run of history" in page
    assert "deleted with its schedule and 0 runs of history" in page
    assert "articles and reports it made are kept" in page

    assert "2 jobs deleted." in _confirm(operator, JOBS, "delete_jobs", [morning, theirs])
    assert list(Job.objects.values_list("name", flat=True)) == ["Evening"]
    assert not PeriodicTask.objects.filter(name__in=names).exists()
    assert LogEntry.objects.filter(object_repr="Morning", action_flag=3).exists()  # DELETION


def test_django_s_own_bulk_delete_is_not_offered_for_jobs(operator, jobs):
    page = operator.get(JOBS).content.decode()

    assert 'value="delete_jobs"' in page
    assert 'value="delete_selected"' not in page


def test_cancelling_runs_stops_queued_and_running_and_skips_finished(operator, jobs):
    morning, evening, theirs = jobs
    queued = execution_enqueue(job=morning)
    running = _running(theirs)
    done = _finished(evening, ExecutionStatus.SUCCEEDED)
    rows = [queued, running, done]

    page = _ask(operator, RUNS, "cancel_runs", rows)
    assert "will not start" in page and "stops after the feed it is on" in page
    assert "Skipped: 1 — already finished" in page

    assert "2 runs cancelled, 1 skipped: already finished." in _confirm(
        operator, RUNS, "cancel_runs", rows
    )
    queued.refresh_from_db()
    running.refresh_from_db()
    assert queued.status == ExecutionStatus.CANCELLED
    assert running.status == ExecutionStatus.RUNNING and running.cancel_requested
    # Asked again: the running one already has its request.
    assert "Skipped: 1 — cancel already requested" in _ask(operator, RUNS, "cancel_runs", [running])


def test_retrying_runs_queues_new_ones_once_and_skips_the_rest(operator, jobs):
    morning, evening, theirs = jobs
    failed = _finished(morning, ExecutionStatus.FAILED)
    cancelled = _finished(theirs, ExecutionStatus.CANCELLED)
    succeeded = _finished(evening, ExecutionStatus.SUCCEEDED)
    queued = execution_enqueue(job=evening)
    rows = [failed, cancelled, succeeded, queued]

    page = _ask(operator, RUNS, "retry_runs", rows)
    assert "a new run of “Morning” is queued" in page
    assert "Skipped: 1 — succeeded: nothing to retry" in page
    assert "Skipped: 1 — not finished yet" in page

    done = _confirm(operator, RUNS, "retry_runs", rows)

    assert "2 runs retried" in done
    assert "1 skipped: succeeded: nothing to retry" in done
    assert "1 skipped: not finished yet" in done
    retries = JobExecution.objects.filter(retry_of__in=[failed, cancelled])
    assert {(r.retry_of_id, r.organization_id) for r in retries} == {
        (failed.pk, morning.organization_id),
        (cancelled.pk, theirs.organization_id),
    }
    # Its retry is on its way: a second bulk retry does not double it.
    again = _confirm(operator, RUNS, "retry_runs", [failed])
    assert "0 runs retried, 1 skipped: a retry of it is already queued or running." in again
    assert JobExecution.objects.filter(retry_of=failed).count() == 1


def test_marking_stuck_runs_failed_asks_first(operator, jobs, settings):
    from datetime import timedelta

    from django.utils import timezone

    morning, _evening, theirs = jobs
    stuck, fresh = _running(morning), _running(theirs)
    past = timezone.now() - timedelta(seconds=settings.STUCK_AFTER_SECONDS + 5)
    JobExecution.objects.filter(pk=stuck.pk).update(heartbeat_at=past, started_at=past)

    page = _ask(operator, RUNS, "mark_stuck_failed", [stuck, fresh])
    assert "marked failed: " in page and "Skipped: 1 — not stuck" in page
    stuck.refresh_from_db()
    assert stuck.status == ExecutionStatus.RUNNING

    assert "1 stuck run marked failed, 1 skipped: not stuck." in _confirm(
        operator, RUNS, "mark_stuck_failed", [stuck, fresh]
    )
    stuck.refresh_from_db()
    assert stuck.status == ExecutionStatus.FAILED


def test_ids_that_are_not_in_the_list_are_ignored(operator, jobs):
    # A forged or stale id (a deleted job) changes nothing and is not counted.
    morning, _evening, _theirs = jobs
    gone = Job(pk=morning.pk + 1000)

    done = _confirm(operator, JOBS, "pause_jobs", [morning, gone])

    assert "1 job paused." in done
    morning.refresh_from_db()
    assert not morning.enabled


def test_too_large_a_selection_is_refused_before_anything_changes(operator, jobs, monkeypatch):
    from monitoring import admin_bulk

    monkeypatch.setattr(admin_bulk, "BULK_LIMIT", 2)

    done = _confirm(operator, JOBS, "pause_jobs", jobs)

    assert "3 jobs selected: pause at most 2 at once" in done
    assert Job.objects.filter(enabled=True).count() == 3


def test_staff_without_the_change_permission_is_not_offered_the_actions(client_for, jobs):
    from django.contrib.auth.models import Permission

    viewer = User.objects.create_user("viewer", "v@example.com", "x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_job"))
    client = client_for(viewer)

    page = client.get(JOBS).content.decode()
    assert 'value="pause_jobs"' not in page
    client.post(JOBS, {"action": "pause_jobs", "_selected_action": [jobs[0].pk], "post": "yes"})
    assert Job.objects.get(pk=jobs[0].pk).enabled


def test_on_a_list_filtered_by_organization_another_organizations_rows_are_left_alone(
    operator, jobs, org_a
):
    # Stale or forged ids of another organization's jobs, posted to a list filtered to
    # organization A, are neither shown nor paused.
    morning, _evening, theirs = jobs
    url = f"{JOBS}?organization__id__exact={org_a.pk}"

    page = _ask(operator, url, "pause_jobs", [morning, theirs])
    assert "Pause 1 job?" in page and "Their" not in page
    done = _confirm(operator, url, "pause_jobs", [morning, theirs])

    assert "1 job paused." in done
    theirs.refresh_from_db()
    assert theirs.enabled
