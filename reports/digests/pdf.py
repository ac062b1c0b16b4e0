"""A digest as PDF, through the same WeasyPrint path as the report PDF (reports.pdf.render):
vector charts, page numbers, the organization's name in every page's header."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.text import slugify

from accounts.logo import logo_png
from reports.digests.content import DigestContent
from reports.pdf.render import render_pdf
from reports.pdf.report import LOGO_URL

TEMPLATE = "reports/pdf/digest.html"


def digest_pdf_filename(content: DigestContent) -> str:
    name = slugify(content.template.name)[:50].strip("-") or "digest"
    # The last day covered: a range ending at midnight names the day before it.
    last = content.local_end - timedelta(microseconds=1)
    return f"digest-{name}-{last:%Y-%m-%d}.pdf"


def digest_pdf(content: DigestContent) -> tuple[str, bytes]:
    """(file name, PDF bytes). PdfUnavailable when WeasyPrint cannot run here."""
    logo = logo_png(content.organization)
    context = {
        "content": content,
        "organization": content.organization,
        # The stored logo (a PNG Pillow drew, never the upload) is handed to WeasyPrint as a
        # resource of its own: the PDF fetches nothing else.
        "logo_url": LOGO_URL if logo else None,
        "generated_at": timezone.now(),
    }
    resources = {LOGO_URL: (logo, "image/png")} if logo else None
    return digest_pdf_filename(content), render_pdf(TEMPLATE, context, resources=resources)
