"""Periodic tasks declared in code and synced into django-celery-beat's tables.

Syncing updates or creates each schedule by name and never deletes one nor touches its
``enabled`` flag, so an operator who paused a schedule in the admin keeps it paused across
deploys and migrations.
"""

from dataclasses import dataclass

from django.db import transaction
from django_celery_beat.models import IntervalSchedule, PeriodicTask, PeriodicTasks


@dataclass(frozen=True)
class Schedule:
    name: str
    task: str
    every_seconds: int
    description: str


SCHEDULES = [
    Schedule(
        name="Refresh due feeds",
        task="feeds.refresh_due_feeds",
        every_seconds=60,
        description="Enqueues a refresh for every enabled feed whose next fetch time has come.",
    ),
    Schedule(
        name="Purge old log entries",
        task="monitoring.purge_old_log_entries",
        every_seconds=60 * 60,
        description=(
            "Deletes log entries older than LOG_RETENTION_DAYS, and the heartbeat rows of "
            "workers and beats not seen for 7 days."
        ),
    ),
    Schedule(
        name="Analyse articles left without a report",
        task="reports.analyse_unreported",
        every_seconds=10 * 60,
        description="Safety net for lost analysis tasks: articles extracted in the last two "
        "days get their report (older ones at the next run of a job that reads their feed).",
    ),
    Schedule(
        name="Give the LLM the articles analysed by rules meanwhile",
        task="reports.analyse_llm_pending",
        every_seconds=60 * 60,
        description="After an LLM outage or when the monthly quota resets.",
    ),
    Schedule(
        name="Submit and collect economy LLM batches",
        task="reports.run_llm_batches",
        every_seconds=5 * 60,
        description="Economy analysis: polls the provider's open batches and applies their "
        "answers to the reports, then submits the articles queued since.",
    ),
    Schedule(
        name="Sweep stuck job executions",
        task="jobs.sweep_stuck_executions",
        every_seconds=60,
        description="Fails job executions whose worker stopped heartbeating (STUCK_AFTER_SECONDS).",
    ),
    Schedule(
        name="Erase expired contact suggestions",
        task="contacts.expire_suggestions",
        every_seconds=60 * 60,
        description="Deletes unverified suggested contacts past their retention time.",
    ),
    Schedule(
        name="Refresh stale contact suggestions",
        task="contacts.refresh_stale_suggestions",
        every_seconds=60 * 60,
        description="Searches again for brands whose suggestions are older than "
        "DISCOVERY_REFRESH_AFTER_DAYS (organizations with discovery on); fails lost runs.",
    ),
    Schedule(
        name="Delete expired export files",
        task="reports.clean_up_exports",
        every_seconds=60 * 60,
        description="Deletes export files whose download link expired (EXPORT_LINK_HOURS) "
        "and fails exports whose task was lost.",
    ),
    Schedule(
        name="Evaluate alert rules",
        task="reports.evaluate_alerts",
        every_seconds=5 * 60,
        description="Raises spike, negative-cluster and group-mention alerts (docs/alerts.md); "
        "an analysis that finds mentions also queues an evaluation of its organization.",
    ),
    Schedule(
        name="Send due alert deliveries",
        task="reports.send_due_alert_deliveries",
        every_seconds=60,
        description="Retries alert emails and webhook calls whose retry was lost or whose "
        "worker died mid-send (ALERT_DELIVERY_ATTEMPTS attempts in all).",
    ),
    Schedule(
        name="Evaluate operator alerts",
        task="monitoring.evaluate_operator_alerts",
        every_seconds=60,
        description="Operator alert rules (Admin → Operator alert rules; docs/operations.md): "
        "opens and resolves incidents, emails operators and calls their webhook once per "
        "incident firing and once when it clears; retries their deliveries.",
    ),
    Schedule(
        name="Purge old alerts",
        task="reports.purge_old_alerts",
        every_seconds=60 * 60,
        description="Deletes alerts older than ALERT_RETENTION_DAYS with their notifications "
        "and deliveries (not while a delivery is still waiting or being sent), and digest "
        "deliveries older than DIGEST_DELIVERY_RETENTION_DAYS.",
    ),
    Schedule(
        name="Send due digests",
        task="reports.send_due_digests",
        every_seconds=60,
        description="Sends each digest subscription's email when its local send time has come "
        "(once per period, DST-safe), and retries digest emails whose retry was lost "
        "(DIGEST_DELIVERY_ATTEMPTS attempts in all). docs/digests.md.",
    ),
    Schedule(
        name="Repair mention roll-ups",
        task="reports.repair_rollups",
        every_seconds=6 * 60 * 60,
        description="Safety net for the daily mention roll-ups the charts read (kept by "
        "database triggers): rebuilds missing ones or those of an old time zone, and "
        "counts again any of the last 7 days that differs from the mentions.",
    ),
    Schedule(
        name="Warn owners near their plan's limits",
        task="accounts.check_quota_warnings",
        every_seconds=60 * 60,
        description="Emails an organization's owners at 80 % and 100 % of each limit of its "
        "plan, once per threshold a month (counts: until back under), and sends "
        "quota_threshold_crossed. Creations and analyses warn at once; this catches the "
        "last analysis of a month and plans lowered in the admin.",
    ),
    Schedule(
        name="Close daily usage records",
        task="billing.close_usage_days",
        every_seconds=10 * 60,
        description="Billing hooks (docs/billing.md): shortly after UTC midnight, counts "
        "yesterday's usage of every organization into its usage record, closes it (immutable "
        "from then on) and sends usage.daily; also closes days missed while beat was down.",
    ),
    Schedule(
        name="Send due billing webhooks",
        task="billing.send_due_webhook_deliveries",
        every_seconds=60,
        description="Retries billing webhook calls whose retry was lost or whose worker died "
        "mid-send (ALERT_DELIVERY_ATTEMPTS attempts in all).",
    ),
    Schedule(
        name="Erase organizations whose deletion is due",
        task="accounts.erase_due_organizations",
        every_seconds=60 * 60,
        description="Erases every row and file of organizations whose owners asked for "
        "deletion once ORGANIZATION_DELETION_GRACE_DAYS have passed (the request stays, for "
        "operators, under Organization deletions); queues again lost export tasks.",
    ),
    Schedule(
        name="Purge articles past their organization's retention",
        task="accounts.apply_retention",
        every_seconds=60 * 60,
        description="Deletes articles with their reports and mentions older than each "
        "organization's retention (REPORT_RETENTION_DAYS at most), never those an email "
        "draft or a review points to.",
    ),
]


