"""Riding out a database outage inside long work (a job run): bounded retries, then the truth.

A job run touches the database between slow page fetches for minutes. When PostgreSQL went away
in the middle (restart, failover, network), the task died on the first query, the run stayed
"running", and a minute after the database returned the sweep failed it as "worker presumed
lost" although the worker was alive (issue #18 item 6).

:func:`retry_database` runs one idempotent step again while the database does not answer, with
tenacity's exponential backoff, for at most ``budget`` seconds from its first failure. Between
attempts it closes the thread's broken connection, so Django opens a new one. Only errors that
mean "the database did not answer" are retried (:data:`DATABASE_OUTAGE_ERRORS`); an integrity
error or a bug is raised at once. A step must not run inside ``transaction.atomic``: a broken
transaction cannot be retried from within.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

import tenacity
from django.db import InterfaceError, OperationalError, connection

logger = logging.getLogger("resilience")

T = TypeVar("T")

# OperationalError: refused or dropped connections, a server shutting down, and transient
# server-side failures (deadlock, serialization) that a retry also fixes. InterfaceError: a
# connection psycopg already knows is closed.
DATABASE_OUTAGE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)
MAX_WAIT = 5.0  # Seconds between attempts at most: a returning database is noticed quickly.


def database_error_summary(exc: BaseException) -> str:
    """The first line of a driver error: psycopg adds hints on further lines."""
    text = str(exc).strip().splitlines()
    return (text[0] if text else exc.__class__.__name__)[:300]


def close_broken_connection() -> None:
    """Drop this thread's connection, so the next query opens a fresh one."""
    try:
        connection.close()
    except Exception:  # Closing a dead connection may fail too; it is gone either way.
        logger.debug("Closing the broken database connection failed", exc_info=True)


def retry_database(
    fn: Callable[[], T],
    *,
    budget: float,
    what: str,
    on_outage: Callable[[BaseException], None] | None = None,
    on_recovery: Callable[[float], None] | None = None,
) -> T:
    """``fn()``, again while the database is unreachable, for up to ``budget`` seconds.

    ``on_outage(error)`` is called at the first failure and ``on_recovery(seconds)`` once a
    later attempt succeeds. After the budget the last error is raised.
    """
    # The budget runs from the first failure, not from the first attempt: a step may work
    # for a minute (fetching pages) before the query that finds the database gone.
    first_failure: list[float] = []

    def out_of_budget(_state: tenacity.RetryCallState) -> bool:
        now = time.monotonic()
        if not first_failure:
            first_failure.append(now)
        return now - first_failure[0] >= budget

    def before_sleep(state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        if state.attempt_number == 1 and on_outage is not None and error is not None:
            on_outage(error)
        logger.warning(
            "Database unavailable during %s (attempt %s, %s); retrying for up to %.0f s",
            what,
            state.attempt_number,
            database_error_summary(error) if error else "?",
            budget,
        )
        close_broken_connection()

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception_type(DATABASE_OUTAGE_ERRORS),
        stop=out_of_budget,
        wait=tenacity.wait_exponential(multiplier=0.25, max=MAX_WAIT),
        before_sleep=before_sleep,
        reraise=True,
    )
    result = retrying(fn)
    if first_failure and on_recovery is not None:
        on_recovery(time.monotonic() - first_failure[0])
    return result
