"""The rows of the articles list, built in Python (``marketing_hunting.html_rows`` says why):
50 rows a page, each a ``reverse``, a ``date`` and a ``truncatechars`` in the template, were
most of the page's CPU. The markup is the template's (tests/feeds compares them)."""

from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from feeds.models import Article
from marketing_hunting.html_rows import date_time_text, esc, url_for_id


def _row(article: Article, detail_url: str) -> str:
    title = Truncator(article.title or article.canonical_url).chars(140)
    published = date_time_text(article.published_at) if article.published_at else "—"
    status = "duplicate" if article.duplicate_of_id else esc(article.get_status_display().lower())
    return (
        f'<tr>\n        <td><a href="{esc(detail_url)}">{esc(title)}</a></td>\n'
        f"        <td>{esc(published)}</td>\n"
        f'        <td><span class="badge status-{esc(article.status)}">{status}</span></td>\n'
        f"        <td>{esc(article.language or '—')}</td>\n"
        f"        <td>{esc(article.word_count)}</td>\n      </tr>"
    )


def article_rows_html(articles: list[Article]) -> list[SafeString]:
    """One ``<tr>`` per article, as ``feeds/article_list.html`` wrote it."""
    detail_url = url_for_id("feeds:article_detail")
    return [
        mark_safe(_row(article, detail_url(article.pk)))  # noqa: S308 - escaped above
        for article in articles
    ]
