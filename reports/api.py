"""API routers of the reports app: reports, mentions and brands (docs/api.md).

Lists read through the same selectors as the pages (``selectors.report_list`` with
``ReportFilters``, ``selectors.brand_list``); writes call the same services. Every query is
scoped to the key's organization, so another organization's id is a 404.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from pydantic import BaseModel

from accounts.tenancy import get_object_for_request, request_organization, scoped_queryset
from api.auth import ApiKeyAuth
from api.errors import ApiError, ErrorResponse
from api.etag import detail_response
from api.pagination import ListQuery, Page, paginate
from api.params import Id, PathId, owned_rows
from reports import selectors
from reports.models import (
    Brand,
    BrandAlias,
    BrandGroup,
    Industry,
    Mention,
    Report,
    ReportStatus,
    ReviewStatus,
)
from reports.services import feedback, watchlists

ERRORS = {400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse}
LIST_ERRORS = {**ERRORS, 422: ErrorResponse, 429: ErrorResponse}
DETAIL_ERRORS = {**LIST_ERRORS, 304: None}

reports_router = Router(auth=ApiKeyAuth("reports"), tags=["reports"])
mentions_router = Router(auth=ApiKeyAuth("reports"), tags=["mentions"])
brands_router = Router(auth=ApiKeyAuth("brands"), tags=["brands"])

# Keyset orders: every field non-null, the last one unique. "published" (a nullable date) is
# the one sort of the page the API does not offer.
REPORT_SORTS = {
    name: selectors.SORTS[name] for name in ("newest", "oldest", "positive", "negative")
}


class Out(BaseModel):
    """Answers are plain pydantic models built by the views: ninja's ``Schema`` reads Django
    objects through a getter on every field, which at 100 reports a page cost more than the
    database (ninja checks a returned model's type only)."""


class Strict(Schema):
    """Request bodies refuse fields they do not know (a typo is an error, not ignored)."""

    model_config = {"extra": "forbid"}


# -- Reports ---------------------------------------------------------------------------------


class ReportQuery(ListQuery):
    q: str = Field("", max_length=200, description="Words in the title or text (websearch).")
    date_from: date | None = Field(None, description="Analysed on or after (UTC date).")
    date_to: date | None = Field(None, description="Analysed on or before (UTC date).")
    feed: Id | None = Field(None, description="Carried by this feed.")
    brand: Id | None = Field(None, description="Mentions this brand.")
    industry: Id | None = Field(None, description="Mentions a brand of this industry.")
    group: Id | None = Field(None, description="Mentions a brand of this group.")
    sentiment: Literal["positive", "neutral", "negative"] | None = None
    min_confidence: float | None = Field(None, ge=0, le=1)
    review_status: ReviewStatus | None = None
    status: ReportStatus | None = Field(
        None, description="Every status but 'excluded' when left out."
    )
    sort: Literal["newest", "oldest", "positive", "negative"] = "newest"

    def filters(self) -> selectors.ReportFilters:
        return selectors.ReportFilters(
            q=self.q,
            date_from=self.date_from,
            date_to=self.date_to,
            feed_id=self.feed,
            brand_id=self.brand,
            industry_id=self.industry,
            group_id=self.group,
            sentiment=self.sentiment or "",
            min_confidence=self.min_confidence,
            review_status=self.review_status or "",
            status=self.status or "",
            sort=self.sort,
        )


class MentionChip(Out):
    id: int
    brand_id: int
    brand_name: str
    confidence: float
    review_status: str


class ArticleOut(Out):
    id: int
    title: str
    url: str
    published_at: datetime | None
    language: str


class ReportOut(Out):
    id: int
    status: str
    analysed_at: datetime
    topic: str
    sentiment_label: str
    sentiment_score: float
    language: str
    feed_name: str | None
    article: ArticleOut
    mentions: list[MentionChip]


class MentionOut(Out):
    id: int
    report_id: int
    brand_id: int
    brand_name: str
    surface: str
    confidence: float
    sentiment: float
    evidence: str
    evidence_start: int
    evidence_end: int
    source: str
    review_status: str
    reviewed_at: datetime | None
    mentioned_at: datetime


class ReportDetail(Out):
    id: int
    status: str
    analysed_at: datetime
    topic: str
    summary: str
    sentiment_label: str
    sentiment_score: float
    language: str
    extractor: str
    model: str
    error: str
    llm_pending: bool
    excluded_rule_name: str
    article: ArticleOut
    feeds: list[str]
    mentions: list[MentionOut]


def _actor(request: HttpRequest):  # type: ignore[no-untyped-def]
    # What a key does is recorded as done by the member who created it.
    return request.api_key.created_by  # type: ignore[attr-defined]


def _article(report: Report) -> ArticleOut:
    article = report.article
    return ArticleOut(
        id=article.pk,
        title=article.title,
        url=article.canonical_url,
        published_at=article.published_at,
        language=article.language,
    )


def _mention(mention: Mention) -> MentionOut:
    return MentionOut(
        id=mention.pk,
        report_id=mention.report_id,
        brand_id=mention.brand_id,
        brand_name=mention.brand.name,
        surface=mention.surface,
        confidence=mention.confidence,
        sentiment=mention.sentiment,
        evidence=mention.evidence,
        evidence_start=mention.evidence_start,
        evidence_end=mention.evidence_end,
        source=mention.source,
        review_status=mention.review_status,
        reviewed_at=mention.reviewed_at,
        mentioned_at=mention.mentioned_at,
    )


@reports_router.get("", response={200: Page[ReportOut], **LIST_ERRORS}, summary="List reports")
def report_list(request: HttpRequest, query: Query[ReportQuery]) -> Page[ReportOut]:
    """The reports list page's filters and sorts (except "published"), newest first."""
    organization = request_organization(request)
    reports = selectors.report_list(organization, query.filters())
    ordering = REPORT_SORTS[query.sort]
    keys = reports.only(*(field.lstrip("-") for field in ordering))
    page, next_cursor = paginate(
        keys, ordering, cursor=query.cursor, limit=query.limit, context=f"reports:{query.sort}"
    )
    rows = selectors.report_rows([report.pk for report in page])
    items = [
        ReportOut(
            id=report.pk,
            status=report.status,
            analysed_at=report.analysed_at,
            topic=report.topic,
            sentiment_label=report.sentiment_label,
            sentiment_score=report.sentiment_score,
            language=report.language,
            feed_name=report.feed_name,
            article=_article(report),
            mentions=[
                MentionChip(
                    id=mention.pk,
                    brand_id=mention.brand_id,
                    brand_name=mention.brand.name,
                    confidence=mention.confidence,
                    review_status=mention.review_status,
                )
                for mention in report.mention_list
            ],
        )
        for report in rows
    ]
    return Page[ReportOut](items=items, next_cursor=next_cursor)


@reports_router.get(
    "/{int:report_id}", response={200: ReportDetail, **DETAIL_ERRORS}, summary="Get a report"
)
def report_detail(request: HttpRequest, report_id: PathId) -> HttpResponse:
    report = get_object_for_request(
        request,
        Report.objects.select_related("article").prefetch_related(
            Prefetch(
                "mentions",
                queryset=Mention.objects.select_related("brand").order_by("evidence_start", "id"),
            )
        ),
        pk=report_id,
    )
    body = ReportDetail(
        id=report.pk,
        status=report.status,
        analysed_at=report.analysed_at,
        topic=report.topic,
        summary=report.summary,
        sentiment_label=report.sentiment_label,
        sentiment_score=report.sentiment_score,
        language=report.language,
        extractor=report.extractor,
        model=report.model,
        error=report.error,
        llm_pending=report.llm_pending,
        excluded_rule_name=report.excluded_rule_name,
        article=_article(report),
        feeds=list(report.article.feeds.order_by("name").values_list("name", flat=True)),
        mentions=[_mention(mention) for mention in report.mentions.all()],
    )
    return detail_response(request, body)


# -- Mentions --------------------------------------------------------------------------------


class MentionQuery(ListQuery):
    brand: Id | None = None
    report: Id | None = None
    review_status: ReviewStatus | None = None
    min_confidence: float | None = Field(None, ge=0, le=1)
    since: datetime | None = Field(None, description="Mentioned at or after.")
    until: datetime | None = Field(None, description="Mentioned before.")


@mentions_router.get("", response={200: Page[MentionOut], **LIST_ERRORS}, summary="List mentions")
def mention_list(request: HttpRequest, query: Query[MentionQuery]) -> Page[MentionOut]:
    """Newest first."""
    mentions = scoped_queryset(request, Mention).select_related("brand")
    if query.brand:
        mentions = mentions.filter(brand_id=query.brand)
    if query.report:
        mentions = mentions.filter(report_id=query.report)
    if query.review_status:
        mentions = mentions.filter(review_status=query.review_status)
    if query.min_confidence is not None:
        mentions = mentions.filter(confidence__gte=query.min_confidence)
    if query.since:
        mentions = mentions.filter(mentioned_at__gte=query.since)
    if query.until:
        mentions = mentions.filter(mentioned_at__lt=query.until)
    page, next_cursor = paginate(
        mentions,
        ("-mentioned_at", "-id"),
        cursor=query.cursor,
        limit=query.limit,
        context="mentions",
    )
    return Page[MentionOut](items=[_mention(m) for m in page], next_cursor=next_cursor)


@mentions_router.get(
    "/{int:mention_id}", response={200: MentionOut, **DETAIL_ERRORS}, summary="Get a mention"
)
def mention_detail(request: HttpRequest, mention_id: PathId) -> HttpResponse:
    mention = get_object_for_request(
        request, Mention.objects.select_related("brand"), pk=mention_id
    )
    return detail_response(request, _mention(mention))


@mentions_router.post(
    "/{int:mention_id}/confirm", response={200: MentionOut, **LIST_ERRORS}, summary="Confirm"
)
def mention_confirm(request: HttpRequest, mention_id: PathId) -> MentionOut:
    """The mention is right; an unreviewed brand becomes tracked (as on the report page)."""
    mention = get_object_for_request(
        request, Mention.objects.select_related("brand"), pk=mention_id
    )
    return _mention(feedback.mention_confirm(mention=mention, actor=_actor(request)))


@mentions_router.post(
    "/{int:mention_id}/reject", response={200: MentionOut, **LIST_ERRORS}, summary="Reject"
)
def mention_reject(request: HttpRequest, mention_id: PathId) -> MentionOut:
    """The mention is wrong; its words are never reported as a brand again."""
    mention = get_object_for_request(
        request, Mention.objects.select_related("brand"), pk=mention_id
    )
    return _mention(feedback.mention_reject(mention=mention, actor=_actor(request)))


# -- Brands ----------------------------------------------------------------------------------


class AliasOut(Out):
    id: int
    alias: str
    source: str


class BrandOut(Out):
    id: int
    name: str
    status: str
    industry: str | None
    website: str
    wikidata_id: str
    mentions_7d: int
    mentions_30d: int


class BrandDetail(BrandOut):
    aliases: list[AliasOut]
    groups: list[str]


class BrandQuery(ListQuery):
    q: str = Field("", max_length=200, description="Words in the name or an alias.")
    status: Literal["unreviewed", "tracked", "ignored"] | None = None
    group: Id | None = None


class AliasIn(Strict):
    alias: str = Field(..., min_length=1, max_length=200)


class BrandIn(Strict):
    """A brand to track. An existing brand of the same name (or alias) is tracked and
    updated instead (200 rather than 201), as the "Track a brand" form does."""

    name: str = Field(..., min_length=1, max_length=200)
    aliases: list[str] = Field([], max_length=50)
    website: str = Field("", max_length=500)
    industry: Id | None = Field(None, description="An industry id of the organization.")
    groups: list[Id] = Field([], max_length=50, description="Brand group ids.")


class BrandPatch(Strict):
    """Only the fields sent change; ``industry: null`` clears it."""

    name: str | None = Field(None, min_length=1, max_length=200)
    status: Literal["unreviewed", "tracked", "ignored"] | None = None
    website: str | None = Field(None, max_length=500)
    industry: Id | None = None


class MergeIn(Strict):
    into: Id = Field(..., description="The brand that takes this one's mentions.")


def _brand(brand: Brand, mentions_7d: int = 0, mentions_30d: int = 0) -> BrandOut:
    return BrandOut(
        id=brand.pk,
        name=brand.name,
        status=brand.status,
        industry=brand.industry.name if brand.industry else None,
        website=brand.website,
        wikidata_id=brand.wikidata_id,
        mentions_7d=getattr(brand, "mentions_7d", mentions_7d),
        mentions_30d=getattr(brand, "mentions_30d", mentions_30d),
    )


def _live_brand(request: HttpRequest, brand_id: int) -> Brand:
    # A merged brand lives on in the brand it was merged into; its own id is gone, as on
    # the pages' lists.
    return get_object_for_request(
        request,
        selectors.brand_list(request_organization(request)).prefetch_related("aliases", "groups"),
        pk=brand_id,
    )


def _brand_detail(brand: Brand) -> BrandDetail:
    return BrandDetail(
        **_brand(brand).model_dump(),
        aliases=[AliasOut(id=a.pk, alias=a.alias, source=a.source) for a in brand.aliases.all()],
        groups=sorted(group.name for group in brand.groups.all()),
    )


@brands_router.get("", response={200: Page[BrandOut], **LIST_ERRORS}, summary="List brands")
def brand_list(request: HttpRequest, query: Query[BrandQuery]) -> Page[BrandOut]:
    """Live brands (not merged into another) by name, with their mention counts."""
    brands = selectors.brand_list(
        request_organization(request), q=query.q, status=query.status or "", group_id=query.group
    )
    page, next_cursor = paginate(
        brands, ("name", "id"), cursor=query.cursor, limit=query.limit, context="brands"
    )
    return Page[BrandOut](items=[_brand(brand) for brand in page], next_cursor=next_cursor)


@brands_router.get(
    "/{int:brand_id}", response={200: BrandDetail, **DETAIL_ERRORS}, summary="Get a brand"
)
def brand_detail(request: HttpRequest, brand_id: PathId) -> HttpResponse:
    return detail_response(request, _brand_detail(_live_brand(request, brand_id)))


@brands_router.post(
    "", response={200: BrandDetail, 201: BrandDetail, **LIST_ERRORS}, summary="Track a new brand"
)
def brand_create(request: HttpRequest, payload: BrandIn) -> Status[BrandDetail]:
    industry = (
        owned_rows(request, Industry, [payload.industry], "industry")[0]
        if payload.industry
        else None
    )
    groups = owned_rows(request, BrandGroup, payload.groups, "groups")
    brand, created = watchlists.brand_create_tracked(
        organization=request_organization(request),
        actor=_actor(request),
        name=payload.name,
        aliases=payload.aliases,
        website=payload.website,
        industry=industry,
        groups=groups,
    )
    return Status(201 if created else 200, _brand_detail(_live_brand(request, brand.pk)))


@brands_router.patch(
    "/{int:brand_id}", response={200: BrandDetail, **LIST_ERRORS}, summary="Change a brand"
)
def brand_update(request: HttpRequest, brand_id: PathId, payload: BrandPatch) -> BrandDetail:
    brand = _live_brand(request, brand_id)
    values = payload.model_dump(exclude_unset=True)
    for name in ("name", "status", "website"):
        if name in values and values[name] is None:
            raise ApiError(
                422,
                "invalid_input",
                f"{name} cannot be null.",
                details=[{"field": name, "message": "Give a value or leave the field out."}],
            )
    industry = brand.industry
    if "industry" in values:
        industry = (
            owned_rows(request, Industry, [values["industry"]], "industry")[0]
            if values["industry"]
            else None
        )
    feedback.brand_update(
        brand=brand,
        actor=_actor(request),
        name=values.get("name", brand.name),
        status=values.get("status", brand.status),
        industry=industry,
        website=values.get("website", brand.website),
    )
    return _brand_detail(_live_brand(request, brand_id))


@brands_router.post(
    "/{int:brand_id}/merge",
    response={200: BrandDetail, **LIST_ERRORS},
    summary="Merge a brand into another",
)
def brand_merge(request: HttpRequest, brand_id: PathId, payload: MergeIn) -> BrandDetail:
    """This brand's mentions, aliases and contacts move to ``into``; its own id then answers
    404. Answers the brand merged into."""
    source = _live_brand(request, brand_id)
    target = owned_rows(request, Brand, [payload.into], "into")[0]
    if target.merged_into_id is not None:
        raise ApiError(
            422,
            "invalid_input",
            "That brand was merged into another; merge into that one.",
            details=[{"field": "into", "message": "Already merged into another brand."}],
        )
    feedback.brand_merge(source=source, target=target, actor=_actor(request))
    return _brand_detail(_live_brand(request, target.pk))


@brands_router.post(
    "/{int:brand_id}/track",
    response={200: BrandDetail, **LIST_ERRORS},
    summary="Track a brand",
)
def brand_track(request: HttpRequest, brand_id: PathId) -> BrandDetail:
    brand = _live_brand(request, brand_id)
    watchlists.brand_track(brand=brand, actor=_actor(request))
    return _brand_detail(_live_brand(request, brand_id))


@brands_router.post(
    "/{int:brand_id}/ignore",
    response={200: BrandDetail, **LIST_ERRORS},
    summary="Ignore a brand",
)
def brand_ignore(request: HttpRequest, brand_id: PathId) -> BrandDetail:
    """Its next mentions are not reported (past ones stay)."""
    brand = _live_brand(request, brand_id)
    watchlists.brand_ignore(brand=brand, actor=_actor(request))
    return _brand_detail(_live_brand(request, brand_id))


@brands_router.post(
    "/{int:brand_id}/aliases",
    response={201: AliasOut, **LIST_ERRORS},
    summary="Add an alias",
)
def alias_add(request: HttpRequest, brand_id: PathId, payload: AliasIn) -> Status[AliasOut]:
    brand = _live_brand(request, brand_id)
    alias = feedback.brand_alias_add(brand=brand, alias=payload.alias, actor=_actor(request))
    return Status(201, AliasOut(id=alias.pk, alias=alias.alias, source=alias.source))


@brands_router.delete(
    "/{int:brand_id}/aliases/{int:alias_id}",
    response={204: None, **LIST_ERRORS},
    summary="Remove an alias",
)
def alias_remove(request: HttpRequest, brand_id: PathId, alias_id: PathId) -> Status[None]:
    brand = _live_brand(request, brand_id)
    alias = get_object_for_request(
        request, BrandAlias.objects.select_related("brand"), pk=alias_id, brand=brand
    )
    feedback.brand_alias_remove(alias=alias, actor=_actor(request))
    return Status(204, None)
