"""A job's schedule: validation, readable description, next run and its beat entry."""

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

from celery.schedules import ParseException, crontab
from cron_descriptor import ExpressionDescriptor, Options
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from jobs.models import IntervalUnit, Job, ScheduleKind

RUN_TASK = "jobs.run_scheduled_job"
CRON_FIELDS = ("cron_minute", "cron_hour", "cron_day_of_month", "cron_month_of_year")
UNIT_SECONDS = {IntervalUnit.MINUTES: 60, IntervalUnit.HOURS: 3600, IntervalUnit.DAYS: 86400}
BEAT_PERIOD = {
    IntervalUnit.MINUTES: IntervalSchedule.MINUTES,
    IntervalUnit.HOURS: IntervalSchedule.HOURS,
    IntervalUnit.DAYS: IntervalSchedule.DAYS,
}


def validate_timezone(name: str) -> None:
    if name not in available_timezones():
        raise ValidationError({"timezone": f"“{name}” is not a known time zone."})


def build_crontab(values: dict[str, str], tz: str, now: datetime | None = None) -> crontab:
    """Celery's crontab for the fields, or a ValidationError naming the bad field."""
    fields = {
        "minute": values["cron_minute"],
        "hour": values["cron_hour"],
        "day_of_month": values["cron_day_of_month"],
        "month_of_year": values["cron_month_of_year"],
        "day_of_week": values["cron_day_of_week"],
    }
    for name, value in fields.items():
        try:
            # Celery parses each field when it is built; a bad one raises ValueError.
            crontab(**{name: value})
        # ParseException is not a ValueError: "-1", "1,,2" and "*/" raise it.
        except (ValueError, TypeError, ParseException) as exc:
            raise ValidationError(
                {f"cron_{name}": f"“{value}” is not a valid crontab value ({exc})."}
            ) from exc
    zone = ZoneInfo(tz)
    try:
        return crontab(**fields, nowfun=lambda: (now or timezone.now()).astimezone(zone))
    except (ValueError, TypeError, ParseException) as exc:
        # Each field is valid alone, the whole never fires: day 31 in February is the one
        # combination Celery checks.
        message = f"{exc}".removeprefix("Invalid crontab: ")
        raise ValidationError({"cron_day_of_month": message}) from exc


def validate_schedule(values: dict) -> None:
    validate_timezone(values["timezone"])
    if values["schedule_kind"] == ScheduleKind.CRONTAB:
        build_crontab(values, values["timezone"])
    elif int(values.get("interval_every") or 0) < 1:
        raise ValidationError({"interval_every": "Run at least every 1 unit."})


def _values(job: Job) -> dict:
    return {
        "schedule_kind": job.schedule_kind,
        "interval_every": job.interval_every,
        "interval_unit": job.interval_unit,
        "timezone": job.timezone,
        **{name: getattr(job, name) for name in (*CRON_FIELDS, "cron_day_of_week")},
    }


def describe_schedule(values: dict | Job) -> str:
    """E.g. "every day at 07:00 Europe/Paris" or "every 15 minutes"."""
    values = _values(values) if isinstance(values, Job) else values
    tz = values["timezone"]
    if values["schedule_kind"] == ScheduleKind.INTERVAL:
        every, unit = int(values["interval_every"]), values["interval_unit"]
        return f"every {unit.rstrip('s')}" if every == 1 else f"every {every} {unit}"
    minute, hour = values["cron_minute"], values["cron_hour"]
    rest = [values[n] for n in ("cron_day_of_month", "cron_month_of_year", "cron_day_of_week")]
    if minute.isdigit() and hour.isdigit() and rest == ["*", "*", "*"]:
        return f"every day at {int(hour):02d}:{int(minute):02d} {tz}"
    expression = " ".join([minute, hour, *rest])
    options = Options()
    options.use_24hour_time_format = True
    try:
        text = ExpressionDescriptor(expression, options).get_description()
    except Exception:  # The descriptor is stricter than Celery on some forms; show the raw one.
        text = f"crontab “{expression}”"
    return f"{text[:1].lower()}{text[1:]} {tz}"


def next_run(job: Job, *, last_run_at: datetime | None, now: datetime | None = None) -> datetime:
    now = now or timezone.now()
    if job.schedule_kind == ScheduleKind.INTERVAL:
        every = timedelta(seconds=job.interval_every * UNIT_SECONDS[job.interval_unit])
        start = last_run_at or (job.periodic_task.date_changed if job.periodic_task else now)
        return max(now, (start or now) + every)
    # Celery computes crontabs in its own (UTC) zone: do the arithmetic on the local wall
    # clock dressed as UTC, then put the result back in the job's zone.
    zone = ZoneInfo(job.timezone)
    wall_now = now.astimezone(zone).replace(tzinfo=UTC)
    wall_last = (last_run_at or now).astimezone(zone).replace(tzinfo=UTC)
    schedule = build_crontab(_values(job), "UTC", wall_now)
    wall_next = wall_now + schedule.remaining_estimate(wall_last)
    return wall_next.replace(tzinfo=zone).astimezone(UTC)


def periodic_task_sync(job: Job, *, enabled: bool | None = None) -> PeriodicTask:
    """Create or update the job's beat entry by name; ``enabled`` None leaves the flag alone.

    Leaving it alone on plain edits respects an operator who paused the entry in the admin.
    """
    interval = schedule = None
    if job.schedule_kind == ScheduleKind.INTERVAL:
        interval, _ = IntervalSchedule.objects.get_or_create(
            every=job.interval_every, period=BEAT_PERIOD[job.interval_unit]
        )
    else:
        schedule, _ = CrontabSchedule.objects.get_or_create(
            minute=job.cron_minute,
            hour=job.cron_hour,
            day_of_month=job.cron_day_of_month,
            month_of_year=job.cron_month_of_year,
            day_of_week=job.cron_day_of_week,
            timezone=ZoneInfo(job.timezone),
        )
    defaults: dict = {
        "task": RUN_TASK,
        "interval": interval,
        "crontab": schedule,
        "kwargs": json.dumps({"job_id": job.pk}),
        "description": f"Runs the job “{job.name}” of organization {job.organization_id}.",
    }
    if enabled is not None:
        defaults["enabled"] = enabled
    task, created = PeriodicTask.objects.update_or_create(
        name=job.periodic_task_name, defaults=defaults
    )
    if created and enabled is None and task.enabled != job.enabled:
        task.enabled = job.enabled
        task.save(update_fields=["enabled"])
    if job.periodic_task_id != task.pk:
        job.periodic_task = task
        job.save(update_fields=["periodic_task", "updated_at"])
    return task
