"""The safety net: executions whose worker is gone are failed with a reason and announced.

Three detectors, one outcome (``_fail``): a silent heartbeat (every broker), a task that no
live worker reports while its heartbeat is quiet or for two sweeps in a row (Redis only:
remote control needs it), and a worker that finds its own executions still "running" when it
starts or shuts down.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from accounts.models import Organization
from jobs.models import ACTIVE_STATUSES, EventLevel, ExecutionStatus, JobExecution, JobNotification
from jobs.services.executions import event_add
from marketing_hunting.single_line import one_line
from monitoring.metrics import count_job_swept

logger = logging.getLogger(__name__)

MISSING_KEY = "jobs:missing:{}"
LAST_SWEEP_KEY = "jobs:sweep:last"
GRACE_KEY = "jobs:sweep:grace-until"
# No sweep for this long (the database was away, or every sweeper was down) makes every
# heartbeat look that old: the first sweep after it only opens a grace of two heartbeats.
BLIND_AFTER = timedelta(minutes=3)
# A freshly started task may not show up in a worker's lists yet; leave it alone this long.
MISSING_GRACE = timedelta(seconds=30)
INSPECT_TIMEOUT = 1.0


@dataclass
class SweptExecution:
    execution: JobExecution
    reason: str


def _notify(execution: JobExecution, reason: str) -> None:
    job = execution.job
    message = f"Job “{job.name}” execution #{execution.pk} was marked failed: {reason}"
    JobNotification.objects.create(
        organization_id=execution.organization_id, execution=execution, message=message[:500]
    )
    recipients = job.recipient_list()
    if recipients:
        # An absolute link: the mail is read outside the app.
        body = f"{message}\n\nDetails: {settings.SITE_URL}{execution.get_absolute_url()}\n"
        # On commit: no email about a change that was rolled back.
        transaction.on_commit(
            lambda: send_mail(
                one_line(f"[Marketing Hunting] Job “{job.name}” failed"),
                body,
                None,
                recipients,
                fail_silently=True,
            ),
            # fail_silently covers the SMTP exchange, not building the message: a mail
            # that raises must not undo the sweep of the executions after this one.
            robust=True,
        )


def _fail(execution: JobExecution, reason: str) -> bool:
    """Fail the execution unless it changed since we read it (a fresh beat wins the race)."""
    with transaction.atomic():
        updated = JobExecution.objects.filter(
            pk=execution.pk, status=execution.status, heartbeat_at=execution.heartbeat_at
        ).update(status=ExecutionStatus.FAILED, completed_at=timezone.now(), error_message=reason)
        if not updated:
            return False
        execution.status, execution.error_message = ExecutionStatus.FAILED, reason
        event_add(execution_id=execution.pk, message=reason, level=EventLevel.ERROR)
        _notify(execution, reason)
        transaction.on_commit(count_job_swept)
    logger.warning("Execution %s failed by the sweep: %s", execution.pk, reason)
    return True


def stuck_after(execution: JobExecution) -> timedelta:
    seconds = execution.job.stuck_after_seconds or settings.STUCK_AFTER_SECONDS
    return timedelta(seconds=seconds)


def _missing_task_ids(executions: list[JobExecution]) -> set[str]:
    """Task ids of running executions that no live worker reports as active or reserved."""
    from marketing_hunting.celery import app

    inspect = app.control.inspect(timeout=INSPECT_TIMEOUT)
    known: set[str] = set()
    for reply in (inspect.active() or {}, inspect.reserved() or {}):
        for tasks in reply.values():
            known.update(task.get("id", "") for task in tasks)
    return {e.task_id for e in executions if e.task_id and e.task_id not in known}


def silent_after() -> timedelta:
    """A live run beats every JOB_HEARTBEAT_SECONDS (a thread, whatever the run is doing):
    half a period more of silence is the second sign, with a missing task, of a lost worker."""
    return timedelta(seconds=settings.JOB_HEARTBEAT_SECONDS * 1.5)


def _missing_on_workers(running: list[JobExecution], now: datetime) -> dict[int, str]:
    """Reasons to fail running executions whose task no live worker holds.

    Two signs are needed: the task missing at this sweep and either a heartbeat silent for
    ``silent_after()`` or the task also missing at the previous sweep. The heartbeat sign
    makes a lost worker fail at the first sweep once its run has gone quiet (≤ 2 min with a
    60 s sweep), the two-sweep sign catches a worker whose heartbeat thread outlived it."""
    quiet = silent_after()
    checked = [
        e
        for e in running
        if e.started_at
        and (now - e.started_at > MISSING_GRACE or now - e.last_sign_of_life() > quiet)
    ]
    if not checked:
        return {}
    try:
        missing = _missing_task_ids(checked)
    except Exception:  # No answer is no evidence: the heartbeat rule still applies.
        logger.warning("Could not inspect the workers; relying on heartbeats only", exc_info=True)
        return {}
    reasons = {}
    for execution in checked:
        key = MISSING_KEY.format(execution.pk)
        if execution.task_id not in missing:
            cache.delete(key)
            continue
        worker = f"worker {execution.worker_hostname or 'unknown'} pid {execution.worker_pid}"
        silence = now - execution.last_sign_of_life()
        if silence > quiet:
            reasons[execution.pk] = (
                f"Its task is no longer active or reserved on any live worker and it has sent "
                f"no heartbeat for {silence.total_seconds():.0f} s; {worker} presumed lost."
            )
        elif cache.get(key):
            reasons[execution.pk] = (
                f"Its task is no longer active or reserved on any live worker (checked twice); "
                f"{worker} presumed lost."
            )
        else:
            cache.set(key, True, timeout=15 * 60)
    return reasons


def _in_grace_after_blindness(now: datetime) -> bool:
    """True while silence is no evidence: just after a period in which nothing could sweep.

    After a database outage longer than STUCK_AFTER every heartbeat is that old, live runs
    included, and a sweep in the seconds between the database's return and the next beat (or
    the worker's own "Database unavailable" verdict) failed them as "presumed lost". So the
    first sweep that finds the last one more than BLIND_AFTER ago judges nothing and gives
    live runs two heartbeats to show life. Shared through the cache by every sweeper (beat's
    watchdog, the workers' scheduled task); a cache that fails is no reason to stop sweeping.
    """
    try:
        grace_until = cache.get(GRACE_KEY)
        if grace_until is not None and now < grace_until:
            return True
        last = cache.get(LAST_SWEEP_KEY)
        cache.set(LAST_SWEEP_KEY, now, timeout=None)
        if last is None or now - last <= BLIND_AFTER:
            return False
        grace = timedelta(seconds=2 * settings.JOB_HEARTBEAT_SECONDS)
        cache.set(GRACE_KEY, now + grace, timeout=int(grace.total_seconds()) + 60)
    except Exception:
        logger.warning("Could not read the sweep's last run from the cache", exc_info=True)
        return False
    logger.warning(
        "No sweep since %s (database or sweepers away): judging no run before %s, so live "
        "ones can beat first",
        last,
        now + grace,
    )
    return True


def execution_sweep_stuck(
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    organization: Organization | None = None,
    use_inspect: bool | None = None,
) -> list[SweptExecution]:
    """Fail queued/running executions whose worker is presumed lost; returns what it found.

    ``dry_run`` reports without changing anything. ``use_inspect`` (default: with Redis) adds
    the faster "task missing on every live worker" rule (see ``_missing_on_workers``).
    """
    now = now or timezone.now()
    active = JobExecution.objects.filter(status__in=ACTIVE_STATUSES).select_related("job")
    if organization is not None:
        active = active.filter(organization=organization)
    executions = list(active.order_by("id"))  # The database answers: a sweep took place.
    if not dry_run and organization is None and _in_grace_after_blindness(now):
        return []
    found = [
        SweptExecution(e, e.describe_staleness(settings.TIME_ZONE))
        for e in executions
        if e.is_stale(now, stuck_after(e))
    ]
    if use_inspect is None:
        use_inspect = bool(settings.REDIS_URL)
    if use_inspect and not dry_run:
        stale_ids = {s.execution.pk for s in found}
        running = [
            e for e in executions if e.status == ExecutionStatus.RUNNING and e.pk not in stale_ids
        ]
        reasons = _missing_on_workers(running, now)
        found += [SweptExecution(e, reasons[e.pk]) for e in running if e.pk in reasons]
    if dry_run:
        return found
    return execution_fail_swept(found)


def _fail_alone(execution: JobExecution, reason: str) -> bool:
    """``_fail``, but one row that cannot be failed (bad data, a mail that raises) is logged
    and skipped: it must never leave the executions after it "running" forever."""
    try:
        return _fail(execution, reason)
    except Exception:
        logger.exception("Could not fail execution %s; sweeping the others", execution.pk)
        return False


def execution_fail_swept(found: list[SweptExecution]) -> list[SweptExecution]:
    """Fail what a (dry-run) sweep found; rows that changed since are left alone."""
    return [swept for swept in found if _fail_alone(swept.execution, swept.reason)]


def executions_interrupt_for_worker(*, hostname: str, why: str) -> list[JobExecution]:
    """Fail the executions this worker owned; called when it starts and on warm shutdown.

    Only rows whose worker hostname is exactly this worker's: another worker's runs are alive.
    """
    owned = JobExecution.objects.filter(
        status=ExecutionStatus.RUNNING, worker_hostname=hostname
    ).select_related("job")
    failed = []
    for execution in owned:
        reason = f"Interrupted: worker {hostname} {why} while it ran; retry it."
        if _fail_alone(execution, reason):
            failed.append(execution)
    return failed
