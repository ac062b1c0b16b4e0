"""Creating, changing, pausing and deleting jobs, keeping their beat entries in sync."""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django_celery_beat.models import PeriodicTask

from accounts.models import Organization
from accounts.quotas import quota_check
from feeds.models import Feed
from jobs.models import Job
from jobs.services.schedule import periodic_task_sync, validate_schedule

# The fields that make up a schedule (validated and described together).
SCHEDULE_FIELDS = (
    "schedule_kind",
    "timezone",
    "interval_every",
    "interval_unit",
    "cron_minute",
    "cron_hour",
    "cron_day_of_month",
    "cron_month_of_year",
    "cron_day_of_week",
)
JOB_FIELDS = (
    "name",
    *SCHEDULE_FIELDS,
    "feed_timeout",
    "use_llm",
    "analysis_mode",
    "max_articles",
    "stuck_after_seconds",
    "recipients",
)
NO_FEEDS = "The organization has no enabled feed: add a feed or choose feeds for this job."


def _check_feeds(organization: Organization, feeds: Iterable[Feed]) -> list[Feed]:
    feeds = list(feeds)
    if any(feed.organization_id != organization.pk for feed in feeds):
        raise ValidationError({"feeds": "Choose feeds of your organization."})
    if not feeds and not Feed.objects.filter(organization=organization, enabled=True).exists():
        raise ValidationError({"feeds": NO_FEEDS})
    return feeds


@transaction.atomic
def job_create(
    *, organization: Organization, feeds: Iterable[Feed] = (), enabled: bool = True, **values: Any
) -> Job:
    unknown = set(values) - set(JOB_FIELDS)
    if unknown:
        raise TypeError(f"Unknown job fields: {sorted(unknown)}")
    quota_check(organization, "jobs")
    job = Job(organization=organization, enabled=enabled, **values)
    validate_schedule(_schedule_values(job))
    chosen = _check_feeds(organization, feeds)
    job.full_clean(exclude=["organization", "periodic_task", "feeds"])
    job.save()
    job.feeds.set(chosen)
    periodic_task_sync(job, enabled=enabled)
    return job


@transaction.atomic
def job_update(*, job: Job, feeds: Iterable[Feed] | None = None, **values: Any) -> Job:
    for name, value in values.items():
        if name not in JOB_FIELDS:
            raise TypeError(f"Unknown job field: {name}")
        setattr(job, name, value)
    validate_schedule(_schedule_values(job))
    if feeds is not None:
        job.feeds.set(_check_feeds(job.organization, feeds))
    job.full_clean(exclude=["organization", "periodic_task", "feeds"])
    job.save(update_fields=[*values, "updated_at"])
    periodic_task_sync(job)  # The beat entry's enabled flag is left as the operator set it.
    return job


def _set_enabled(job: Job, enabled: bool) -> Job:
    with transaction.atomic():
        job.enabled = enabled
        job.save(update_fields=["enabled", "updated_at"])
        periodic_task_sync(job, enabled=enabled)
    return job


def job_pause(*, job: Job) -> Job:
    return _set_enabled(job, False)


def job_resume(*, job: Job) -> Job:
    return _set_enabled(job, True)


@transaction.atomic
def job_delete(*, job: Job) -> None:
    # By name as well as by link, so an entry whose link was lost is not left behind.
    PeriodicTask.objects.filter(name=job.periodic_task_name).delete()
    job.delete()


def _schedule_values(job: Job) -> dict[str, Any]:
    return {name: getattr(job, name) for name in JOB_FIELDS if name != "name"}
