"""A running job and a database that stops answering: retry each step, or fail with the reason.

Before, the task died on its first failed query, the run stayed "running", and once the
database was back the sweep failed it as "worker presumed lost" although the worker was alive
(issue #18 item 6). :class:`RunGuard` runs each database step of a run through
:func:`resilience.database.retry_database` for ``JOB_DATABASE_RETRY_SECONDS``;
:func:`conclude_database_unavailable` ends a run whose outage outlasted that.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.db import transaction

from jobs.models import EventLevel, ExecutionStatus
from jobs.services.executions import event_add, execution_finish
from resilience.database import (
    DATABASE_OUTAGE_ERRORS,
    close_broken_connection,
    database_error_summary,
    retry_database,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")


class RunGuard:
    """The run's database steps, retried through an outage of ``JOB_DATABASE_RETRY_SECONDS``.

    An outage the run rode out is written to its log once the database answers again.
    """

    def __init__(self, execution_id: int) -> None:
        self.execution_id = execution_id

    def __call__(self, step: Callable[[], T], what: str) -> T:
        def recovered(seconds: float) -> None:
            message = f"Database unavailable for {seconds:.0f} s ({what}); carried on."
            try:
                event_add(execution_id=self.execution_id, message=message, level=EventLevel.WARNING)
            except DATABASE_OUTAGE_ERRORS:  # Gone again: the next step will notice.
                close_broken_connection()

        return retry_database(
            step,
            budget=settings.JOB_DATABASE_RETRY_SECONDS,
            what=f"execution {self.execution_id}: {what}",
            on_recovery=recovered,
        )


def conclude_database_unavailable(
    execution_id: int, counters: dict[str, int], exc: BaseException
) -> str | None:
    """Fail the run with the real reason, as soon as the database takes the write.

    The budget is spent, so the run stops; but "running" must not stay on the row, nor be
    turned into "worker presumed lost" by the sweep. The failure is written as soon as the
    database answers, for up to STUCK_AFTER_SECONDS (after that the sweep judges, as for any
    silent run). A retry resumes: articles with a report are not analysed again, and the
    retry frees the pages this run had claimed.
    """
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

    def record() -> bool:
        with transaction.atomic():
            failed = execution_finish(
                execution_id=execution_id,
                status=ExecutionStatus.FAILED,
                counters=counters,
                error_message=reason,
            )
            if failed:
                event_add(execution_id=execution_id, message=reason, level=EventLevel.ERROR)
        return failed

    close_broken_connection()
    try:
        failed = retry_database(
            record,
            budget=settings.STUCK_AFTER_SECONDS,
            what=f"execution {execution_id}: recording the failure",
        )
    except DATABASE_OUTAGE_ERRORS:
        logger.exception("Execution %s: could not record its failure", execution_id)
        return None
    return ExecutionStatus.FAILED if failed else None
