"""A digest as PDF, through the same WeasyPrint path as the report PDF (reports.pdf.render):
vector charts, page numbers, the organization's name in every page's header."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.text import slugify

from reports.digests.content import DigestContent
from reports.pdf.render import render_pdf

TEMPLATE = "reports/pdf/digest.html"


def digest_pdf_filename(content: DigestContent) -> str:
    name = slugify(content.template.name)[:50].strip("-") or "digest"
    # The last day covered: a range ending at midnight names the day before it.
    last = content.local_end - timedelta(microseconds=1)
    return f"digest-{name}-{last:%Y-%m-%d}.pdf"


def digest_pdf(content: DigestContent) -> tuple[str, bytes]:
    """(file name, PDF bytes). PdfUnavailable when WeasyPrint cannot run here."""
    context = {
        "content": content,
        "organization": content.organization,
        "logo_url": None,  # organizations have no logo yet (the slot is in the base template)
        "generated_at": timezone.now(),
    }
    return digest_pdf_filename(content), render_pdf(TEMPLATE, context)
