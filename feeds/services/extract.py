"""Extracting article text: fetch pages with bounded concurrency, extract, dedupe, save in bulk.

Network waits run in a small thread pool (per worker process), with at most a few requests
to any one host at a time so we stay polite. Extraction never touches the database; claiming
the batch, finding duplicates and saving results are a handful of queries per batch.
"""

import logging
import threading
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from feeds.extraction import ExtractedArticle, content_hash, extract_article
from feeds.models import Article, ArticleFeed, ArticleStatus
from feeds.services.refresh import describe_status
from feeds.similarity import is_near_duplicate, simhash
from outbound import FetchError, fetch

logger = logging.getLogger(__name__)

PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
# A page without a Content-Type is given a chance: many small sites omit it.
HTML_TYPES = {"text/html", "application/xhtml+xml", None}
# A claim older than this is considered abandoned (its worker died) and may be taken again.
CLAIM_TIMEOUT = timedelta(minutes=15)
# Near-duplicates are looked for among this many recent articles of the organization.
NEAR_DUPLICATE_WINDOW = timedelta(days=3)
NEAR_DUPLICATE_CANDIDATES = 5000


@dataclass
class PageOutcome:
    article: Article
    extracted: ExtractedArticle | None = None
    reason: str = ""


class HostLimiter:
    """At most ``limit`` requests in flight to one host from this process."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._lock = threading.Lock()
        self._semaphores: dict[str, threading.BoundedSemaphore] = defaultdict(
            lambda: threading.BoundedSemaphore(self._limit)
        )

    def for_url(self, url: str) -> threading.BoundedSemaphore:
        host = (urlsplit(url).hostname or "").lower()
        with self._lock:
            return self._semaphores[host]


_host_limiter = HostLimiter(settings.FEEDS_PER_HOST_CONCURRENCY)


def _fetch_and_extract(article: Article, timeout: float) -> PageOutcome:
    url = article.original_url or article.canonical_url
    try:
        with _host_limiter.for_url(url):
            response = fetch(url, headers={"Accept": PAGE_ACCEPT}, timeout=timeout)
    except FetchError as exc:
        return PageOutcome(article, reason=f"The page could not be fetched: {exc.message}")
    if response.status >= 400:
        return PageOutcome(article, reason=describe_status(response.status))
    if response.content_type not in HTML_TYPES:
        return PageOutcome(
            article, reason=f"The page is not HTML ({response.content_type}); kept the summary."
        )
    try:
        extracted = extract_article(response.body, url=response.url, encoding=response.charset)
    except Exception:  # A hostile page must not stop the batch; the reason is recorded.
        logger.exception("Extraction crashed on %s", url)
        return PageOutcome(article, reason="The page could not be read (extraction error).")
    if extracted is None:
        return PageOutcome(
            article, reason="No article text found on the page (paywall or empty page)."
        )
    return PageOutcome(article, extracted=extracted)


def _claim(article_ids: Iterable[int], now: datetime) -> list[Article]:
    """Take the pending articles no live worker holds; ``now`` doubles as the claim token."""
    ids = list(article_ids)
    available = Q(fetched_at__isnull=True) | Q(fetched_at__lt=now - CLAIM_TIMEOUT)
    Article.objects.filter(available, pk__in=ids, status=ArticleStatus.PENDING).update(
        fetched_at=now
    )
    return list(
        Article.objects.filter(pk__in=ids, status=ArticleStatus.PENDING, fetched_at=now)
        # Oldest first, so within a batch the first copy of a story is the original.
        .order_by("id")
        .prefetch_related("feeds")
    )


def _apply(outcome: PageOutcome) -> None:
    article, extracted = outcome.article, outcome.extracted
    if extracted is not None:
        article.text = extracted.text
        article.title = article.title or extracted.title
        article.author = article.author or extracted.author[:300]
        article.published_at = article.published_at or extracted.published
        article.language = extracted.language[:16]
        article.word_count = extracted.word_count
        article.status = ArticleStatus.EXTRACTED
        article.status_reason = ""
    else:
        # The feed's summary stands in; the article page shows why.
        article.status = ArticleStatus.FAILED
        article.status_reason = outcome.reason
        article.word_count = len(article.summary.split())
    body = article.display_text
    article.content_hash = content_hash(body)
    article.simhash = simhash(body) if body else None


def _mark_duplicates(organization_id: int, articles: list[Article]) -> None:
    """Point syndicated copies at their original, so they are never analysed twice.

    Same normalised text anywhere in the organization, or near-identical text (SimHash) in
    an article that was seen in none of this article's feeds. Only extracted texts count: a
    feed's fallback summary is often generic ("Read more…") and would merge distinct stories.
    """
    articles = [a for a in articles if a.status == ArticleStatus.EXTRACTED]
    if not articles:
        return
    batch_ids = [a.pk for a in articles]
    hashes = {a.content_hash for a in articles if a.content_hash}
    originals = dict(
        Article.objects.filter(organization_id=organization_id, content_hash__in=hashes)
        .exclude(pk__in=batch_ids)
        .filter(duplicate_of__isnull=True, status=ArticleStatus.EXTRACTED)
        .order_by("-id")
        .values_list("content_hash", "id")
    )
    since = timezone.now() - NEAR_DUPLICATE_WINDOW
    candidates: dict[int, tuple[int, set[int]]] = {}
    rows = (
        ArticleFeed.objects.filter(
            article__organization_id=organization_id,
            article__created_at__gte=since,
            article__simhash__isnull=False,
            article__duplicate_of__isnull=True,
            article__status=ArticleStatus.EXTRACTED,
        )
        .exclude(article_id__in=batch_ids)
        .order_by("-article_id")
        .values_list("article_id", "article__simhash", "feed_id")[:NEAR_DUPLICATE_CANDIDATES]
    )
    for article_id, fingerprint, feed_id in rows:
        candidates.setdefault(article_id, (fingerprint, set()))[1].add(feed_id)

    for article in articles:
        original_id = originals.get(article.content_hash)
        if original_id is None and article.simhash is not None:
            own_feeds = {feed.pk for feed in article.feeds.all()}
            original_id = next(
                (
                    candidate_id
                    # Oldest first: the original is the first one we stored.
                    for candidate_id, (fingerprint, feeds) in sorted(candidates.items())
                    if not feeds & own_feeds and is_near_duplicate(article.simhash, fingerprint)
                ),
                None,
            )
        if original_id is not None:
            article.duplicate_of_id = original_id
            article.status = ArticleStatus.SKIPPED
            article.status_reason = (
                "A syndicated copy of another article; it is not analysed again."
            )
        else:
            # Later articles in the same batch may be copies of this one.
            originals.setdefault(article.content_hash, article.pk)
            if article.simhash is not None:
                feeds = {feed.pk for feed in article.feeds.all()}
                candidates[article.pk] = (article.simhash, feeds)


SAVED_FIELDS = [
    "text",
    "title",
    "author",
    "published_at",
    "language",
    "word_count",
    "status",
    "status_reason",
    "content_hash",
    "simhash",
    "duplicate_of",
]


def articles_extract(*, article_ids: Iterable[int], timeout: float = 20.0) -> list[Article]:
    """Extract the text of the given pending articles; returns the articles processed."""
    now = timezone.now()
    articles = _claim(article_ids, now)
    if not articles:
        return []
    workers = max(1, min(settings.FEEDS_EXTRACT_CONCURRENCY, len(articles)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="extract") as pool:
        outcomes = list(pool.map(lambda a: _fetch_and_extract(a, timeout), articles))
    for outcome in outcomes:
        _apply(outcome)
    by_organization: dict[int, list[Article]] = defaultdict(list)
    for article in articles:
        by_organization[article.organization_id].append(article)
    for organization_id, group in by_organization.items():
        _mark_duplicates(organization_id, group)
    Article.objects.bulk_update(articles, SAVED_FIELDS, batch_size=200)
    return articles
