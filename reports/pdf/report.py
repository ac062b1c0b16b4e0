"""One report as a PDF: the article, its summary and sentiment, the brands with evidence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.text import slugify

from accounts.models import Organization
from reports.charts import sentiment_bar
from reports.models import Mention, Report
from reports.pdf.render import render_pdf

TEMPLATE = "reports/pdf/report.html"


@dataclass(frozen=True)
class PdfDocument:
    content: bytes
    filename: str


def report_pdf_filename(report: Report) -> str:
    title = slugify(report.article.title)[:60].strip("-")
    return f"report-{report.pk}{'-' + title if title else ''}.pdf"


def report_context(
    *,
    report: Report,
    organization: Organization,
    mentions: list[Mention],
    source_feeds: list[str],
) -> dict[str, Any]:
    """What the template needs, without a query (the benchmark builds it from unsaved rows)."""
    for mention in mentions:
        mention.sentiment_svg = sentiment_bar(mention.sentiment, width=90, height=10)
    return {
        "organization": organization,
        # The logo slot: organizations have no logo yet, so the header shows the name alone.
        "logo_url": None,
        "report": report,
        "article": report.article,
        "source_feeds": source_feeds,
        "mentions": mentions,
        "sentiment_svg": sentiment_bar(report.sentiment_score),
        "generated_at": timezone.now(),
    }


def report_pdf(*, report: Report, organization: Organization) -> PdfDocument:
    """The report as PDF bytes. ``report`` must belong to ``organization`` (the view fetched
    it through the tenancy helper)."""
    if report.organization_id != organization.pk:
        raise ValueError("The report belongs to another organization.")
    mentions = list(
        report.mentions.select_related("brand").order_by("-confidence", "brand__name", "id")
    )
    feeds = list(report.article.feeds.order_by("name").values_list("name", flat=True))
    context = report_context(
        report=report, organization=organization, mentions=mentions, source_feeds=feeds
    )
    return PdfDocument(render_pdf(TEMPLATE, context), report_pdf_filename(report))
