"""A running job and a database that stops answering: retry each step, or fail with the reason.

Before, the task died on its first failed query, the run stayed "running", and once the
database was back the sweep failed it as "worker presumed lost" although the worker was alive
(issue #18 item 6). :class:`RunGuard` runs each database step of a run through
:func:`resilience.database.retry_database` for ``JOB_DATABASE_RETRY_SECONDS``;
:func:`conclude_database_unavailable` ends a run whose outage outlasted that.

The run's time limits bound all of this. The soft limit may strike while a step waits for the
database, and the hard limit (60 s later) kills the worker's process: a final status still
being retried then was never written, and the sweep called the run "worker presumed lost"
once the database was back. :meth:`RunGuard.record_outcome` therefore waits for the database
only until shortly before the hard limit, then hands the write to a thread that outlives the
task and writes it as soon as the database answers.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from jobs.models import EventLevel, ExecutionStatus, JobExecution
from jobs.services.executions import event_add, execution_finish
from monitoring.metrics import count_job_execution
from resilience.database import (
    DATABASE_OUTAGE_ERRORS,
    close_broken_connection,
    database_error_summary,
    retry_database,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")

# The task stops waiting for the database this long before its hard time limit, so that it
# returns (and hands the final write to a thread) before the pool kills its process.
FINAL_WRITE_MARGIN = 5.0


class RunGuard:
    """The run's database steps, retried through an outage of ``JOB_DATABASE_RETRY_SECONDS``.

    An outage the run rode out is written to its log once the database answers again.
    ``time_limit``: the task's hard time limit in seconds (None: no process kill to fear);
    ``soft_time_limit``: its soft one, which :meth:`check_soft_limit` enforces itself.
    """

    def __init__(
        self,
        execution_id: int,
        time_limit: float | None = None,
        soft_time_limit: float | None = None,
    ) -> None:
        self.execution_id = execution_id
        now = time.monotonic()
        self.deadline = now + time_limit if time_limit else None
        self.soft_deadline = now + soft_time_limit if soft_time_limit else None
        # The error of an outage a step is still waiting out (None once it answered again):
        # the reason to give when the time limit strikes in the middle of the wait.
        self.outage: BaseException | None = None

    def __call__(self, step: Callable[[], T], what: str) -> T:
        def outage(exc: BaseException) -> None:
            self.outage = exc

        def recovered(seconds: float) -> None:
            self.outage = None
            message = f"Database unavailable for {seconds:.0f} s ({what}); carried on."
            try:
                event_add(execution_id=self.execution_id, message=message, level=EventLevel.WARNING)
            except DATABASE_OUTAGE_ERRORS:  # Gone again: the next step will notice.
                close_broken_connection()

        return retry_database(
            step,
            budget=settings.JOB_DATABASE_RETRY_SECONDS,
            what=f"execution {self.execution_id}: {what}",
            on_outage=outage,
            on_recovery=recovered,
        )

    def check_soft_limit(self) -> None:
        """Raise SoftTimeLimitExceeded once the soft time limit has passed.

        Celery raises it by a signal wherever the run is; a library's ``except Exception``
        there (a loader, a queueing call) swallows it, and the run then went on past its
        limit and ended "partial". Checked between units, the limit holds either way.
        """
        if self.soft_deadline is not None and time.monotonic() >= self.soft_deadline:
            raise SoftTimeLimitExceeded("the run's soft time limit passed")

    def record_outcome(self, write: Callable[[], str | None], what: str) -> str | None:
        """The run's final write: now if the database answers, else as soon as it does.

        Retried for up to STUCK_AFTER_SECONDS (after that the sweep judges, as for any silent
        run). The task itself waits only until FINAL_WRITE_MARGIN before its hard time limit,
        and through its soft time limit; the rest of the wait happens in a thread of the
        worker's process, which lives on after the task returns. Returns the status written,
        or None when it is left to that thread.
        """
        label = f"execution {self.execution_id}: {what}"
        started = time.monotonic()
        budget = float(settings.STUCK_AFTER_SECONDS)
        waiting = budget if self.deadline is None else self.deadline - FINAL_WRITE_MARGIN - started
        try:
            return retry_database(write, budget=max(0.0, min(budget, waiting)), what=label)
        except (SoftTimeLimitExceeded, *DATABASE_OUTAGE_ERRORS) as exc:
            if not isinstance(exc, DATABASE_OUTAGE_ERRORS):  # Struck while we waited.
                logger.warning("%s: the time limit struck while the database was away", label)
            close_broken_connection()
        remaining = budget - (time.monotonic() - started)
        if remaining <= 0:
            logger.error("%s: the database did not answer; the sweep will judge the run", label)
            return None
        logger.warning(
            "%s: the database does not answer; writing it as soon as it does (%.0f s more)",
            label,
            remaining,
        )

        def later() -> None:
            try:
                retry_database(write, budget=remaining, what=label)
            except Exception:  # The database never came back: the sweep judges the run.
                logger.exception("%s: could not be written", label)
            finally:
                connection.close()  # This thread's own connection.

        threading.Thread(target=later, name=f"outcome-{self.execution_id}", daemon=True).start()
        return None


def conclude_database_unavailable(
    guard: RunGuard, counters: dict[str, int], exc: BaseException
) -> str | None:
    """Fail the run with the real reason, as soon as the database takes the write.

    The budget is spent, so the run stops; but "running" must not stay on the row, nor be
    turned into "worker presumed lost" by the sweep. The failure is written as soon as the
    database answers (:meth:`RunGuard.record_outcome`). A retry resumes: articles with a
    report are not analysed again, and the retry frees the pages this run had claimed.
    """
    execution_id = guard.execution_id
    budget = settings.JOB_DATABASE_RETRY_SECONDS
    reason = (
        f"Database unavailable: {database_error_summary(exc)} (no answer for {budget} s). "
        f"The run stopped after {counters['feeds_done']} of {counters['feeds_total']} feeds; "
        "retry it to carry on."
    )
    logger.error(
        "Execution %s: database unavailable for more than %s s; gave up: %s",
        execution_id,
        budget,
        database_error_summary(exc),
    )

    def record() -> str | None:
        with transaction.atomic():
            failed = execution_finish(
                execution_id=execution_id,
                status=ExecutionStatus.FAILED,
                counters=counters,
                error_message=reason,
            )
            if failed:
                event_add(execution_id=execution_id, message=reason, level=EventLevel.ERROR)
        return ExecutionStatus.FAILED if failed else None

    close_broken_connection()
    return guard.record_outcome(record, "recording the failure")


def time_limit_reason(guard: RunGuard) -> str:
    """Why a run that reached its time limit stopped: the limit, and the outage if it was in one."""
    kept = "the feeds done so far keep their results"
    if guard.outage is None:
        return f"The run reached its time limit; {kept}."
    return (
        "The run reached its time limit while the database was unavailable "
        f"({database_error_summary(guard.outage)}); {kept}; retry it to carry on."
    )


def fail_unclaimed(guard: RunGuard, exc: BaseException) -> str | None:
    """A run the worker could not claim because the database did not answer: failed with that.

    Left "queued", the sweep later said "no worker took its task", though a worker had.
    ``exc`` is the outage past the budget, or the time limit that struck while waiting for it.
    """
    execution_id = guard.execution_id
    cause = exc if guard.outage is None else guard.outage
    what = database_error_summary(cause)
    if isinstance(exc, SoftTimeLimitExceeded):
        reason = f"The run reached its time limit waiting for the database to start it ({what}); "
    else:
        budget = settings.JOB_DATABASE_RETRY_SECONDS
        reason = (
            f"Database unavailable when the run was to start: {what} (no answer for {budget} s); "
        )
    reason += "retry it."
    logger.error("Execution %s: could not be started: %s", execution_id, reason)

    def record() -> str | None:
        with transaction.atomic():
            failed = JobExecution.objects.filter(
                pk=execution_id, status=ExecutionStatus.QUEUED
            ).update(
                status=ExecutionStatus.FAILED, completed_at=timezone.now(), error_message=reason
            )
            if failed:
                event_add(execution_id=execution_id, message=reason, level=EventLevel.ERROR)
                transaction.on_commit(lambda: count_job_execution(ExecutionStatus.FAILED))
        return ExecutionStatus.FAILED if failed else None

    close_broken_connection()
    return guard.record_outcome(record, "recording that it could not start")
