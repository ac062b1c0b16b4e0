"""Extracting article text: fetch pages with bounded concurrency, extract, dedupe, save in bulk.

Network waits run in a small thread pool (per worker process), with at most a few requests
to any one host at a time so we stay polite. Extraction, which is CPU work that holds the GIL,
runs in the calling thread: eight threads taking turns on one GIL only added switching and
cache misses (~0.5 ms of CPU per article). Whether the pool fetches ahead *while* this thread
extracts depends on the network (see _fetched). Extraction never touches the database;
claiming the batch, finding duplicates and saving results are a handful of queries per batch.
"""

import logging
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.briefing_cache import briefing_changed
from feeds.extraction import (
    ExtractedArticle,
    extract_article,
    normalize_text,
    normalized_content_hash,
)
from feeds.models import Article, ArticleFeed, ArticleStatus
from feeds.services.refresh import describe_status
from feeds.similarity import (
    fingerprint_array,
    is_near_duplicate,
    near_duplicates,
    simhash_of_normalized,
)
from monitoring.metrics import count_article_page
from outbound import FetchError, FetchResponse, fetch

logger = logging.getLogger(__name__)

PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
# A page without a Content-Type is given a chance: many small sites omit it.
HTML_TYPES = {"text/html", "application/xhtml+xml", None}
# A claim older than this is considered abandoned (its worker died) and may be taken again.
CLAIM_TIMEOUT = timedelta(minutes=15)
# Near-duplicates are looked for among this many recent articles of the organization.
NEAR_DUPLICATE_WINDOW = timedelta(days=3)
NEAR_DUPLICATE_CANDIDATES = 5000
# Pages that took longer than this each to arrive were waiting on the network, and fetching
# the next ones during extraction hides that wait. A nearby site answers in well under 1 ms.
NETWORK_BOUND_SECONDS_PER_PAGE = 0.002


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
        with self._lock:
            return self._semaphores[host_of(url)]

    def lanes(self, urls: Iterable[str]) -> int:
        """How many of these URLs can be fetched at once: up to the limit for each host."""
        per_host = Counter(map(host_of, urls))
        return sum(min(self._limit, count) for count in per_host.values())


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _page_url(article: Article) -> str:
    return article.original_url or article.canonical_url


_host_limiter = HostLimiter(settings.FEEDS_PER_HOST_CONCURRENCY)


def _fetch_page(article: Article, timeout: float) -> FetchResponse | FetchError:
    """Runs in the pool: only the network part, so the threads mostly wait on sockets."""
    url = _page_url(article)
    try:
        with _host_limiter.for_url(url):
            return fetch(url, headers={"Accept": PAGE_ACCEPT}, timeout=timeout)
    except FetchError as exc:
        return exc


def _extract_page(article: Article, response: FetchResponse | FetchError) -> PageOutcome:
    url = _page_url(article)
    if isinstance(response, FetchError):
        return _counted(
            "fetch_failed", article, f"The page could not be fetched: {response.message}"
        )
    if response.status >= 400:
        return _counted("http_error", article, describe_status(response.status, "page"))
    if response.content_type not in HTML_TYPES:
        return _counted(
            "not_html",
            article,
            f"The page is not HTML ({response.content_type}); kept the summary.",
        )
    try:
        extracted = extract_article(response.body, url=response.url, encoding=response.charset)
    except SoftTimeLimitExceeded:
        raise  # The run's time limit, raised wherever it finds the run: not the page's fault.
    except Exception:  # A hostile page must not stop the batch; the reason is recorded.
        logger.exception("Extraction crashed on %s", url)
        return _counted(
            "extraction_error", article, "The page could not be read (extraction error)."
        )
    if extracted is None:
        return _counted(
            "no_text", article, "No article text found on the page (paywall or empty page)."
        )
    count_article_page("extracted")
    return PageOutcome(article, extracted=extracted)


def _counted(outcome: str, article: Article, reason: str) -> PageOutcome:
    count_article_page(outcome)
    return PageOutcome(article, reason=reason)


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
    normalized = normalize_text(body)  # once for both fingerprints
    article.content_hash = normalized_content_hash(normalized)
    article.simhash = simhash_of_normalized(normalized) if body else None


def _feed_ids_of(article_ids: Iterable[int]) -> defaultdict[int, set[int]]:
    """The feeds each article was seen in, as ids (no Feed instance per link)."""
    feeds: defaultdict[int, set[int]] = defaultdict(set)
    links = ArticleFeed.objects.filter(article_id__in=list(article_ids))
    for article_id, feed_id in links.values_list("article_id", "feed_id"):
        feeds[article_id].add(feed_id)
    return feeds


