"""Celery tasks for feeds: thin adapters that load rows by id and call one service."""

import logging
from datetime import timedelta

from celery import current_app, shared_task
from django.db.models import Q
from django.utils import timezone

from feeds.models import Article, ArticleStatus, Feed
from feeds.services.extract import CLAIM_TIMEOUT, articles_extract
from feeds.services.refresh import feed_refresh

logger = logging.getLogger(__name__)

# How long a due feed is held for the task enqueued for it, so the next sweep does not
# enqueue it again while it waits in the queue or runs.
DISPATCH_LEASE_SECONDS = 15 * 60
EXTRACT_BATCH = 50


# Well below Redis' one-hour visibility timeout, so a long task is not redelivered mid-run.
REFRESH_SOFT_TIME_LIMIT = 20 * 60
STALLED_BATCH = 200


@shared_task(
    name="feeds.refresh_feed",
    acks_late=True,
    soft_time_limit=REFRESH_SOFT_TIME_LIMIT,
    time_limit=REFRESH_SOFT_TIME_LIMIT + 60,
)
def refresh_feed(feed_id: int, analyse: bool = True) -> dict[str, object]:
    feed = Feed.objects.filter(pk=feed_id).first()
    if feed is None:
        return {"feed": feed_id, "status": "deleted"}
    result = feed_refresh(feed=feed)
    extracted = 0
    for start in range(0, len(result.new_article_ids), EXTRACT_BATCH):
        batch = result.new_article_ids[start : start + EXTRACT_BATCH]
        done = articles_extract(article_ids=batch, timeout=float(feed.fetch_timeout))
        extracted += len(done)
        originals = [a.pk for a in done if a.duplicate_of_id is None]
        if analyse and originals:
            # By name: the reports app depends on feeds, not the other way round, and the
            # analysis (LLM calls) may run on another queue or worker.
            current_app.send_task("reports.analyse_articles", args=[originals])
    return {
        "feed": feed_id,
        "status": result.status,
        "new_articles": len(result.new_article_ids),
        "extracted": extracted,
        "error": result.error,
    }


def dispatch_due_feeds(*, organization_id: int | None = None) -> list[int]:
    """Enqueue a refresh for every enabled feed that is due, holding each with a lease."""
    now = timezone.now()
    # enabled IN (true), not enabled = true: Django writes the latter as a bare column,
    # which SQLite cannot match to the index's first column (it scanned the whole index).
    enabled = Feed.objects.filter(enabled__in=[True]).order_by()
    if organization_id is not None:
        enabled = enabled.filter(organization_id=organization_id)
    # Two ranges of feed_due_idx (enabled, next_fetch_at), one query: as one OR, PostgreSQL
    # read every enabled feed through the index and filtered the due ones every minute (and
    # sorted them by name, the model's ordering). The two sets are disjoint: UNION ALL.
    never_fetched = enabled.filter(next_fetch_at__isnull=True).values_list("id", "next_fetch_at")
    due = enabled.filter(next_fetch_at__lte=now).values_list("id", "next_fetch_at")
    lease_until = now + timedelta(seconds=DISPATCH_LEASE_SECONDS)
    dispatched = []
    for feed_id, next_fetch_at in never_fetched.union(due, all=True):
        # Claim atomically: only the sweep that moves next_fetch_at enqueues the feed.
        claimed = Feed.objects.filter(pk=feed_id, next_fetch_at=next_fetch_at).update(
            next_fetch_at=lease_until
        )
        if claimed:
            refresh_feed.delay(feed_id)
            dispatched.append(feed_id)
    return dispatched


@shared_task(name="feeds.extract_articles", acks_late=True, soft_time_limit=REFRESH_SOFT_TIME_LIMIT)
def extract_articles(article_ids: list[int]) -> int:
    return len(articles_extract(article_ids=article_ids))


def stalled_article_ids(*, limit: int = STALLED_BATCH) -> list[int]:
    """Pending articles whose extraction was never done: the task was lost or its worker died."""
    cutoff = timezone.now() - CLAIM_TIMEOUT
    stalled = Article.objects.filter(status=ArticleStatus.PENDING).filter(
        Q(fetched_at__isnull=True, created_at__lt=cutoff) | Q(fetched_at__lt=cutoff)
    )
    return list(stalled.order_by("id").values_list("id", flat=True)[:limit])


@shared_task(name="feeds.refresh_due_feeds")
def refresh_due_feeds() -> int:
    dispatched = dispatch_due_feeds()
    if dispatched:
        logger.info("Enqueued %d due feeds", len(dispatched))
    stalled = stalled_article_ids()
    if stalled:
        logger.warning("Re-queued %d articles whose extraction stalled", len(stalled))
        extract_articles.delay(stalled)
    return len(dispatched)
