"""The columns of report, mention and brand exports (django-import-export resources).

The app's export pages write these row by row (``reports.exports.writer``); the admin's
export uses them through import-export as they are, with an organization column added.
Times are written in the current time zone (the writer activates the organization's);
every cell passes the formula rule of ``marketing_hunting.spreadsheets``."""

from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from import_export import fields, widgets

from feeds.models import ArticleFeed
from marketing_hunting.spreadsheets import FormulaSafeResource
from reports.models import Brand, BrandAlias, BrandStatus, Mention, Report

TIME_FORMAT = "%Y-%m-%d %H:%M"
LIST_SEPARATOR = "; "
CHUNK_ROWS = 2000  # Rows fetched per database round trip (prefetches run per chunk too).


class ScoreWidget(widgets.Widget):
    """A number with a fixed number of decimals in text files; a number in XLSX."""

    def __init__(self, places: int = 2) -> None:
        super().__init__()
        self.places = places

    def render(self, value: Any, obj: object = None, **kwargs: Any) -> Any:
        if value is None:
            return ""
        if kwargs.get("force_native_type"):
            return round(float(value), self.places)
        return f"{value:.{self.places}f}"


class TextWidget(widgets.Widget):
    """None is an empty cell, never the word "None"."""

    def render(self, value: Any, obj: object = None, **kwargs: Any) -> str:
        return "" if value is None else str(value)


def _text(attribute: str, column: str | None = None) -> fields.Field:
    return fields.Field(
        attribute=attribute, column_name=column or attribute, widget=TextWidget(), readonly=True
    )


def _time(attribute: str, column: str) -> fields.Field:
    return fields.Field(
        attribute=attribute,
        column_name=column,
        widget=widgets.DateTimeWidget(TIME_FORMAT),
        readonly=True,
    )


def _score(attribute: str, column: str, places: int = 2) -> fields.Field:
    return fields.Field(
        attribute=attribute, column_name=column, widget=ScoreWidget(places), readonly=True
    )


def _brand_names(report_ids: list[int]) -> dict[int, list[str]]:
    """The brands each report names, best confidence first, as the reports list shows them
    (an ignored brand is not reported any more). Plain values in one query per chunk of
    rows: prefetching Mention and Brand objects was a third of a large export's time."""
    names: dict[int, list[str]] = {report_id: [] for report_id in report_ids}
    rows = (
        Mention.objects.filter(report_id__in=report_ids)
        .exclude(brand__status=BrandStatus.IGNORED)
        .order_by("report_id", "-confidence", "id")
        .values_list("report_id", "brand__name")
    )
    for report_id, name in rows:
        names[report_id].append(name)
    return names


class ExportResource(FormulaSafeResource):
    def iter_queryset(self, queryset: QuerySet | Iterable) -> Iterator:
        """A chunked server-side cursor. import-export pages a queryset that prefetches with
        OFFSET, 100 rows at a time: each page re-reads all the rows before it, which at
        50,000 reports took minutes (the admin's export runs through here too)."""
        if isinstance(queryset, QuerySet):
            yield from queryset.iterator(chunk_size=CHUNK_ROWS)
        else:
            yield from queryset


class ReportResource(ExportResource):
    id = _text("id", "report_id")
    analysed_at = _time("analysed_at", "analysed_at")
    published_at = _time("article__published_at", "published_at")
    title = _text("article__title", "title")
    url = _text("article__canonical_url", "url")
    feed = _text("feed_name", "feed")
    language = _text("language")
    topic = _text("topic")
    summary = _text("summary")
    sentiment = _text("sentiment_label", "sentiment")
    sentiment_score = _score("sentiment_score", "sentiment_score")
    brands = fields.Field(column_name="brands", readonly=True)
    extractor = _text("extractor")
    status = fields.Field(column_name="status", readonly=True)

    class Meta:
        model = Report
        fields = (
            "id",
            "analysed_at",
            "published_at",
            "title",
            "url",
            "feed",
            "language",
            "topic",
            "summary",
            "sentiment",
            "sentiment_score",
            "brands",
            "extractor",
            "status",
        )
        export_order = fields

    def filter_export(self, queryset: QuerySet, **kwargs: Any) -> QuerySet[Report]:
        first_feed = (
            ArticleFeed.objects.filter(article_id=OuterRef("article_id"))
            .order_by("first_seen_at", "id")
            .values("feed__name")[:1]
        )
        return (
            queryset.select_related("article")
            .defer("article__text", "article__summary")
            .annotate(feed_name=Subquery(first_feed))
        )

    def iter_queryset(self, queryset: QuerySet | Iterable) -> Iterator:
        chunk: list[Report] = []
        for report in super().iter_queryset(queryset):
            chunk.append(report)
            if len(chunk) == CHUNK_ROWS:
                yield from self._with_brands(chunk)
                chunk = []
        yield from self._with_brands(chunk)

    @staticmethod
    def _with_brands(reports: list[Report]) -> list[Report]:
        names = _brand_names([report.pk for report in reports]) if reports else {}
        for report in reports:
            report.export_brands = names[report.pk]
        return reports

    def dehydrate_brands(self, report: Report) -> str:
        names = getattr(report, "export_brands", None)
        if names is None:  # Not read through iter_queryset (a single row).
            names = _brand_names([report.pk])[report.pk]
        return LIST_SEPARATOR.join(names)

    def dehydrate_status(self, report: Report) -> str:
        return report.get_status_display()


