"""The Usage page of the current organization (owners and admins): per day or per month,
charts and a table, a CSV of the same rows, and the economy-mode saving."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString

from accounts.tenancy import request_organization
from reports.charts import DataTable, Series, empty_chart, line_chart, stacked_bar_chart
from usage.periods import Span, span_from
from usage.report import UsageReport, csv_headings, csv_rows, usage_csv, usage_report
from usage.selectors import COUNTED, storage_now

# Models drawn apart in the tokens chart; the rest are summed as "Other models".
MODELS_DRAWN = 8


@dataclass
class Chart:
    key: str
    title: str
    svg: SafeString
    table: DataTable


def _require_manager(request: HttpRequest) -> None:
    request_organization(request)
    if not request.membership.can_manage_members:
        raise PermissionDenied("Only owners and admins can see the organization's usage.")


def _line(
    report: UsageReport, key: str, title: str, unit: str, keys: list[tuple[str, str]]
) -> Chart:
    per = report.span.unit
    periods = [period for period, _ in report.rows]
    series = [Series(name, [int(usage[k]) for _, usage in report.rows]) for k, name in keys]
    caption = f"{title} per {per}, {report.span.describe()}"
    return Chart(
        key,
        f"{title} per {per}",
        line_chart(periods, series, title=caption, unit=unit),
        DataTable(
            caption,
            [per.capitalize(), *[name for _, name in keys]],
            [[p.long, *[int(u[k]) for k, _ in keys]] for p, u in report.rows],
        ),
    )


def _tokens_chart(report: UsageReport) -> Chart:
    per = report.span.unit
    periods = [period for period, _ in report.rows]
    drawn = report.models[:MODELS_DRAWN]
    rest = report.models[MODELS_DRAWN:]

    def tokens(usage, models):  # type: ignore[no-untyped-def]
        return sum(usage.by_model[m].tokens for m in models if m in usage.by_model)

    columns = [(model, [model]) for model in drawn] + ([("Other models", rest)] if rest else [])
    caption = f"LLM tokens by model per {per}, {report.span.describe()}"
    svg = (
        stacked_bar_chart(
            periods,
            [Series(name, [tokens(u, models) for _, u in report.rows]) for name, models in columns],
            title=caption,
            unit="token",
        )
        if columns
        else empty_chart("No LLM tokens in this period.")
    )
    return Chart(
        "tokens",
        f"LLM tokens by model per {per}",
        svg,
        DataTable(
            caption,
            [per.capitalize(), *[name for name, _ in columns]],
            [[p.long, *[tokens(u, models) for _, models in columns]] for p, u in report.rows],
        ),
    )


def charts(report: UsageReport) -> list[Chart]:
    return [
        _line(
            report,
            "articles",
            "Articles",
            "article",
            [("articles_fetched", "Fetched"), ("articles_analysed", "Analysed")],
        ),
        _tokens_chart(report),
        _line(
            report,
            "emails",
            "Emails",
            "email",
            [("emails_drafted", "Drafted"), ("emails_sent", "Sent")],
        ),
        _line(
            report,
            "discovery",
            "Discovery searches",
            "search",
            [("discovery_searches", "Discovery searches")],
        ),
        _line(report, "active", "Active users", "user", [("active_users", "Active users")]),
    ]


def _filename(organization_slug: str, span: Span) -> str:
    return f"usage-{organization_slug}-{span.view}-{span.month:%Y-%m}.csv"


def usage_page(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    organization = request.organization
    span = span_from(request.GET)
    report = usage_report(organization.pk, span)
    width = 1 + len(COUNTED)  # the period and the counted figures; models are in their own table
    if request.GET.get("format") == "csv":
        response = HttpResponse(usage_csv(report), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="{_filename(organization.slug, span)}"'
        )
        return response
    return render(
        request,
        "usage/usage.html",
        {
            "organization": organization,
            "span": span,
            "report": report,
            "charts": charts(report),
            "table_head": csv_headings(report)[:width],
            "table_rows": [
                [period.long, *row[1:width]]
                for (period, _), row in zip(report.rows, csv_rows(report), strict=True)
            ],
            "storage": storage_now(organization.pk),
        },
    )
