"""Jobs and their beat entries: created, changed, paused, resumed and deleted together."""

import json
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django_celery_beat.models import PeriodicTask

from feeds.models import Feed
from jobs.models import Job
from jobs.services.jobs import job_delete, job_pause, job_resume, job_update
from jobs.services.schedule import describe_schedule
from tests.feeds.builders import make_feed
from tests.jobs.builders import make_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def feed(org_a):
    return make_feed(org_a, "https://news.example/feed.xml")


def beat_entry(job: Job) -> PeriodicTask:
    return PeriodicTask.objects.get(name=f"job:{job.pk}")


def test_creating_a_job_creates_its_beat_entry_with_the_crontab_and_timezone(org_a, feed):
    job = make_job(org_a)

    entry = beat_entry(job)
    assert entry.task == "jobs.run_scheduled_job"
    assert json.loads(entry.kwargs) == {"job_id": job.pk}
    assert (entry.crontab.minute, entry.crontab.hour, str(entry.crontab.timezone)) == (
        "0",
        "7",
        "Europe/Paris",
    )
    assert entry.interval is None and entry.enabled is True
    assert job.periodic_task == entry
    assert describe_schedule(job) == "every day at 07:00 Europe/Paris"


def test_switching_to_an_interval_updates_the_same_entry(org_a, feed):
    job = make_job(org_a)

    job_update(job=job, schedule_kind="interval", interval_every=15, interval_unit="minutes")

    entry = beat_entry(job)
    assert (entry.interval.every, entry.interval.period, entry.crontab) == (15, "minutes", None)
    assert PeriodicTask.objects.filter(name__startswith="job:").count() == 1
    assert describe_schedule(job) == "every 15 minutes"


def test_pause_and_resume_flip_the_entry_and_an_edit_keeps_an_operators_pause(org_a, feed):
    job = make_job(org_a)

    job_pause(job=job)
    assert (job.enabled, beat_entry(job).enabled, job.next_run_at()) == (False, False, None)
    job_resume(job=job)
    assert (job.enabled, beat_entry(job).enabled) == (True, True)
    assert job.next_run_at() is not None

    PeriodicTask.objects.filter(pk=job.periodic_task_id).update(enabled=False)  # in the admin
    job.refresh_from_db()
    job_update(job=job, name="Renamed")
    assert beat_entry(job).enabled is False
    assert job.is_paused


def test_deleting_a_job_leaves_no_beat_entry_behind_even_through_a_cascade(org_a, feed):
    first, second = make_job(org_a), make_job(org_a, name="Evening run")

    job_delete(job=first)
    assert not PeriodicTask.objects.filter(name=f"job:{first.pk}").exists()
    org_a.delete()  # cascade: bypasses the service
    assert not PeriodicTask.objects.filter(name=f"job:{second.pk}").exists()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"cron_hour": "25"}, "cron_hour"),
        ({"cron_minute": "every minute"}, "cron_minute"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
    ],
)
def test_an_invalid_schedule_is_refused_and_nothing_is_saved(org_a, feed, values, field):
    with pytest.raises(ValidationError) as error:
        make_job(org_a, **values)

    assert field in error.value.message_dict
    assert not Job.objects.exists()
    assert not PeriodicTask.objects.filter(name__startswith="job:").exists()


def test_a_stuck_after_below_two_heartbeats_is_refused_and_two_are_accepted(org_a, feed, settings):
    settings.JOB_HEARTBEAT_SECONDS = 30

    with pytest.raises(ValidationError) as error:
        make_job(org_a, stuck_after_seconds=59)
    job = make_job(org_a, stuck_after_seconds=60)

    assert "heartbeat every 30 s" in error.value.message_dict["stuck_after_seconds"][0]
    assert list(Job.objects.values_list("stuck_after_seconds", flat=True)) == [60]
    with pytest.raises(ValidationError):
        job_update(job=job, stuck_after_seconds=20)
    job.refresh_from_db()
    assert job.stuck_after_seconds == 60


def test_a_job_without_feeds_needs_an_enabled_feed_in_the_organization(org_a):
    Feed.objects.create(organization=org_a, name="Off", url="https://x.example/", enabled=False)

    with pytest.raises(ValidationError) as error:
        make_job(org_a)

    assert "no enabled feed" in error.value.message_dict["feeds"][0]


def test_next_run_is_computed_from_the_crontab_in_its_timezone(org_a, feed):
    job = make_job(org_a)
    now = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)  # 13:00 in Paris: next 07:00 is tomorrow

    assert job.next_run_at(now) == datetime(2026, 1, 11, 6, 0, tzinfo=UTC)
