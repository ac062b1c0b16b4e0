"""Small builders for realistic feeds and article pages served by the test HTTP server."""

from email.utils import format_datetime
from html import escape

from django.utils import timezone

from feeds.models import Article, ArticleFeed, ArticleStatus, Feed

LOREM = (
    "The company said on Tuesday that its new product line would reach stores in spring, "
    "after a year of delays caused by supply problems. Analysts welcomed the announcement "
    "but warned that competition in the segment remains fierce and margins are thin. "
)


DEFAULT_SUMMARY = "A short summary of the story."


def rss(items: list[dict[str, str]], *, title: str = "Test News", ttl: int | None = None) -> str:
    entries = []
    for item in items:
        published = item.get("published", format_datetime(timezone.now()))
        entries.append(
            "<item>"
            f"<title>{escape(item.get('title', 'Untitled'))}</title>"
            f"<link>{escape(item['link'])}</link>"
            f"<guid>{escape(item.get('guid', item['link']))}</guid>"
            f"<pubDate>{published}</pubDate>"
            f"<description>{escape(item.get('summary', DEFAULT_SUMMARY))}</description>"
            "</item>"
        )
    ttl_tag = f"<ttl>{ttl}</ttl>" if ttl else ""
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<rss version="2.0"><channel><title>{escape(title)}</title>'
        f"<link>https://news.example/</link>{ttl_tag}{''.join(entries)}</channel></rss>"
    )


def article_page(title: str, body: str = LOREM * 4, *, lang: str = "en") -> str:
    paragraphs = "".join(
        f"<p>{escape(part.strip())}.</p>" for part in body.split(".") if part.strip()
    )
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head><body>"
        '<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/biz">Business</a></nav>'
        f"<article><h1>{escape(title)}</h1>{paragraphs}</article>"
        "<footer>Copyright 2026 Test News. All rights reserved.</footer></body></html>"
    )


def make_feed(organization, url: str, **values) -> Feed:
    return Feed.objects.create(
        organization=organization, name=values.pop("name", "Test feed"), url=url, **values
    )


def stored_article(
    organization, feed: Feed, n: int, fingerprint: int, status: str = ArticleStatus.EXTRACTED
) -> Article:
    """Article number ``n``, seen in ``feed``, with a given SimHash and its own content hash."""
    article = Article.objects.create(
        organization=organization,
        canonical_url=f"https://site.example/{n}",
        url_hash=f"{n:064d}",
        original_url=f"https://site.example/{n}",
        text=f"text {n}",
        content_hash=f"{n:064x}",
        simhash=fingerprint,
        status=status,
    )
    ArticleFeed.objects.create(article=article, feed=feed)
    return article
