"""An execution's life: enqueue, claim, heartbeat, cancel, retry, finish.

Every state change is a conditional UPDATE on the current status (house rule 5), so two
deliveries of one task, a sweep and a late zombie can race without corrupting a row: whoever
loses the race sees a count of 0 and stops.
"""

import logging
import uuid
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from jobs.models import (
    RETRYABLE_STATUSES,
    EventLevel,
    ExecutionEvent,
    ExecutionStatus,
    Job,
    JobExecution,
    Trigger,
)
from monitoring.metrics import count_job_execution

logger = logging.getLogger(__name__)

BROKER_DOWN = (
    "The task queue is not answering, so the run could not be started. "
    "Try again in a minute; an operator can check /readyz."
)
COUNTERS = (
    "feeds_total",
    "feeds_done",
    "new_articles",
    "analysed",
    "reports",
    "errors",
    "feed_articles_total",
    "feed_articles_done",
    "pages_fetched",
    "extracted",
    "copies",
    "unreadable",
    "excluded",
)


def event_add(*, execution_id: int, message: str, level: str = EventLevel.INFO) -> None:
    ExecutionEvent.objects.create(execution_id=execution_id, message=message[:500], level=level)


def time_limits(job: Job, feeds_total: int) -> tuple[int, int]:
    """Soft and hard time limits of a run, from the job's (or the feeds') timeouts.

    Each feed costs at most a feed request plus a few page batches; the cap keeps a run well
    below Redis' visibility timeout, so an unacknowledged run is never delivered twice mid-run.
    """
    per_feed = (job.feed_timeout or settings.JOB_DEFAULT_FEED_TIMEOUT) * 3
    soft = min(max(1, feeds_total) * per_feed + 60, settings.JOB_MAX_RUN_SECONDS)
    return soft, soft + 60


def execution_enqueue(
    *, job: Job, trigger: str = Trigger.MANUAL, retry_of: JobExecution | None = None
) -> JobExecution:
    """Create the queued execution and send its task once the row is committed.

    Sent with ``retry=False``: if the broker is down the execution is failed at once with a
    clear message (the caller reads it from the row) instead of sitting "queued" for ever.
    """
    from jobs.tasks import run_job_execution

    execution = JobExecution.objects.create(
        organization_id=job.organization_id,
        job=job,
        trigger=trigger,
        retry_of=retry_of,
        task_id=str(uuid.uuid4()),
        feeds_total=len(job_feed_ids(job)),
    )
    soft, hard = time_limits(job, execution.feeds_total)

    def send() -> None:
        try:
            run_job_execution.apply_async(
                kwargs={"execution_id": execution.pk},
                task_id=execution.task_id,
                soft_time_limit=soft,
                time_limit=hard,
                retry=False,
            )
        except (BrokerError, OSError) as exc:
            logger.exception("Could not enqueue execution %s", execution.pk)
            with transaction.atomic():
                failed = JobExecution.objects.filter(
                    pk=execution.pk, status=ExecutionStatus.QUEUED
                ).update(
                    status=ExecutionStatus.FAILED,
                    completed_at=timezone.now(),
                    error_message=BROKER_DOWN,
                )
                if failed:
                    event_add(
                        execution_id=execution.pk, message=f"{BROKER_DOWN} ({exc})", level="error"
                    )
                    transaction.on_commit(lambda: count_job_execution(ExecutionStatus.FAILED))
            if failed:
                execution.status, execution.error_message = ExecutionStatus.FAILED, BROKER_DOWN

    transaction.on_commit(send)
    return execution


def job_feed_ids(job: Job) -> list[int]:
    """The feeds a run covers: the chosen ones, or every enabled feed; disabled are skipped."""
    from feeds.models import Feed

    chosen = job.feeds.filter(enabled=True) if job.pk and job.feeds.exists() else None
    feeds = (
        chosen
        if chosen is not None
        else Feed.objects.filter(organization_id=job.organization_id, enabled=True)
    )
    return list(feeds.order_by("id").values_list("id", flat=True))