def _exact_originals(
    organization_id: int, articles: list[Article], batch_ids: list[int]
) -> dict[str, int]:
    """content_hash -> the oldest stored original with that exact text.

    Status and duplicate_of are checked here, not in SQL: with them in the WHERE clause
    SQLite walked the whole (organization, status) index and read every extracted row (14 ms
    per batch at 10,000 articles) instead of looking the hashes up in (organization,
    content_hash).
    """
    hashes = {a.content_hash for a in articles if a.content_hash}
    same_text = Article.objects.filter(organization_id=organization_id, content_hash__in=hashes)
    same_text = same_text.exclude(pk__in=batch_ids).order_by()  # no sort: min() below
    originals: dict[str, int] = {}
    for content_hash, article_id, status, duplicate_of_id in same_text.values_list(
        "content_hash", "id", "status", "duplicate_of_id"
    ):
        if status == ArticleStatus.EXTRACTED and duplicate_of_id is None:
            originals[content_hash] = min(article_id, originals.get(content_hash, article_id))
    return originals


def _stored_near_copies(
    organization_id: int, articles: list[Article], batch_ids: list[int]
) -> dict[int, list[int]]:
    """article id -> ids of recent stored originals whose fingerprint is near its own.

    The newest originals with a fingerprint are read from article_near_copy_idx alone:
    walked newest first, it stops at the limit. Only (id, simhash) is read; the feeds of a
    candidate are looked up by the caller, for the few that match.
    """
    candidates = (
        Article.objects.filter(
            organization_id=organization_id,
            status=ArticleStatus.EXTRACTED,
            created_at__gte=timezone.now() - NEAR_DUPLICATE_WINDOW,
            duplicate_of__isnull=True,
            simhash__isnull=False,
        )
        .exclude(pk__in=batch_ids)
        .order_by("-created_at")
        .values_list("id", "simhash")[:NEAR_DUPLICATE_CANDIDATES]
    )
    rows = list(candidates)
    stored_ids = [article_id for article_id, _ in rows]
    stored = fingerprint_array(fingerprint for _, fingerprint in rows)
    return {
        article.pk: [stored_ids[position] for position in near_duplicates(article.simhash, stored)]
        for article in articles
        if article.simhash is not None
    }


def _mark_duplicates(organization_id: int, articles: list[Article]) -> None:
    """Point syndicated copies at their original, so they are never analysed twice.

    Same normalised text anywhere in the organization, or near-identical text (SimHash) in
    an article that was seen in none of this article's feeds. Only extracted texts count: a
    feed's fallback summary is often generic ("Read more…") and would merge distinct stories.
    The original is the oldest (lowest id) match: the first copy stored.
    """
    articles = [a for a in articles if a.status == ArticleStatus.EXTRACTED]
    if not articles:
        return
    batch_ids = [a.pk for a in articles]
    feeds_of = _feed_ids_of(batch_ids)
    originals = _exact_originals(organization_id, articles, batch_ids)
    near = _stored_near_copies(
        organization_id, [a for a in articles if a.content_hash not in originals], batch_ids
    )
    # A candidate in no feed any more (its feed was deleted) is not taken as an original;
    # one query for the feeds of every match, none when nothing matched (the usual case).
    matched = {candidate for matches in near.values() for candidate in matches}
    candidate_feeds = _feed_ids_of(matched) if matched else defaultdict(set)
    # Originals found earlier in this batch (ascending ids, like the batch itself).
    in_batch: list[tuple[int, int, set[int]]] = []

    for article in articles:
        original_id = originals.get(article.content_hash)
        own_feeds = feeds_of[article.pk]
        if original_id is None and article.simhash is not None:
            stored_matches = [
                candidate
                for candidate in near.get(article.pk, ())
                if candidate_feeds[candidate] and not candidate_feeds[candidate] & own_feeds
            ]
            batch_match = next(
                (
                    candidate_id
                    for candidate_id, fingerprint, feeds in in_batch
                    if not feeds & own_feeds and is_near_duplicate(article.simhash, fingerprint)
                ),
                None,
            )
            # A concurrent worker may have stored newer ids than this batch's.
            found = stored_matches + ([batch_match] if batch_match is not None else [])
            original_id = min(found, default=None)
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
                in_batch.append((article.pk, article.simhash, own_feeds))


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


