"""Reads that span models, for the report and brand pages."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    F,
    Func,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts.models import Organization
from feeds.models import ArticleFeed, Feed
from reports.models import (
    Brand,
    BrandAlias,
    BrandGroup,
    BrandStatus,
    Industry,
    Mention,
    Report,
    ReportStatus,
)

# Must match the index expression in feeds/migrations/0002_article_fulltext_index.py.
FULLTEXT_SQL = (
    "to_tsvector('simple', coalesce(feeds_article.title, '') || ' ' || "
    "coalesce(feeds_article.text, '')) @@ websearch_to_tsquery('simple', %s)"
)


class ArticleMatches(Func):
    """The report's article matches a websearch query (``"exact phrase"``, ``-exclude``, ``or``).

    FULLTEXT_SQL as an ORM expression: the article columns come from F() references, so every
    query that uses it (the paginator's COUNT too, which drops select_related) joins the
    article; raw ``.extra(where=...)`` SQL left that join out of the count.
    """

    output_field = BooleanField()
    template = (
        "to_tsvector('simple', coalesce(%(title)s, '') || ' ' || coalesce(%(text)s, '')) "
        "@@ websearch_to_tsquery('simple', %(query)s)"
    )

    def __init__(self, query: str) -> None:
        super().__init__(F("article__title"), F("article__text"), Value(query))

    def as_sql(self, compiler, connection, **extra_context):  # type: ignore[override]
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, expression_params = compiler.compile(expression)
            parts.append(sql)
            params.extend(expression_params)
        sql = self.template % dict(zip(("title", "text", "query"), parts, strict=True))
        return sql, params


SORTS = {
    "newest": ("-analysed_at", "-id"),
    "oldest": ("analysed_at", "id"),
    "published": ("-article__published_at", "-id"),
    "positive": ("-sentiment_score", "-id"),
    "negative": ("sentiment_score", "-id"),
}


@dataclass
class ReportFilters:
    q: str = ""
    date_from: date | None = None
    date_to: date | None = None
    feed_id: int | None = None
    brand_id: int | None = None
    industry_id: int | None = None
    group_id: int | None = None  # Reports naming a brand of this group.
    sentiment: str = ""
    min_confidence: float | None = None
    review_status: str = ""
    status: str = ""  # Blank: every status but EXCLUDED.
    sort: str = "newest"


def _fulltext(queryset: QuerySet[Report], q: str) -> QuerySet[Report]:
    if connection.vendor == "postgresql":
        # Same expression as the GIN index, so PostgreSQL uses it.
        return queryset.filter(ArticleMatches(q))
    terms = q.split()
    for term in terms:  # SQLite: every word must appear in the title or the text.
        queryset = queryset.filter(
            Q(article__title__icontains=term) | Q(article__text__icontains=term)
        )
    return queryset


def mention_filters(filters: ReportFilters) -> Q:
    """The list's filters that choose mentions (brand, industry, group, confidence, review):
    a report is listed when one of its mentions passes, and a mention export keeps those."""
    chosen = Q()
    if filters.brand_id:
        chosen &= Q(brand_id=filters.brand_id)
    if filters.industry_id:
        chosen &= Q(brand__industry_id=filters.industry_id)
    if filters.group_id:
        chosen &= Q(brand__groups=filters.group_id)
    if filters.min_confidence is not None:
        chosen &= Q(confidence__gte=filters.min_confidence)
    if filters.review_status:
        chosen &= Q(review_status=filters.review_status)
    return chosen


def report_list(organization: Organization, filters: ReportFilters) -> QuerySet[Report]:
    """The organization's reports, filtered and sorted: what the list counts and pages through.

    The rows of one page come from ``report_rows``, by id: a deep page then skips ids only,
    instead of joining every skipped report to its article.
    """
    reports = Report.objects.filter(organization=organization)
    if filters.status:
        reports = reports.filter(status=filters.status)
    else:
        reports = reports.exclude(status=ReportStatus.EXCLUDED)
    if filters.q.strip():
        reports = _fulltext(reports, filters.q.strip())
    if filters.date_from:
        reports = reports.filter(analysed_at__date__gte=filters.date_from)
    if filters.date_to:
        reports = reports.filter(analysed_at__date__lte=filters.date_to)
    if filters.feed_id:
        reports = reports.filter(
            Exists(
                ArticleFeed.objects.filter(
                    article_id=OuterRef("article_id"), feed_id=filters.feed_id
                )
            )
        )
    mention_filter = mention_filters(filters)
    if mention_filter:
        reports = reports.filter(
            Exists(Mention.objects.filter(mention_filter, report_id=OuterRef("pk")))
        )
    if filters.sentiment:
        reports = reports.filter(sentiment_label=filters.sentiment)
    return reports.order_by(*SORTS.get(filters.sort, SORTS["newest"]))


def report_rows(report_ids: list[int]) -> list[Report]:
    """One page of the reports list, in the order of ``report_ids``: each report with its
    article (without the text), its first feed's name (``feed_name``) and its mentions with
    their brands (``mention_list``, best first). Two queries, whatever the page size."""
    first_feed = (
        ArticleFeed.objects.filter(article_id=OuterRef("article_id"))
        .order_by("first_seen_at", "id")
        .values("feed__name")[:1]
    )
    # Only what the list shows: a page of 100 reports loads 300 mentions and their brands.
    mentions = (
        Mention.objects.select_related("brand")
        # An ignored brand is not reported any more, in older reports' chips either.
        .exclude(brand__status=BrandStatus.IGNORED)
        .only("report", "brand", "confidence", "review_status", "brand__name")
        .order_by("-confidence", "id")
    )
    rows = (
        Report.objects.filter(pk__in=report_ids)
        .select_related("article")
        .defer("summary", "article__text", "article__summary")
        .annotate(feed_name=Subquery(first_feed))
        # A plain list (to_attr): report.mentions.all() would clone a queryset per row.
        .prefetch_related(Prefetch("mentions", queryset=mentions, to_attr="mention_list"))
    )
    by_id = {report.pk: report for report in rows}
    return [by_id[pk] for pk in report_ids if pk in by_id]


def report_filter_choices(
    organization: Organization, brand_id: int | None = None
) -> dict[str, list[tuple[int, str]]]:
    """Feeds, industries, brand groups and tracked brands (plus the chosen one) to filter
    reports by.

    One query (UNION ALL), so the reports list stays within its query budget.
    """
    feeds = Feed.objects.filter(organization=organization).annotate(choice_kind=Value("feed"))
    industries = Industry.objects.filter(organization=organization).annotate(
        choice_kind=Value("industry")
    )
    groups = BrandGroup.objects.filter(organization=organization).annotate(
        choice_kind=Value("group")
    )
    brand_filter = Q(status=BrandStatus.TRACKED)
    if brand_id:
        brand_filter |= Q(pk=brand_id)
    brands = Brand.objects.filter(
        brand_filter, organization=organization, merged_into__isnull=True
    ).annotate(choice_kind=Value("brand"))
    choices: dict[str, list[tuple[int, str]]] = {
        "feed": [],
        "industry": [],
        "group": [],
        "brand": [],
    }
    # order_by() clears the models' default ordering, which a compound statement refuses.
    rows = (
        feeds.order_by()
        .values_list("choice_kind", "id", "name")
        .union(
            industries.order_by().values_list("choice_kind", "id", "name"),
            groups.order_by().values_list("choice_kind", "id", "name"),
            brands.order_by().values_list("choice_kind", "id", "name"),
            all=True,
        )
    )
    for kind, pk, name in rows:
        choices[kind].append((pk, name))
    for entries in choices.values():
        entries.sort(key=lambda entry: entry[1].casefold())
    return choices


def brand_filter_choices(organization: Organization) -> dict[str, list[tuple[int, str]]]:
    """Industries and brand groups to filter the brands list by, in one query (UNION ALL)."""
    industries = Industry.objects.filter(organization=organization).annotate(
        choice_kind=Value("industry")
    )
    groups = BrandGroup.objects.filter(organization=organization).annotate(
        choice_kind=Value("group")
    )
    choices: dict[str, list[tuple[int, str]]] = {"industry": [], "group": []}
    rows = (
        industries.order_by()
        .values_list("choice_kind", "id", "name")
        .union(groups.order_by().values_list("choice_kind", "id", "name"), all=True)
    )
    for kind, pk, name in rows:
        choices[kind].append((pk, name))
    for entries in choices.values():
        entries.sort(key=lambda entry: entry[1].casefold())
    return choices


def _recent_mentions(organization: Organization, since: datetime) -> Coalesce:
    """A brand's mentions since ``since``: a correlated count on the (organization, brand,
    time) index. Counting through a join aggregated every mention the organization ever had
    (400 ms at 300,000 mentions); this reads only the recent index range of each brand."""
    counts = (
        Mention.objects.filter(
            organization=organization, brand_id=OuterRef("pk"), mentioned_at__gte=since
        )
        .order_by()
        .values("brand_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(counts), 0)


def brand_list(
    organization: Organization, q: str = "", status: str = "", group_id: int | None = None
) -> QuerySet[Brand]:
    now = timezone.now()
    brands = (
        Brand.objects.filter(organization=organization, merged_into__isnull=True)
        .select_related("industry")
        .annotate(
            mentions_7d=_recent_mentions(organization, now - timedelta(days=7)),
            mentions_30d=_recent_mentions(organization, now - timedelta(days=30)),
        )
    )
    if q:
        aliases = BrandAlias.objects.filter(brand_id=OuterRef("pk"), alias__icontains=q)
        brands = brands.filter(Q(name__icontains=q) | Exists(aliases))
    if status:
        brands = brands.filter(status=status)
    if group_id:
        brands = brands.filter(groups=group_id)
    return brands.order_by("-mentions_30d", "name")


def daily_mentions(
    organization: Organization, brand_ids: list[int], days: int = 30, now: datetime | None = None
) -> dict[int, list[int]]:
    """Mentions per day for each brand over the last ``days`` days (oldest first), one query."""
    now = now or timezone.now()
    start = timezone.localdate(now) - timedelta(days=days - 1)
    # From local midnight, not mentioned_at__date: a condition on the column itself lets the
    # (organization, brand, time) index read only the period's range.
    since = datetime.combine(start, time.min, tzinfo=timezone.get_current_timezone())
    series = {brand_id: [0] * days for brand_id in brand_ids}
    rows = (
        Mention.objects.filter(
            organization=organization, brand_id__in=brand_ids, mentioned_at__gte=since
        )
        .annotate(day=TruncDate("mentioned_at"))
        .values_list("brand_id", "day")
        .annotate(n=Count("id"))
    )
    for brand_id, day, count in rows:
        index = (day - start).days
        if 0 <= index < days:
            series[brand_id][index] = count
    return series
