"""The reports list and the report page."""

import logging

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import cached_property
from django.utils.safestring import SafeString

from accounts.models import Organization
from accounts.request_cache import cached_for_organization, cached_markup
from accounts.tenancy import get_object_for_request, request_organization
from reports import selectors
from reports.economy.models import OPEN_ITEM_STATUSES
from reports.forms import ReportFilterForm
from reports.models import Report
from reports.pdf.render import PdfUnavailable
from reports.pdf.report import report_pdf as report_pdf_document
from reports.views.highlight import highlight
from reports.views.quota import llm_paused_until
from reports.views.report_rows import report_rows_html

logger = logging.getLogger(__name__)

# A filtered list counts at most this many reports ("1000+ reports"): the exact total of a broad
# search or a popular brand costs a full scan, while a capped count stops early.
COUNT_CAP = 1000


class CappedPaginator(Paginator):
    def __init__(self, object_list: QuerySet, per_page: int, *, cap: int | None) -> None:
        super().__init__(object_list, per_page)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        if self.cap is None:
            return super().count
        # Unordered: any cap + 1 rows will do, and PostgreSQL stops as soon as it has them.
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.cap is not None and self.count > self.cap


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _rows(organization: Organization, report_ids: list[int]) -> list[SafeString]:
    """The page's rows as markup, cached per organization under its generation (every
    committed write of a report, mention, brand, article or feed replaces it; see
    accounts.request_cache), and per language, time zone and script prefix, which the markup
    follows. Their two queries and ~200 model instances were half of the page's CPU."""
    if not report_ids:
        return []
    return cached_markup(
        organization.pk,
        "report-rows",
        lambda: report_rows_html(selectors.report_rows(report_ids)),
        ids=report_ids,
    )


def _filter_choices(organization: Organization, brand_id: int | None) -> dict:
    """The filter form's choices: cached per organization until a feed, industry, group or
    brand changes (accounts.request_cache); a chosen brand outside the tracked ones (an
    untracked brand's link) is looked up as before."""
    choices = cached_for_organization(
        organization.pk,
        "report-filter-choices",
        lambda: selectors.report_filter_choices(organization),
    )
    if brand_id and all(pk != brand_id for pk, _ in choices["brand"]):
        return selectors.report_filter_choices(organization, brand_id)
    return choices


def report_list(request: HttpRequest) -> HttpResponse:
    """Filters, search, sorting and pages, in a fixed number of queries whatever the page size:
    session, user, memberships, filter choices, quota (when set), count, the page's ids, its
    reports with articles and feeds, their mentions with brands."""
    organization = request_organization(request)
    choices = _filter_choices(organization, _int_or_none(request.GET.get("brand")))
    form = ReportFilterForm(
        request.GET or None,
        feeds=choices["feed"],
        brands=choices["brand"],
        industries=choices["industry"],
        groups=choices["group"],
    )
    filters = form.filters() if form.is_bound else selectors.ReportFilters()
    size = form.page_size() if form.is_bound else 25
    filtered = any(value for key, value in form.valid_data().items() if key not in ("sort", "size"))
    # Pages of ids, then the rows of one page by id (see selectors.report_rows).
    ids = selectors.report_list(organization, filters).values_list("pk", flat=True)
    paginator = CappedPaginator(ids, size, cap=COUNT_CAP if filtered else None)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "reports/report_list.html",
        {
            "form": form,
            "page": page,
            "rows": _rows(organization, list(page.object_list)),
            "filtered": filtered or bool(form.errors),
            "paused_until": llm_paused_until(organization),
        },
    )


MAX_VERSIONS_SHOWN = 20


def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_for_request(
        request, Report.objects.select_related("article", "article__duplicate_of"), pk=pk
    )
    article = report.article
    mentions = list(
        report.mentions.select_related("brand", "reviewed_by").order_by("evidence_start", "id")
    )
    return render(
        request,
        "reports/report_detail.html",
        {
            "report": report,
            "article": article,
            "mentions": mentions,
            "text": highlight(article.display_text, mentions),
            "source_feeds": article.feeds.order_by("name"),
            "copies": article.duplicates.order_by("id").only("id", "canonical_url", "title")[:20],
            "versions": report.versions.all()[:MAX_VERSIONS_SHOWN],
            "batch_waiting": report.batch_items.filter(status__in=OPEN_ITEM_STATUSES).exists(),
        },
    )


def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The report as a PDF download; another organization's report is a 404."""
    report = get_object_for_request(request, Report.objects.select_related("article"), pk=pk)
    try:
        document = report_pdf_document(report=report, organization=request_organization(request))
    except PdfUnavailable as error:
        logger.error("Report PDF unavailable: %s", error)
        return render(request, "reports/pdf_unavailable.html", {"report": report}, status=503)
    response = HttpResponse(document.content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    return response
