"""Jobs (what to run and when) and their executions (one run, its progress and its log)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone

from accounts.models import AnalysisMode
from accounts.tenancy import TenantModel
from marketing_hunting.single_line import validate_single_line


class ScheduleKind(models.TextChoices):
    INTERVAL = "interval", "Every N minutes/hours/days"
    CRONTAB = "crontab", "Crontab"


class IntervalUnit(models.TextChoices):
    MINUTES = "minutes", "minutes"
    HOURS = "hours", "hours"
    DAYS = "days", "days"


def stuck_after_error(seconds: int | None) -> str | None:
    """Why a job's "stuck after" would fail healthy runs, or None.

    A running job proves it is alive every JOB_HEARTBEAT_SECONDS; a limit below two periods
    fails a live run whose heartbeat is merely a little late.
    """
    floor = 2 * settings.JOB_HEARTBEAT_SECONDS
    if seconds is None or seconds >= floor:
        return None
    return (
        f"At least {floor} s: a running job sends a heartbeat every "
        f"{settings.JOB_HEARTBEAT_SECONDS} s, so a shorter limit would fail healthy runs."
    )


class Job(TenantModel):
    """A set of feeds to refresh and analyse on a schedule kept in django-celery-beat."""

    name = models.CharField(max_length=200, validators=[validate_single_line])
    feeds = models.ManyToManyField(
        "feeds.Feed", blank=True, related_name="jobs", help_text="None chosen: all enabled feeds."
    )
    schedule_kind = models.CharField(
        max_length=16, choices=ScheduleKind.choices, default=ScheduleKind.INTERVAL
    )
    interval_every = models.PositiveIntegerField(default=1)
    interval_unit = models.CharField(
        max_length=16, choices=IntervalUnit.choices, default=IntervalUnit.HOURS
    )
    cron_minute = models.CharField(max_length=240, default="0")
    cron_hour = models.CharField(max_length=96, default="7")
    cron_day_of_month = models.CharField(max_length=124, default="*")
    cron_month_of_year = models.CharField(max_length=64, default="*")
    cron_day_of_week = models.CharField(max_length=64, default="*")
    timezone = models.CharField(max_length=64, default="UTC")
    # The beat entry that fires the job; services keep it in sync (name "job:<id>").
    periodic_task = models.OneToOneField(
        "django_celery_beat.PeriodicTask",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    enabled = models.BooleanField(default=True)
    feed_timeout = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Seconds per request; empty: each feed's own timeout."
    )
    use_llm = models.BooleanField(default=True)
    # Empty: the organization's mode (accounts.AnalysisMode).
    analysis_mode = models.CharField(
        max_length=10,
        blank=True,
        default="",
        db_default="",
        choices=[("", "The organization's mode"), *AnalysisMode.choices],
    )
    max_articles = models.PositiveIntegerField(null=True, blank=True)
    stuck_after_seconds = models.PositiveIntegerField(null=True, blank=True)
    recipients = models.TextField(blank=True, help_text="Emails told when a run is auto-failed.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if error := stuck_after_error(self.stuck_after_seconds):
            raise ValidationError({"stuck_after_seconds": error})

    def get_absolute_url(self) -> str:
        return reverse("jobs:detail", args=[self.pk])

    @property
    def periodic_task_name(self) -> str:
        return f"job:{self.pk}"

    @property
    def is_paused(self) -> bool:
        # An operator may also have disabled the beat entry in the admin.
        task = self.periodic_task
        return not self.enabled or (task is not None and not task.enabled)

    def recipient_list(self) -> list[str]:
        parts = self.recipients.replace(";", ",").replace("\n", ",").split(",")
        return [part.strip() for part in parts if part.strip()]

    def next_run_at(self, now: datetime | None = None) -> datetime | None:
        """When beat fires the job next, or None while it is paused."""
        if self.is_paused or self.periodic_task is None:
            return None
        from jobs.services.schedule import next_run

        return next_run(self, last_run_at=self.periodic_task.last_run_at, now=now)


def counted(count: int, one: str, many: str = "") -> str:
    """ "1 feed", "36 feeds", "1 was a copy", "2 were copies": log lines and explanations are
    read by people, a one-feed job first of all. ``many`` defaults to ``one`` + "s"."""
    return f"{count} {one if count == 1 else many or one + 's'}"


class ExecutionStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    PARTIAL = "partial", "Partly succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    TIMED_OUT = "timed_out", "Timed out"


ACTIVE_STATUSES = (ExecutionStatus.QUEUED, ExecutionStatus.RUNNING)
RETRYABLE_STATUSES = (
    ExecutionStatus.FAILED,
    ExecutionStatus.TIMED_OUT,
    ExecutionStatus.CANCELLED,
    ExecutionStatus.PARTIAL,
)


class Trigger(models.TextChoices):
    MANUAL = "manual", "Manual"
    SCHEDULED = "scheduled", "Scheduled"


class JobExecution(TenantModel):
    """One run of a job: claimed by one worker, heartbeating while it runs."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="executions")
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.MANUAL)
    status = models.CharField(
        max_length=16, choices=ExecutionStatus.choices, default=ExecutionStatus.QUEUED
    )
    retry_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL)
    task_id = models.CharField(max_length=255, blank=True)
    worker_hostname = models.CharField(max_length=255, blank=True)
    worker_pid = models.PositiveIntegerField(null=True, blank=True)
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    feeds_total = models.PositiveIntegerField(default=0)
    feeds_done = models.PositiveIntegerField(default=0)
    new_articles = models.PositiveIntegerField(default=0)
    analysed = models.PositiveIntegerField(default=0)
    reports = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    # Per article, so a one-feed run over slow pages moves: the feed being run (for the bar)
    # and the run's totals (for "why 0 analysed").
    feed_articles_total = models.PositiveIntegerField(default=0)
    feed_articles_done = models.PositiveIntegerField(default=0)
    pages_fetched = models.PositiveIntegerField(default=0)
    extracted = models.PositiveIntegerField(default=0)
    copies = models.PositiveIntegerField(default=0)
    unreadable = models.PositiveIntegerField(default=0)
    excluded = models.PositiveIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    error_message = models.TextField(blank=True)

    class Meta:
        ordering = ["-queued_at", "-id"]
        indexes = [
            models.Index(fields=["status"], name="jobs_exec_status"),
            models.Index(fields=["job", "-queued_at"], name="jobs_exec_job_queued"),
        ]

    def __str__(self) -> str:
        return f"{self.job} #{self.pk} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("jobs:execution", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status not in ACTIVE_STATUSES

    @property
    def progress_percent(self) -> int:
        # Only a run that did all its work is at 100 %: a failed or cancelled one shows how
        # far it got (it said 100 % after a crash, next to "Failed").
        if self.status in (ExecutionStatus.SUCCEEDED, ExecutionStatus.PARTIAL):
            return 100
        if not self.feeds_total:
            return 0
        # The feed being run counts by its articles, so a one-feed run moves page by page.
        within = 0.0
        if self.feeds_done < self.feeds_total and self.feed_articles_total:
            within = min(self.feed_articles_done / self.feed_articles_total, 1.0)
        return int(100 * (self.feeds_done + within) / self.feeds_total)

    @property
    def explanations(self) -> list[str]:
        """Why fewer articles were analysed than found: copies, keyword rules, unreadable pages."""
        reasons = []
        if self.copies:
            reasons.append(
                f"{counted(self.copies, 'was a copy', 'were copies')} of earlier articles"
            )
        if self.excluded:
            reasons.append(f"{self.excluded} excluded by keyword rules")
        if self.unreadable:
            reasons.append(f"{counted(self.unreadable, 'page')} could not be fetched or read")
        quiet = not (self.new_articles or self.analysed or self.errors)
        if self.is_finished and self.feeds_done and quiet:
            reasons.append("no new articles in the feeds since the last run")
        return reasons

    def last_sign_of_life(self) -> datetime:
        return self.heartbeat_at or self.started_at or self.queued_at

    def is_stale(self, now: datetime, stuck_after: timedelta | int) -> bool:
        """Queued and never started, or running without a heartbeat, for ``stuck_after``."""
        if self.is_finished:
            return False
        if isinstance(stuck_after, int):
            stuck_after = timedelta(seconds=stuck_after)
        return now - self.last_sign_of_life() > stuck_after

    def describe_staleness(self, tz: str = "UTC") -> str:
        local = self.last_sign_of_life().astimezone(ZoneInfo(tz)).strftime("%H:%M:%S")
        if self.status == ExecutionStatus.QUEUED:
            return f"Queued at {local} {tz} and never started; no worker took its task."
        worker = self.worker_hostname or "unknown worker"
        pid = f" pid {self.worker_pid}" if self.worker_pid else ""
        return f"No heartbeat since {local} {tz}; worker {worker}{pid} presumed lost."


class EventLevel(models.TextChoices):
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    ERROR = "error", "Error"


class ExecutionEvent(models.Model):
    """A short progress line of an execution (shown on its page, streamed live later)."""

    execution = models.ForeignKey(JobExecution, on_delete=models.CASCADE, related_name="events")
    created_at = models.DateTimeField(default=timezone.now)
    level = models.CharField(max_length=10, choices=EventLevel.choices, default=EventLevel.INFO)
    message = models.CharField(max_length=500)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.message


class JobNotification(TenantModel):
    """In-app notice (banner on the jobs list) that an execution was failed automatically."""

    execution = models.ForeignKey(
        JobExecution, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    message = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)
    read = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.message
