"""API routers of the reports app: reports and mentions (docs/api.md; brands are in
``reports/brand_api.py``).

Lists read through the same selectors as the pages (``selectors.report_list`` with
``ReportFilters``, ``selectors.brand_list``); writes call the same services. Every query is
scoped to the key's organization, so another organization's id is a 404.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from pydantic import BaseModel

from accounts.tenancy import get_object_for_request, request_organization, scoped_queryset
from api.auth import ApiKeyAuth, key_actor
from api.errors import ErrorResponse
from api.etag import detail_response
from api.pagination import ListQuery, Page, paginate
from api.params import Id, Moment, PathId, owned_rows
from reports import selectors
from reports.models import (
    Brand,
    Mention,
    Report,
    ReportStatus,
    ReviewStatus,
)
from reports.services import feedback

ERRORS = {400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse}
LIST_ERRORS = {**ERRORS, 422: ErrorResponse, 429: ErrorResponse}
DETAIL_ERRORS = {**LIST_ERRORS, 304: None}

reports_router = Router(auth=ApiKeyAuth("reports"), tags=["reports"])
mentions_router = Router(auth=ApiKeyAuth("reports"), tags=["mentions"])

# Keyset orders, the last field unique: the page's sorts, with "published" marked nullable
# (an article without a date sorts last; see api.pagination).
REPORT_SORTS = {
    **{name: selectors.SORTS[name] for name in ("newest", "oldest", "positive", "negative")},
    "published": ("-article__published_at?", "-id"),
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
    sort: Literal["newest", "oldest", "published", "positive", "negative"] = "newest"

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
    """The reports list page's filters and sorts, newest first."""
    organization = request_organization(request)
    reports = selectors.report_list(organization, query.filters())
    ordering = REPORT_SORTS[query.sort]
    fields = [field.lstrip("-").rstrip("?") for field in ordering]
    if any("__" in field for field in fields):  # "published" reads the article's date.
        reports = reports.select_related("article")
    keys = reports.only(*fields)
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
    since: Moment | None = Field(None, description="Mentioned at or after.")
    until: Moment | None = Field(None, description="Mentioned before.")


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
    return _mention(feedback.mention_confirm(mention=mention, actor=key_actor(request)))


@mentions_router.post(
    "/{int:mention_id}/reject", response={200: MentionOut, **LIST_ERRORS}, summary="Reject"
)
def mention_reject(request: HttpRequest, mention_id: PathId) -> MentionOut:
    """The mention is wrong; its words are never reported as a brand again."""
    mention = get_object_for_request(
        request, Mention.objects.select_related("brand"), pk=mention_id
    )
    return _mention(feedback.mention_reject(mention=mention, actor=key_actor(request)))


class ReassignIn(Strict):
    brand: Id = Field(..., description="The brand the mention really names.")


@mentions_router.post(
    "/{int:mention_id}/reassign", response={200: MentionOut, **LIST_ERRORS}, summary="Reassign"
)
def mention_reassign(request: HttpRequest, mention_id: PathId, payload: ReassignIn) -> MentionOut:
    """The mention names another brand: it moves there, confirmed, and its words become an
    alias of that brand. When the report already names that brand, the two become one (the
    answer is that mention)."""
    mention = get_object_for_request(
        request, Mention.objects.select_related("brand"), pk=mention_id
    )
    brand = owned_rows(request, Brand, [payload.brand], "brand")[0]
    moved = feedback.mention_reassign(mention=mention, brand=brand, actor=key_actor(request))
    return _mention(Mention.objects.select_related("brand").get(pk=moved.pk))
