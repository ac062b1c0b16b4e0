"""API router of the feeds app: list, read, create, change, delete and refresh feeds.

The same services as the feed pages (``feeds.services.feeds``), so the same rules hold: a
public http(s) address, one feed per address per organization, keyword searches built into
their URL. Another organization's feed is a 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from pydantic import BaseModel

from accounts.tenancy import get_object_for_request, request_organization, scoped_queryset
from api.auth import ApiKeyAuth
from api.errors import ApiError, ErrorResponse
from api.etag import detail_response
from api.pagination import ListQuery, Page, paginate
from api.params import PathId
from feeds.models import Feed, FeedKind
from feeds.parsing import FeedParseError, NotAFeed
from feeds.services import feeds as feed_services
from outbound import FetchError

router = Router(auth=ApiKeyAuth("feeds"), tags=["feeds"])
ERRORS = {
    400: ErrorResponse,
    401: ErrorResponse,
    403: ErrorResponse,
    404: ErrorResponse,
    422: ErrorResponse,
    429: ErrorResponse,
}


class FeedOut(BaseModel):
    id: int
    name: str
    url: str
    kind: str
    keywords: str
    language: str
    country: str
    enabled: bool
    fetch_timeout: int
    max_articles_per_run: int
    last_status: str
    last_fetched_at: datetime | None
    last_http_status: int | None
    last_error: str
    consecutive_failures: int
    next_fetch_at: datetime | None
    created_at: datetime
    updated_at: datetime


class FeedQuery(ListQuery):
    q: str = Field("", max_length=200, description="Words in the name or address.")
    enabled: bool | None = None


class FeedSettings(Schema):
    model_config = {"extra": "forbid"}

    enabled: bool = True
    fetch_timeout: int = Field(20, ge=1, le=120)
    max_articles_per_run: int = Field(50, ge=1, le=1000)


class FeedIn(FeedSettings):
    """A feed by its address (``url``), or a keyword search (``keywords``, with an optional
    ``language`` and ``country``) whose address is built for it."""

    name: str = Field(..., min_length=1, max_length=200)
    source: Literal["url", "search"] = "url"
    url: str = Field("", max_length=2000)
    keywords: str = Field("", max_length=500)
    language: str = Field("", max_length=8)
    country: str = Field("", max_length=2)


class FeedPatch(Schema):
    """Only the fields sent change."""

    model_config = {"extra": "forbid"}

    name: str | None = Field(None, min_length=1, max_length=200)
    url: str | None = Field(None, min_length=1, max_length=2000)
    keywords: str | None = Field(None, max_length=500)
    language: str | None = Field(None, max_length=8)
    country: str | None = Field(None, max_length=2)
    enabled: bool | None = None
    fetch_timeout: int | None = Field(None, ge=1, le=120)
    max_articles_per_run: int | None = Field(None, ge=1, le=1000)


class Accepted(BaseModel):
    status: str


class FeedTestIn(Schema):
    """An address (``url``), or a keyword search, to fetch and read without saving."""

    model_config = {"extra": "forbid"}

    source: Literal["url", "search"] = "url"
    url: str = Field("", max_length=2000)
    keywords: str = Field("", max_length=500)
    language: str = Field("", max_length=8)
    country: str = Field("", max_length=2)


class PreviewEntry(BaseModel):
    title: str
    link: str
    published_at: datetime | None


class Alternate(BaseModel):
    title: str
    url: str


class FeedTestOut(BaseModel):
    """``ok``: the address is a feed we can read (its first entries follow); otherwise
    ``error`` says why, and ``alternates`` lists the feeds an HTML page advertises."""

    ok: bool
    url: str
    final_url: str | None = None
    kind: str | None = None
    title: str | None = None
    total_entries: int = 0
    warnings: list[str] = []
    entries: list[PreviewEntry] = []
    error: str | None = None
    alternates: list[Alternate] = []


def _out(feed: Feed) -> FeedOut:
    return FeedOut.model_validate(feed, from_attributes=True)


def _values(payload: FeedIn) -> dict[str, object]:
    values = payload.model_dump(exclude={"source"})
    if payload.source == "search":
        # As the feed form does: the address is built from the search.
        values.update(
            kind=FeedKind.SEARCH,
            language=payload.language.lower(),
            country=payload.country.upper(),
        )
        values.pop("url")
    else:
        if not payload.url:
            raise ApiError(
                422,
                "invalid_input",
                "Give the feed's address (url), or use source 'search' with keywords.",
                details=[{"field": "url", "message": "This field is required."}],
            )
        values.update(kind=FeedKind.UNKNOWN, keywords="", language="", country="")
    return values


@router.get("", response={200: Page[FeedOut], **ERRORS}, summary="List feeds")
def feed_list(request: HttpRequest, query: Query[FeedQuery]) -> Page[FeedOut]:
    """By name."""
    feeds = scoped_queryset(request, Feed)
    if query.q.strip():
        words = query.q.strip()
        feeds = feeds.filter(Q(name__icontains=words) | Q(url__icontains=words))
    if query.enabled is not None:
        feeds = feeds.filter(enabled=query.enabled)
    page, next_cursor = paginate(
        feeds, ("name", "id"), cursor=query.cursor, limit=query.limit, context="feeds"
    )
    return Page[FeedOut](items=[_out(feed) for feed in page], next_cursor=next_cursor)


@router.get("/{int:feed_id}", response={200: FeedOut, 304: None, **ERRORS}, summary="Get a feed")
def feed_detail(request: HttpRequest, feed_id: PathId) -> HttpResponse:
    return detail_response(request, _out(get_object_for_request(request, Feed, pk=feed_id)))


@router.post("/test", response={200: FeedTestOut, **ERRORS}, summary="Test a feed address")
def feed_test(request: HttpRequest, payload: FeedTestIn) -> FeedTestOut:
    """Fetches the address now (as the feed form's "Test feed" button) and saves nothing: the
    first entries, or why it cannot be read as a feed."""
    if payload.source == "search":
        url = feed_services.search_feed_url(
            keywords=payload.keywords,
            language=payload.language.lower(),
            country=payload.country.upper(),
        )
    elif payload.url:
        url = payload.url
    else:
        raise ApiError(
            422,
            "invalid_input",
            "Give the address to test (url), or use source 'search' with keywords.",
            details=[{"field": "url", "message": "This field is required."}],
        )
    try:
        preview = feed_services.feed_preview(url=url)
    except NotAFeed as error:
        return FeedTestOut(
            ok=False,
            url=url,
            error=error.message,
            alternates=[Alternate(title=title, url=href) for title, href in error.alternates],
        )
    except (FetchError, FeedParseError) as error:
        return FeedTestOut(ok=False, url=url, error=error.message)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            raise  # The address rule (a private address, credentials): the input is wrong.
        return FeedTestOut(ok=False, url=url, error=" ".join(error.messages))
    parsed = preview.feed
    return FeedTestOut(
        ok=True,
        url=url,
        final_url=preview.final_url,
        kind=parsed.kind,
        title=parsed.title,
        total_entries=parsed.total_entries,
        warnings=parsed.warnings,
        entries=[
            PreviewEntry(title=entry.title, link=entry.link, published_at=entry.published)
            for entry in parsed.entries
        ],
    )


@router.post("", response={201: FeedOut, 409: ErrorResponse, **ERRORS}, summary="Add a feed")
def feed_create(request: HttpRequest, payload: FeedIn) -> Status[FeedOut]:
    feed = feed_services.feed_create(organization=request_organization(request), **_values(payload))
    return Status(201, _out(feed))


@router.patch("/{int:feed_id}", response={200: FeedOut, **ERRORS}, summary="Change a feed")
def feed_update(request: HttpRequest, feed_id: PathId, payload: FeedPatch) -> FeedOut:
    """A keyword-search feed takes ``keywords``, ``language`` and ``country`` (its address is
    rebuilt); any other feed takes ``url``."""
    feed = get_object_for_request(request, Feed, pk=feed_id)
    values = payload.model_dump(exclude_unset=True)
    search_fields = {"keywords", "language", "country"} & set(values)
    if feed.kind == FeedKind.SEARCH and "url" in values:
        raise ApiError(
            422,
            "invalid_input",
            "A keyword-search feed's address is built from its keywords; change those.",
            details=[{"field": "url", "message": "Not allowed for a keyword-search feed."}],
        )
    if feed.kind != FeedKind.SEARCH and search_fields:
        raise ApiError(
            422,
            "invalid_input",
            "Only keyword-search feeds have keywords, language and country.",
            details=[{"field": f, "message": "Not allowed for this feed."} for f in search_fields],
        )
    for name in [name for name, value in values.items() if value is None]:
        raise ApiError(
            422,
            "invalid_input",
            f"{name} cannot be null.",
            details=[{"field": name, "message": "Give a value or leave the field out."}],
        )
    enabled = values.pop("enabled", None)
    if "language" in values:
        values["language"] = values["language"].lower()
    if "country" in values:
        values["country"] = values["country"].upper()
    if values:
        feed = feed_services.feed_update(feed=feed, **values)
    if enabled is not None and enabled != feed.enabled:
        # Through the service the toggle uses: re-enabling forgets the old backoff.
        feed = feed_services.feed_set_enabled(feed=feed, enabled=enabled)
    return _out(feed)


@router.delete("/{int:feed_id}", response={204: None, **ERRORS}, summary="Delete a feed")
def feed_delete(request: HttpRequest, feed_id: PathId) -> Status[None]:
    """Its articles and their reports stay."""
    feed_services.feed_delete(feed=get_object_for_request(request, Feed, pk=feed_id))
    return Status(204, None)


@router.post(
    "/{int:feed_id}/refresh",
    response={202: Accepted, 503: ErrorResponse, **ERRORS},
    summary="Refresh a feed now",
)
def feed_refresh(request: HttpRequest, feed_id: PathId) -> Status[Accepted]:
    """Queues a fetch of the feed now; new articles appear as it is read and analysed."""
    feed = get_object_for_request(request, Feed, pk=feed_id)
    try:
        feed_services.feed_refresh_enqueue(feed=feed)
    except feed_services.QueueUnavailable:
        raise ApiError(
            503,
            "queue_unavailable",
            "The task queue is not answering; try again in a minute.",
            headers={"Retry-After": "60"},
        ) from None
    return Status(202, Accepted(status="queued"))
