"""One report as a PDF: the article, its summary and sentiment, the brands with evidence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.text import slugify

from accounts.logo import logo_png
from accounts.models import Organization
from reports.charts import sentiment_bar
from reports.models import Mention, Report
from reports.pdf.render import render_pdf, resource_url

TEMPLATE = "reports/pdf/report.html"
LOGO_URL = resource_url("logo.png")


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
    logo_url: str | None = None,
) -> dict[str, Any]:
    """What the template needs, without a query (the benchmark builds it from unsaved rows)."""
    for mention in mentions:
        mention.sentiment_svg = sentiment_bar(mention.sentiment, width=90, height=10)
    return {
        "organization": organization,
        # The organization's logo (render_pdf's resources), or the name alone.
        "logo_url": logo_url,
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
    logo = logo_png(organization)
    context = report_context(
        report=report,
        organization=organization,
        mentions=mentions,
        source_feeds=feeds,
        logo_url=LOGO_URL if logo else None,
    )
    resources = {LOGO_URL: (logo, "image/png")} if logo else None
    return PdfDocument(
        render_pdf(TEMPLATE, context, resources=resources), report_pdf_filename(report)
    )