def execution_claim(
    *, execution_id: int, task_id: str, hostname: str, pid: int, now: datetime | None = None
) -> bool:
    """queued → running for exactly one delivery; any other delivery gets False and stops."""
    now = now or timezone.now()
    claimed = JobExecution.objects.filter(
        pk=execution_id, status=ExecutionStatus.QUEUED, cancel_requested=False
    ).update(
        status=ExecutionStatus.RUNNING,
        started_at=now,
        heartbeat_at=now,
        task_id=task_id,
        worker_hostname=hostname[:255],
        worker_pid=pid,
    )
    return claimed == 1


def execution_heartbeat(*, execution_id: int, counters: dict[str, int] | None = None) -> bool:
    """Record life and progress in one UPDATE; False means stop (failed by a sweep, cancelled)."""
    values = {name: value for name, value in (counters or {}).items() if name in COUNTERS}
    updated = JobExecution.objects.filter(
        pk=execution_id, status=ExecutionStatus.RUNNING, cancel_requested=False
    ).update(heartbeat_at=timezone.now(), **values)
    return updated == 1


def execution_finish(
    *,
    execution_id: int,
    status: str,
    counters: dict[str, int] | None = None,
    error_message: str = "",
) -> bool:
    """running → final status; False when the row was already finished (e.g. by the sweep)."""
    values = {name: value for name, value in (counters or {}).items() if name in COUNTERS}
    finished = JobExecution.objects.filter(pk=execution_id, status=ExecutionStatus.RUNNING).update(
        status=status, completed_at=timezone.now(), error_message=error_message, **values
    )
    if finished:
        # Counted once the status is written for good: a rolled-back finish counts nothing.
        transaction.on_commit(lambda: count_job_execution(status))
    return finished == 1


def execution_cancel(*, execution: JobExecution) -> JobExecution:
    """Queued: cancelled at once (it never starts). Running: asked to stop after this unit."""
    now = timezone.now()
    with transaction.atomic():  # The status change and its log line are seen together.
        cancelled = JobExecution.objects.filter(
            pk=execution.pk, status=ExecutionStatus.QUEUED
        ).update(status=ExecutionStatus.CANCELLED, cancel_requested=True, completed_at=now)
        if cancelled:
            event_add(execution_id=execution.pk, message="Cancelled before it started.")
            transaction.on_commit(lambda: count_job_execution(ExecutionStatus.CANCELLED))
    if not cancelled and JobExecution.objects.filter(
        pk=execution.pk, status=ExecutionStatus.RUNNING
    ).update(cancel_requested=True):
        event_add(execution_id=execution.pk, message="Cancel requested; stopping after this feed.")
    elif not cancelled:
        execution.refresh_from_db()
        raise ValidationError(
            f"This execution already finished ({execution.get_status_display().lower()}); "
            "there is nothing to cancel."
        )
    execution.refresh_from_db()
    return execution


def execution_retry(*, execution: JobExecution) -> JobExecution:
    """A new queued execution of the same job, for a failed, timed-out or cancelled one."""
    if execution.status not in RETRYABLE_STATUSES:
        raise ValidationError(
            f"Only failed, timed-out, partial or cancelled executions can be retried; this one "
            f"is {execution.get_status_display().lower()}."
        )
    released = articles_release_claims(execution=execution)
    if released:
        event_add(
            execution_id=execution.pk,
            message=f"Retry: {released} articles this run had taken are free for the new run.",
        )
    return execution_enqueue(job=execution.job, trigger=Trigger.MANUAL, retry_of=execution)


def articles_release_claims(*, execution: JobExecution) -> int:
    """Free the pending articles a finished run had claimed for extraction.

    Extraction claims an article by stamping ``fetched_at`` and treats the claim as abandoned
    only after ``CLAIM_TIMEOUT`` (15 minutes), so a retry after a crash found the dead run's
    articles still held: it said "succeeded" and they waited 17 minutes. A finished run holds
    nothing any more, so its claims (stamped between its start and its last sign of life, on
    the job's feeds) are cleared and the retry takes them at once.
    """
    from feeds.models import Article, ArticleStatus

    if not execution.is_finished or execution.started_at is None:
        return 0
    until = execution.completed_at or execution.last_sign_of_life()
    held = Article.objects.filter(
        organization_id=execution.organization_id,
        feeds__in=job_feed_ids(execution.job),
        status=ArticleStatus.PENDING,
        fetched_at__gte=execution.started_at,
        fetched_at__lte=until,
    )
    return Article.objects.filter(pk__in=list(held.values_list("pk", flat=True))).update(
        fetched_at=None
    )
