"""The stuck-job sweep and the three ways to call it (command, admin action, endpoint)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from jobs.models import ExecutionStatus, JobExecution, JobNotification
from jobs.services.executions import execution_claim, execution_enqueue
from jobs.services.sweep import execution_sweep_stuck, executions_interrupt_for_worker
from tests.feeds.builders import make_feed
from tests.jobs.builders import make_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(org_a):
    make_feed(org_a, "https://news.example/feed.xml")
    return make_job(org_a, recipients="ops@example.com, boss@example.com")


def running(job, *, silent_for: int, host: str = "celery@box") -> JobExecution:
    execution = execution_enqueue(job=job)
    execution_claim(execution_id=execution.pk, task_id="t", hostname=host, pid=1234)
    past = timezone.now() - timedelta(seconds=silent_for)
    JobExecution.objects.filter(pk=execution.pk).update(heartbeat_at=past, started_at=past)
    execution.refresh_from_db()
    return execution


def test_it_marks_silent_executions_failed_and_tells_the_recipients(
    job, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.TIME_ZONE = "UTC"
    silent = running(job, silent_for=settings.STUCK_AFTER_SECONDS + 5)
    alive = running(job, silent_for=10)
    since = silent.heartbeat_at.strftime("%H:%M:%S")

    with django_capture_on_commit_callbacks(execute=True):
        swept = execution_sweep_stuck(use_inspect=False)

    assert [s.execution.pk for s in swept] == [silent.pk]
    silent.refresh_from_db()
    alive.refresh_from_db()
    reason = f"No heartbeat since {since} UTC; worker celery@box pid 1234 presumed lost."
    assert (silent.status, silent.error_message) == (ExecutionStatus.FAILED, reason)
    assert alive.status == ExecutionStatus.RUNNING
    assert silent.events.filter(level="error", message=reason).exists()
    assert len(mailoutbox) == 1
    assert sorted(mailoutbox[0].to) == ["boss@example.com", "ops@example.com"]
    assert reason in mailoutbox[0].body
    details = f"Details: {settings.SITE_URL}/jobs/executions/{silent.pk}/"
    assert details in mailoutbox[0].body.splitlines()
    assert settings.SITE_URL.startswith("http")
    assert JobNotification.objects.get(organization=job.organization).execution == silent


def test_a_queued_execution_that_never_started_is_failed_too(job, settings):
    execution = execution_enqueue(job=job)
    later = timezone.now() + timedelta(seconds=settings.STUCK_AFTER_SECONDS + 1)

    execution_sweep_stuck(now=later, use_inspect=False)

    execution.refresh_from_db()
    assert execution.status == ExecutionStatus.FAILED
    assert "never started" in execution.error_message


def test_a_dry_run_changes_nothing(job, settings, mailoutbox):
    execution = running(job, silent_for=settings.STUCK_AFTER_SECONDS + 5)

    assert len(execution_sweep_stuck(dry_run=True)) == 1

    execution.refresh_from_db()
    assert execution.status == ExecutionStatus.RUNNING
    assert not JobNotification.objects.exists() and not mailoutbox


def test_a_jobs_own_stuck_after_overrides_the_default(job, settings):
    running(job, silent_for=60)
    assert execution_sweep_stuck(use_inspect=False) == []

    job.stuck_after_seconds = 30
    job.save()

    assert len(execution_sweep_stuck(use_inspect=False)) == 1


def test_a_starting_worker_fails_only_the_executions_it_owned(job):
    mine = running(job, silent_for=1, host="celery@one")
    other = running(job, silent_for=1, host="celery@two")

    executions_interrupt_for_worker(hostname="celery@one", why="restarted")

    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.status == ExecutionStatus.FAILED
    assert "celery@one restarted" in mine.error_message
    assert other.status == ExecutionStatus.RUNNING


def test_the_command_calls_the_sweep_and_honours_dry_run(job, settings, capsys):
    execution = running(job, silent_for=settings.STUCK_AFTER_SECONDS + 5)

    call_command("cleanup_stuck_jobs", "--dry-run")
    execution.refresh_from_db()
    assert execution.status == ExecutionStatus.RUNNING
    call_command("cleanup_stuck_jobs")
    execution.refresh_from_db()
    assert execution.status == ExecutionStatus.FAILED
    assert "Failed 1 stuck executions." in capsys.readouterr().out


def test_the_admin_action_calls_the_sweep(job, settings, alice, client_for):
    User.objects.filter(pk=alice.pk).update(is_staff=True, is_superuser=True)
    stuck = running(job, silent_for=settings.STUCK_AFTER_SECONDS + 5)
    fresh = running(job, silent_for=1)

    client_for(alice).post(
        reverse("admin:jobs_jobexecution_changelist"),
        {"action": "mark_stuck_failed", "_selected_action": [stuck.pk, fresh.pk], "post": "yes"},
    )

    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert (stuck.status, fresh.status) == (ExecutionStatus.FAILED, ExecutionStatus.RUNNING)


def test_the_endpoint_is_staff_only_and_sweeps_only_the_requests_organization(
    job, settings, bob, charlie, org_b, client_for
):
    stuck = running(job, silent_for=settings.STUCK_AFTER_SECONDS + 5)
    make_feed(org_b, "https://b.example/feed.xml")
    theirs = running(make_job(org_b), silent_for=settings.STUCK_AFTER_SECONDS + 5)
    url = reverse("jobs:cleanup_stuck")

    assert client_for(bob).post(url).status_code == 403
    stuck.refresh_from_db()
    assert stuck.status == ExecutionStatus.RUNNING

    User.objects.filter(pk=bob.pk).update(is_staff=True)
    ask = client_for(bob).post(url)  # The confirm step: nothing is swept yet.
    assert "Mark stuck runs failed?" in ask.content.decode()
    stuck.refresh_from_db()
    assert stuck.status == ExecutionStatus.RUNNING
    assert client_for(bob).post(url, {"confirmed": "1"}).status_code == 302
    stuck.refresh_from_db()
    theirs.refresh_from_db()
    assert (stuck.status, theirs.status) == (ExecutionStatus.FAILED, ExecutionStatus.RUNNING)


def test_with_inspect_a_task_missing_on_every_worker_twice_is_failed_sooner(job, monkeypatch):
    from jobs.services import sweep

    execution = running(job, silent_for=40)  # Heartbeat too recent for the silence rule.
    monkeypatch.setattr(sweep, "_missing_task_ids", lambda executions: {"t"})

    assert execution_sweep_stuck(use_inspect=True) == []  # Seen missing once: remembered.
    swept = execution_sweep_stuck(use_inspect=True)

    assert [s.execution.pk for s in swept] == [execution.pk]
    execution.refresh_from_db()
    assert "no longer active or reserved on any live worker" in execution.error_message


def test_with_inspect_a_missing_task_whose_heartbeat_went_quiet_is_failed_at_once(
    job, monkeypatch, settings
):
    from jobs.services import sweep

    settings.JOB_HEARTBEAT_SECONDS = 30
    quiet = running(job, silent_for=50)  # A live run beats every 30 s: 50 s is quiet.
    monkeypatch.setattr(sweep, "_missing_task_ids", lambda executions: {"t"})

    swept = execution_sweep_stuck(use_inspect=True)

    assert [s.execution.pk for s in swept] == [quiet.pk]
    quiet.refresh_from_db()
    assert quiet.status == ExecutionStatus.FAILED
    assert "no heartbeat for 50 s" in quiet.error_message


def test_with_inspect_a_quiet_run_whose_task_a_worker_holds_is_left_alone(
    job, monkeypatch, settings
):
    from jobs.services import sweep

    settings.JOB_HEARTBEAT_SECONDS = 30
    execution = running(job, silent_for=50)
    monkeypatch.setattr(sweep, "_missing_task_ids", lambda executions: set())

    assert execution_sweep_stuck(use_inspect=True) == []
    execution.refresh_from_db()
    assert execution.status == ExecutionStatus.RUNNING


def test_after_a_blind_spell_the_first_sweep_gives_live_runs_two_heartbeats_first(job, settings):
    """A database outage longer than STUCK_AFTER makes every heartbeat that old; the sweep
    right after it used to fail a live run as "presumed lost" before it could beat."""
    from django.core.cache import cache

    from jobs.services import sweep
    from jobs.services.executions import execution_heartbeat

    now = timezone.now()
    outage = settings.STUCK_AFTER_SECONDS + 60
    cache.set(sweep.LAST_SWEEP_KEY, now - timedelta(seconds=outage))  # Nothing swept since.
    live = running(job, silent_for=outage)
    lost = running(job, silent_for=outage, host="celery@gone")

    assert execution_sweep_stuck(now=now, use_inspect=False) == []
    # Another sweeper (the workers' task) within the grace judges nothing either.
    assert execution_sweep_stuck(now=now + timedelta(seconds=5), use_inspect=False) == []
    assert execution_heartbeat(execution_id=live.pk)  # The live run beats meanwhile.

    after = now + timedelta(seconds=2 * settings.JOB_HEARTBEAT_SECONDS + 1)
    swept = execution_sweep_stuck(now=after, use_inspect=False)

    assert [s.execution.pk for s in swept] == [lost.pk]
    live.refresh_from_db()
    assert live.status == ExecutionStatus.RUNNING


def test_sweeps_in_their_usual_rhythm_judge_at_once(job, settings):
    from django.core.cache import cache

    from jobs.services import sweep

    now = timezone.now()
    cache.set(sweep.LAST_SWEEP_KEY, now - timedelta(seconds=60))
    silent = running(job, silent_for=settings.STUCK_AFTER_SECONDS + 5)

    swept = execution_sweep_stuck(now=now, use_inspect=False)

    assert [s.execution.pk for s in swept] == [silent.pk]
