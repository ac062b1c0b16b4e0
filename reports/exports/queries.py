"""The rows of an export: what the list page shows under the same query string, within a
date range. The page's filters are read by the page's own filter forms, so an export can
never drift from the list it was started from."""

from django.db.models import Count, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import QueryDict

from accounts.models import Organization
from reports import selectors
from reports.exports.models import ExportKind
from reports.exports.ranges import DateRange
from reports.exports.resources import (
    BrandResource,
    ExportResource,
    MentionResource,
    ReportResource,
)
from reports.models import Brand, BrandStatus, Mention

RESOURCES: dict[str, type[ExportResource]] = {
    ExportKind.REPORTS: ReportResource,
    ExportKind.MENTIONS: MentionResource,
    ExportKind.BRANDS: BrandResource,
}

# Which of a row's times the range applies to, as the list pages say it.
RANGE_LABELS = {
    ExportKind.REPORTS: "Analysed",
    ExportKind.MENTIONS: "Published",
    ExportKind.BRANDS: "Mentions counted",
}


def report_filters(organization: Organization, query: str) -> selectors.ReportFilters:
    """The reports list's filters in ``query``, without its own dates (the range replaces
    them). A value the list would leave out (``brand=abc``) is left out here too."""
    from reports.forms import ReportFilterForm

    data = QueryDict(query)
    brand = data.get("brand")
    choices = selectors.report_filter_choices(
        organization, int(brand) if brand and brand.isdigit() else None
    )
    form = ReportFilterForm(
        data,
        feeds=choices["feed"],
        brands=choices["brand"],
        industries=choices["industry"],
        groups=choices["group"],
    )
    filters = form.filters()
    filters.date_from = filters.date_to = None
    return filters


def _reports(organization: Organization, query: str, span: DateRange) -> QuerySet:
    filters = report_filters(organization, query)
    return selectors.report_list(organization, filters).filter(
        analysed_at__gte=span.since, analysed_at__lt=span.until
    )


def _mentions(organization: Organization, query: str, span: DateRange) -> QuerySet[Mention]:
    filters = report_filters(organization, query)
    reports = selectors.report_list(organization, filters).order_by().values("pk")
    # The mention filters of the list choose mentions too: "brand = Acme" exports Acme's
    # mentions, not every brand named in the reports that mention Acme.
    return (
        Mention.objects.filter(
            selectors.mention_filters(filters),
            organization=organization,
            report__in=reports,
            mentioned_at__gte=span.since,
            mentioned_at__lt=span.until,
        )
        .exclude(brand__status=BrandStatus.IGNORED)
        .order_by("-mentioned_at", "-id")
    )


def _brands(organization: Organization, query: str, span: DateRange) -> QuerySet[Brand]:
    from reports.forms import BrandFilterForm

    choices = selectors.brand_filter_choices(organization)
    form = BrandFilterForm(
        QueryDict(query), industries=choices["industry"], groups=choices["group"]
    )
    data = form.valid_data()
    brands = selectors.brand_list(
        organization,
        q=data.get("q") or "",
        status=data.get("status") or "",
        group_id=data.get("group"),
    )
    if data.get("industry"):
        brands = brands.filter(industry_id=data["industry"])
    in_range = (
        Mention.objects.filter(
            organization=organization,
            brand_id=OuterRef("pk"),
            mentioned_at__gte=span.since,
            mentioned_at__lt=span.until,
        )
        .order_by()
        .values("brand_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return brands.annotate(mentions_in_range=Coalesce(Subquery(in_range), Value(0))).order_by(
        "name", "id"
    )


def export_queryset(
    organization: Organization, *, kind: str, query: str, span: DateRange
) -> QuerySet:
    builders = {
        ExportKind.REPORTS: _reports,
        ExportKind.MENTIONS: _mentions,
        ExportKind.BRANDS: _brands,
    }
    return builders[ExportKind(kind)](organization, query, span)


def count_rows(queryset: QuerySet, cap: int) -> int:
    """The number of rows, counted up to ``cap + 1`` (enough to choose how to export)."""
    return queryset.order_by()[: cap + 1].count()
