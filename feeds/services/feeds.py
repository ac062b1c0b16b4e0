"""Creating, changing and previewing feeds."""

import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import Organization
from accounts.quotas import quota_check
from feeds.models import Feed, FeedKind
from feeds.parsing import ParsedFeed, parse_feed
from feeds.services.refresh import FEED_ACCEPT, describe_status
from feeds.urls_canonical import build_search_feed_url
from outbound import FetchError, fetch
from outbound.validators import validate_public_url

PREVIEW_ENTRIES = 10
EDITABLE_FIELDS = (
    "name",
    "url",
    "kind",
    "keywords",
    "language",
    "country",
    "enabled",
    "fetch_timeout",
    "max_articles_per_run",
)

logger = logging.getLogger(__name__)


def search_feed_url(*, keywords: str, language: str, country: str) -> str:
    try:
        return build_search_feed_url(keywords, language, country)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


def _check_unique_url(feed: Feed) -> None:
    clash = (
        Feed.objects.filter(organization_id=feed.organization_id, url=feed.url)
        .exclude(pk=feed.pk)
        .first()
    )
    if clash is not None:
        raise ValidationError({"url": f"This organization already watches this feed ({clash})."})


def _save(feed: Feed, update_fields: list[str] | None = None) -> Feed:
    if feed.kind == FeedKind.SEARCH:
        feed.url = search_feed_url(
            keywords=feed.keywords, language=feed.language, country=feed.country
        )
    feed.full_clean(exclude=["organization"])
    _check_unique_url(feed)
    try:
        with transaction.atomic():
            feed.save(update_fields=update_fields)
    except IntegrityError:  # A concurrent save of the same URL won the race.
        raise ValidationError({"url": "This organization already watches this feed."}) from None
    return feed


@transaction.atomic  # quota_check locks the organization until the feed is saved
def feed_create(*, organization: Organization, **values: object) -> Feed:
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown feed fields: {sorted(unknown)}")
    quota_check(organization, "feeds")
    return _save(Feed(organization=organization, **values))


def feed_update(*, feed: Feed, **values: object) -> Feed:
    old_url = feed.url
    for name, value in values.items():
        if name not in EDITABLE_FIELDS:
            raise TypeError(f"Unknown feed field: {name}")
        setattr(feed, name, value)
    if feed.kind == FeedKind.SEARCH:
        feed.url = search_feed_url(
            keywords=feed.keywords, language=feed.language, country=feed.country
        )
    fields = [*values, "url", "updated_at"]
    if feed.url != old_url:
        # A new address starts afresh: old validators and errors belong to the old one.
        # Renaming a feed (the form always sends the URL) keeps its fetch state.
        feed.etag = feed.last_modified = ""
        feed.next_fetch_at = None
        fields += ["etag", "last_modified", "next_fetch_at"]
    return _save(feed, update_fields=sorted(set(fields)))


def feed_set_enabled(*, feed: Feed, enabled: bool) -> Feed:
    feed.enabled = enabled
    if enabled:
        # Re-enabled: fetch at the next opportunity and forget the old backoff.
        feed.next_fetch_at = None
        feed.consecutive_failures = 0
    feed.save(update_fields=["enabled", "next_fetch_at", "consecutive_failures", "updated_at"])
    return feed


def feed_delete(*, feed: Feed) -> None:
    # Articles stay: they may be in other feeds, and their reports are the organization's.
    feed.delete()


@dataclass
class Preview:
    feed: ParsedFeed
    final_url: str


# "Test feed" runs inside a web request: the user waits for it, and so does a web worker, so
# it gets a short bound of its own instead of the 20 s a background refresh may take.
PREVIEW_TIMEOUT_SECONDS = 8.0


def feed_preview(*, url: str, timeout: float = PREVIEW_TIMEOUT_SECONDS) -> Preview:
    """Fetch and parse ``url`` without saving anything (the form's "Test feed" button).

    Raises outbound.FetchError, feeds.parsing.NotAFeed / FeedParseError, or ValidationError
    for an HTTP error status; each carries a message for the user.
    """
    # The address rule of a saved feed (Feed.clean), as a "url" field error, before fetching.
    validate_public_url(url, field="url")
    response = fetch(url, headers={"Accept": FEED_ACCEPT}, timeout=timeout)
    if response.status >= 400:
        raise ValidationError(describe_status(response.status))
    parsed = parse_feed(
        response.body,
        url=response.url,
        content_type=response.headers.get("content-type"),
        max_entries=PREVIEW_ENTRIES,
    )
    return Preview(feed=parsed, final_url=response.url)


__all__ = [
    "FetchError",
    "Preview",
    "feed_create",
    "feed_delete",
    "feed_preview",
    "feed_set_enabled",
    "feed_update",
    "search_feed_url",
]


class QueueUnavailable(Exception):
    """The broker did not take the task: nothing was queued."""


def feed_refresh_enqueue(*, feed: Feed) -> None:
    """Queue a fetch of ``feed`` now, for the page's "Refresh now" and the API.

    Sent now, not on commit: a broker that is down must be reported to whoever asked.
    Raises :class:`QueueUnavailable` when the broker does not answer.
    """
    from kombu.exceptions import OperationalError as BrokerError

    from feeds.tasks import refresh_feed

    try:
        refresh_feed.apply_async(args=[feed.pk], retry=False)
    except (BrokerError, OSError) as exc:
        logger.exception("Could not enqueue a refresh of feed %s", feed.pk)
        raise QueueUnavailable from exc
