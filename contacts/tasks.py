"""Celery tasks for contacts: thin adapters that take ids and call one service."""

import logging
from datetime import timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from contacts.services.contacts import suggestions_expire
from contacts.services.discovery import (
    discovery_run,
    discovery_run_fail,
    discovery_runs_fail_stuck,
    suggestions_refresh_stale,
)

logger = logging.getLogger(__name__)

# A run is a search request plus at most DISCOVERY_SITE_PAGES page requests (each with its
# own timeout and a Crawl-delay of at most 10 s): minutes, well below Redis' visibility timeout.
DISCOVER_SOFT_TIME_LIMIT = 5 * 60
# Runs still queued or running this long after they were created lost their task.
STUCK_AFTER = timedelta(minutes=30)


# acks_late: a run lost with its worker is delivered again; the claim makes a second delivery
# a no-op, and the periodic refresh fails runs that never finish.
@shared_task(
    name="contacts.discover_brand",
    acks_late=True,
    soft_time_limit=DISCOVER_SOFT_TIME_LIMIT,
    time_limit=DISCOVER_SOFT_TIME_LIMIT + 60,
)
def discover_brand(run_id: int) -> str | None:
    try:
        run = discovery_run(run_id=run_id)
    except SoftTimeLimitExceeded:
        minutes = DISCOVER_SOFT_TIME_LIMIT // 60
        discovery_run_fail(
            run_id=run_id,
            message=f"The search took longer than {minutes} minutes and was stopped; what it "
            "found so far is kept.",
        )
        return "stopped"
    except Exception:
        discovery_run_fail(
            run_id=run_id,
            message="An unexpected error stopped the search; operators can find it in the logs.",
        )
        raise
    return run.status if run else None


@shared_task(name="contacts.refresh_stale_suggestions")
def refresh_stale_suggestions() -> int:
    failed = discovery_runs_fail_stuck(older_than=STUCK_AFTER)
    if failed:
        logger.warning("Failed %d discovery runs that never finished", failed)
    runs = suggestions_refresh_stale(
        older_than=timedelta(days=settings.DISCOVERY_REFRESH_AFTER_DAYS)
    )
    return len(runs)


@shared_task(name="contacts.expire_suggestions")
def expire_suggestions() -> int:
    erased = suggestions_expire()
    if erased:
        logger.info("Erased %d suggested contacts past their retention time", erased)
    return erased