def articles_extract(
    *, article_ids: Iterable[int], timeout: float = 20.0, claimed_at: datetime | None = None
) -> list[Article]:
    """Extract the text of the given pending articles; returns the articles processed.

    ``claimed_at`` is the claim token: a caller that tries a batch again after a failure (the
    database went away before the results were saved) passes the same one, and gets back the
    articles it had claimed instead of finding them held by a live worker (itself).
    """
    now = claimed_at or timezone.now()
    articles = _claim(article_ids, now)
    if not articles:
        return []
    outcomes = _fetch_and_extract_all(articles, timeout)
    for outcome in outcomes:
        _apply(outcome)
    by_organization: dict[int, list[Article]] = defaultdict(list)
    for article in articles:
        by_organization[article.organization_id].append(article)
    for organization_id, group in by_organization.items():
        _mark_duplicates(organization_id, group)
    _save(articles)
    return articles


def _fetch_and_extract_all(articles: list[Article], timeout: float) -> list[PageOutcome]:
    """Fetch in the pool, extract here, in order."""
    concurrency = max(1, min(settings.FEEDS_EXTRACT_CONCURRENCY, len(articles)))
    # No more threads than can fetch at once: a batch from one site gets two, not eight of
    # which six would only wait for the host limit (and wake, and take the GIL, for nothing).
    threads = max(1, min(concurrency, _host_limiter.lanes(map(_page_url, articles))))
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="extract") as pool:
        pages = _fetched(pool, articles, timeout, window=2 * concurrency)
        return [_extract_page(article, response) for article, response in pages]


Fetched = tuple[Article, FetchResponse | FetchError]


def _fetched(
    pool: ThreadPoolExecutor, articles: list[Article], timeout: float, *, window: int
) -> Iterator[Fetched]:
    """Each article with its page, in order; at most ``window`` + 1 pages in memory or in flight.

    Fetching while the caller extracts is not free: a fetch takes the GIL several times
    (connect, send, each read), and each time it interrupts extraction with a forced switch,
    which cost ~0.3 ms of CPU per page in the ingest benchmark, 5 % of all the work. That
    buys time only while pages are on their way over the network. So a window is fetched
    while nothing else runs, and timed. As long as its pages arrive faster than
    NETWORK_BOUND_SECONDS_PER_PAGE each, the next window goes out only while the last page
    of this one is extracted, and the others are extracted undisturbed. From the first
    window slower than that, the pool keeps ``window`` fetches in flight while pages are
    extracted, for the rest of the batch.
    """
    pending: deque[tuple[Article, Future[FetchResponse | FetchError]]] = deque()
    upcoming = iter(articles)

    def fill() -> None:
        for article in upcoming:
            pending.append((article, pool.submit(_fetch_page, article, timeout)))
            if len(pending) >= window:
                return

    try:
        fill()
        overlap = False
        while pending:
            if overlap:
                article, future = pending.popleft()
                fill()  # back to a full window in flight before this page is extracted
                yield article, future.result()
            else:
                started = time.monotonic()
                wait([future for _, future in pending])
                waited = time.monotonic() - started
                if waited > NETWORK_BOUND_SECONDS_PER_PAGE * len(pending):
                    overlap = True  # these pages, too, are extracted while the next arrive
                    continue
                *ready, last = [(article, future.result()) for article, future in pending]
                pending.clear()
                yield from ready
                # Sent while the last page is extracted, the next window's requests are
                # answered meanwhile instead of while this thread waits; their reads mostly
                # queue for the GIL until that page is done, not interrupting page after page.
                fill()
                yield last
    finally:
        for _, future in pending:  # an error here: do not fetch what nobody will read
            future.cancel()


def _save(articles: list[Article]) -> None:
    """One ``UPDATE ... WHERE id = %s`` run with executemany, in one transaction.

    Same effect as ``bulk_update(articles, SAVED_FIELDS)`` (no signals, no auto fields) and
    still one query in Django's count, but bulk_update builds a ``CASE WHEN`` expression per
    field and article, which cost more CPU than extracting the page's metadata did.
    """
    connection = connections[router.db_for_write(Article)]
    quote = connection.ops.quote_name
    fields = [Article._meta.get_field(name) for name in SAVED_FIELDS]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    # Only quoted table and column names from the model go into the text; values are params.
    sql = (
        f"UPDATE {quote(Article._meta.db_table)} SET {assignments}"  # noqa: S608
        f" WHERE {quote(Article._meta.pk.column)} = %s"
    )
    params = [
        [field.get_db_prep_save(getattr(article, field.attname), connection) for field in fields]
        + [article.pk]
        for article in articles
    ]
    with transaction.atomic(using=connection.alias, savepoint=False), connection.cursor() as cur:
        cur.executemany(sql, params)
        # Raw SQL sends no signal: titles, dates and copies are on the dashboard.
        briefing_changed(*{article.organization_id for article in articles})