class MentionResource(ExportResource):
    mentioned_at = _time("mentioned_at", "published_at")
    brand = _text("brand__name", "brand")
    industry = _text("brand__industry__name", "industry")
    surface = _text("surface", "as_written")
    confidence = _score("confidence", "confidence")
    sentiment = _score("sentiment", "sentiment")
    review_status = _text("review_status", "review")
    evidence = _text("evidence")
    title = _text("report__article__title", "article_title")
    url = _text("report__article__canonical_url", "article_url")
    report = _text("report_id", "report_id")

    class Meta:
        model = Mention
        fields = (
            "mentioned_at",
            "brand",
            "industry",
            "surface",
            "confidence",
            "sentiment",
            "review_status",
            "evidence",
            "title",
            "url",
            "report",
        )
        export_order = fields

    def filter_export(self, queryset: QuerySet, **kwargs: Any) -> QuerySet[Mention]:
        return queryset.select_related("brand__industry", "report__article").defer(
            "report__summary", "report__article__text", "report__article__summary"
        )


class BrandResource(ExportResource):
    """``mentions`` counts the brand's mentions in the export's range (annotated by the
    caller as ``mentions_in_range``); the admin, which has no range, counts all of them."""

    name = _text("name")
    status = _text("status")
    industry = _text("industry__name", "industry")
    groups = fields.Field(column_name="groups", readonly=True)
    aliases = fields.Field(column_name="aliases", readonly=True)
    website = _text("website")
    wikidata_id = _text("wikidata_id")
    mentions = fields.Field(column_name="mentions", readonly=True)
    created_at = _time("created_at", "added")

    class Meta:
        model = Brand
        fields = (
            "name",
            "status",
            "industry",
            "groups",
            "aliases",
            "website",
            "wikidata_id",
            "mentions",
            "created_at",
        )
        export_order = fields

    def filter_export(self, queryset: QuerySet, **kwargs: Any) -> QuerySet[Brand]:
        return queryset.select_related("industry").prefetch_related(
            "groups",
            Prefetch("aliases", queryset=BrandAlias.objects.order_by("alias")),
        )

    def dehydrate_groups(self, brand: Brand) -> str:
        return LIST_SEPARATOR.join(group.name for group in brand.groups.all())

    def dehydrate_aliases(self, brand: Brand) -> str:
        return LIST_SEPARATOR.join(alias.alias for alias in brand.aliases.all())

    def dehydrate_mentions(self, brand: Brand) -> int:
        counted = getattr(brand, "mentions_in_range", None)
        return brand.mentions.count() if counted is None else counted


def _organization_field() -> fields.Field:
    return _text("organization__slug", "organization")


class AdminReportResource(ReportResource):
    """The admin exports every organization's rows at once, so it names the organization."""

    organization = _organization_field()

    class Meta(ReportResource.Meta):
        fields = ("organization", *ReportResource.Meta.fields)
        export_order = fields


class AdminMentionResource(MentionResource):
    organization = _organization_field()

    class Meta(MentionResource.Meta):
        fields = ("organization", *MentionResource.Meta.fields)
        export_order = fields


class AdminBrandResource(BrandResource):
    organization = _organization_field()

    class Meta(BrandResource.Meta):
        fields = ("organization", *BrandResource.Meta.fields)
        export_order = fields
