"""The brand page's "Recent reports" rows, built in Python (``marketing_hunting.html_rows``
says why): 20 rows, each a ``reverse``, a ``date``, two ``truncatechars``, a ``floatformat``
and a choice label in the template, the brand page's largest template cost (issue #18 item
9). The markup is the template's (tests/reports/test_brand_page_rendering.py compares them).
"""

from django.template.defaultfilters import floatformat
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from marketing_hunting.html_rows import date_text, esc, url_for_id
from reports.models import Mention


def _row(mention: Mention, report_url: str) -> str:
    article = mention.report.article
    title = Truncator(article.title or article.canonical_url).chars(100)
    shown = date_text(mention.mentioned_at) if mention.mentioned_at else ""
    review = esc(mention.review_status)
    return (
        f'<tr class="review-{review}">\n'
        f'        <td><a href="{esc(report_url)}#mention-{mention.pk}">{esc(title)}</a></td>\n'
        f'        <td class="nowrap">{esc(shown)}</td>\n'
        f'        <td class="evidence-cell">“{esc(Truncator(mention.evidence).chars(160))}”</td>\n'
        f"        <td>{esc(floatformat(mention.confidence, 2))}</td>\n"
        f'        <td><span class="badge review-{review}">'
        f"{esc(mention.get_review_status_display())}</span></td>\n"
        "      </tr>"
    )


def recent_rows_html(mentions: list[Mention]) -> list[SafeString]:
    """One ``<tr>`` per mention (with ``report.article`` loaded), as
    ``reports/brand_detail.html`` wrote it."""
    report_url = url_for_id("reports:detail")
    return [
        mark_safe(_row(mention, report_url(mention.report_id)))  # noqa: S308 - escaped above
        for mention in mentions
    ]