def sync_schedules() -> list[PeriodicTask]:
    """Create or update every declared schedule, in a handful of queries.

    It runs after every ``migrate`` and, in the tests, after every flush of the database, so
    it reads the intervals and tasks once and writes only what differs (one get-or-create and
    one update-or-create per schedule took ~100 queries). A task is saved one by one when it
    changed (``PeriodicTask.save`` validates it and tells beat through ``PeriodicTasks``);
    missing ones are inserted together, and beat is told once.
    """
    with transaction.atomic():
        intervals = _intervals({schedule.every_seconds for schedule in SCHEDULES})
        existing = {
            task.name: task
            for task in PeriodicTask.objects.filter(name__in=[s.name for s in SCHEDULES])
        }
        synced: list[PeriodicTask] = []
        missing: list[PeriodicTask] = []
        for schedule in SCHEDULES:
            declared = {
                "task": schedule.task,
                # Ids, not the related rows: comparing those would read each one.
                "interval_id": intervals[schedule.every_seconds].pk,
                "crontab_id": None,
                "description": schedule.description,
            }
            task = existing.get(schedule.name)
            if task is None:
                task = PeriodicTask(name=schedule.name, **declared)
                missing.append(task)
            elif any(getattr(task, field) != value for field, value in declared.items()):
                for field, value in declared.items():
                    setattr(task, field, value)
                task.save()
            synced.append(task)
        if missing:
            PeriodicTask.objects.bulk_create(missing)
            PeriodicTasks.update_changed()
    return synced


def _intervals(seconds: set[int]) -> dict[int, IntervalSchedule]:
    """The interval rows for these periods in seconds, created where missing (the first of
    duplicates an operator made in the admin is used, as get_or_create would refuse them)."""
    found: dict[int, IntervalSchedule] = {}
    rows = IntervalSchedule.objects.filter(period=IntervalSchedule.SECONDS, every__in=seconds)
    for interval in rows.order_by("pk"):
        found.setdefault(interval.every, interval)
    for every in sorted(seconds - found.keys()):
        found[every] = IntervalSchedule.objects.create(every=every, period=IntervalSchedule.SECONDS)
    return found
