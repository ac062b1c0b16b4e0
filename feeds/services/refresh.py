"""Refreshing a feed: conditional fetch, parse, and store new articles in a few batched queries."""

import logging
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus

from django.db import transaction
from django.utils import timezone

from feeds.models import Article, ArticleFeed, Feed, FeedKind, FetchStatus
from feeds.parsing import FeedParseError, NotAFeed, ParsedEntry, parse_feed
from feeds.urls_canonical import canonicalize_url, url_hash
from monitoring.metrics import count_feed_fetch
from outbound import FetchError, FetchResponse
from resilience.fetch import HostPaused, breaker_fetch

logger = logging.getLogger(__name__)

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.1"
)


@dataclass
class RefreshResult:
    feed_id: int
    status: str
    new_article_ids: list[int] = field(default_factory=list)
    entries: int = 0
    error: str = ""
    warning: str = ""

    @property
    def failed(self) -> bool:
        return self.status == FetchStatus.ERROR


def describe_status(status: int, subject: str = "feed") -> str:
    """What an HTTP error status means for a ``subject`` ("feed" or "page"), in words."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "unexpected status"
    hint = {
        401: f" The {subject} needs a login, which is not supported.",
        403: f" The server refuses to serve the {subject} to us.",
        404: f" Check the address; the {subject} may have moved.",
        410: " The feed was removed for good; consider deleting or disabling it."
        if subject == "feed"
        else " The page was removed for good.",
        429: " The server asks us to slow down; we will retry later.",
    }.get(status, " The server had a problem; we will retry later." if status >= 500 else "")
    return f"The server answered {status} {phrase}.{hint}"


def _max_age(response: FetchResponse) -> float | None:
    for directive in response.headers.get("cache-control", "").split(","):
        name, _, value = directive.strip().partition("=")
        if name.lower() == "max-age" and value.strip().isdigit():
            return float(value.strip())
    return None


def _record_failure(
    feed: Feed,
    now: datetime,
    message: str,
    *,
    http_status: int | None = None,
    retry_after: float | None = None,
) -> RefreshResult:
    feed.consecutive_failures += 1
    feed.last_fetched_at = now
    feed.last_status = FetchStatus.ERROR
    count_feed_fetch("failed")
    feed.last_http_status = http_status
    feed.last_error = message
    feed.next_fetch_at = feed.next_fetch_after(now, failed=True, retry_after=retry_after)
    feed.save(
        update_fields=[
            "consecutive_failures",
            "last_fetched_at",
            "last_status",
            "last_http_status",
            "last_error",
            "next_fetch_at",
            "updated_at",
        ]
    )
    logger.warning("Feed %s (%s) failed: %s", feed.pk, feed.url, message)
    return RefreshResult(feed.pk, FetchStatus.ERROR, error=message)


def _new_article(feed: Feed, entry: ParsedEntry, canonical: str, key: str) -> Article:
    return Article(
        organization_id=feed.organization_id,
        canonical_url=canonical,
        url_hash=key,
        original_url=entry.link,
        guid=entry.guid[:1000],
        title=entry.title,
        author=entry.author[:300],
        published_at=entry.published,
        summary=entry.summary,
    )


def store_entries(feed: Feed, entries: list[ParsedEntry]) -> list[int]:
    """Create the articles not seen before and link every entry to the feed.

    Four queries whatever the number of entries: which URLs exist, insert the new ones, read
    back their ids, link them all to the feed. Inserts ignore conflicts, so two workers
    storing the same story at once (it is in two feeds) end with one article.
    """
    by_key: dict[str, tuple[str, ParsedEntry]] = {}
    for entry in entries:
        try:
            canonical = canonicalize_url(entry.link)
        except ValueError:
            continue
        by_key.setdefault(url_hash(canonical), (canonical, entry))
    if not by_key:
        return []
    # No ORDER BY: with the model's default (-published_at) SQLite walked the whole
    # organization in that index and sorted, instead of looking each URL up in the unique
    # (organization, url_hash) index, so every refresh read every article.
    articles = Article.objects.filter(organization_id=feed.organization_id).order_by()
    existing = set(articles.filter(url_hash__in=by_key).values_list("url_hash", flat=True))
    fresh = [key for key in by_key if key not in existing]
    Article.objects.bulk_create(
        [_new_article(feed, by_key[key][1], by_key[key][0], key) for key in fresh],
        ignore_conflicts=True,
        batch_size=500,
    )
    ids = dict(articles.filter(url_hash__in=by_key).values_list("url_hash", "id"))
    ArticleFeed.objects.bulk_create(
        [ArticleFeed(article_id=article_id, feed_id=feed.pk) for article_id in ids.values()],
        ignore_conflicts=True,
        batch_size=500,
    )
    return [ids[key] for key in fresh if key in ids]


def feed_refresh(*, feed: Feed, now: datetime | None = None) -> RefreshResult:
    """Fetch ``feed`` once, store its new entries and record the outcome on the feed."""
    now = now or timezone.now()
    headers = {"Accept": FEED_ACCEPT}
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    try:
        # Through the host's shared circuit breaker: while it is open, no request is sent.
        response = breaker_fetch(feed.url, headers=headers, timeout=float(feed.fetch_timeout))
    except HostPaused as exc:
        return _record_failure(feed, now, exc.message, retry_after=exc.retry_after)
    except FetchError as exc:
        return _record_failure(feed, now, exc.message)

    if response.status == HTTPStatus.NOT_MODIFIED:
        return _record_success(feed, now, response, status=FetchStatus.NOT_MODIFIED)
    if response.status >= 400 or response.status < 200:
        retry_after = response.retry_after_seconds(now)
        return _record_failure(
            feed,
            now,
            describe_status(response.status),
            http_status=response.status,
            retry_after=retry_after if response.status in (429, 503) else None,
        )
    try:
        parsed = parse_feed(
            response.body,
            url=response.url,
            content_type=response.headers.get("content-type"),
            max_entries=feed.max_articles_per_run,
        )
    except NotAFeed as exc:
        alternates = "; ".join(url for _, url in exc.alternates[:3])
        message = exc.message + (f" Advertised feeds: {alternates}" if alternates else "")
        return _record_failure(feed, now, message, http_status=response.status)
    except FeedParseError as exc:
        return _record_failure(feed, now, exc.message, http_status=response.status)

    with transaction.atomic():
        new_ids = store_entries(feed, parsed.entries)
        if feed.kind != FeedKind.SEARCH:
            feed.kind = parsed.kind
        feed.ttl_minutes = parsed.ttl_minutes
        feed.last_warning = " ".join(parsed.warnings)
        result = _record_success(feed, now, response, status=FetchStatus.OK)
    result.new_article_ids = new_ids
    result.entries = len(parsed.entries)
    result.warning = feed.last_warning
    return result


def _record_success(
    feed: Feed, now: datetime, response: FetchResponse, *, status: str
) -> RefreshResult:
    feed.consecutive_failures = 0
    feed.last_fetched_at = now
    feed.last_status = status
    count_feed_fetch(str(status))
    feed.last_http_status = response.status
    feed.last_error = ""
    # A 304 carries the validators again only sometimes: keep the ones we had.
    feed.etag = response.headers.get("etag", feed.etag)[:500]
    feed.last_modified = response.headers.get("last-modified", feed.last_modified)[:100]
    feed.next_fetch_at = feed.next_fetch_after(now, failed=False, max_age=_max_age(response))
    # A 304 leaves what the last parse learnt (kind, ttl, warnings) as it was.
    fields = [] if status == FetchStatus.NOT_MODIFIED else ["kind", "ttl_minutes", "last_warning"]
    feed.save(
        update_fields=[
            *fields,
            "consecutive_failures",
            "last_fetched_at",
            "last_status",
            "last_http_status",
            "last_error",
            "etag",
            "last_modified",
            "next_fetch_at",
            "updated_at",
        ]
    )
    return RefreshResult(feed.pk, status)
