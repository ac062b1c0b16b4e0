"""Builders for the report and brand page tests: rows made directly with the models."""

from datetime import UTC, datetime

from django.utils import timezone

from feeds.models import Article, ArticleFeed, ArticleStatus, Feed
from feeds.urls_canonical import url_hash
from reports.models import Brand, BrandStatus, Industry, Mention, Report, ReportStatus
from reports.normalize import normalize_brand

DAY = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
TEXT = (
    "Acme Corp opened a new plant in Lyon on Monday. The plant will build parts for Globex.\n\n"
    "Analysts said Acme's margins should improve, while Initech stayed silent."
)


def make_feed(organization, name: str = "Wire") -> Feed:
    return Feed.objects.create(
        organization=organization, name=name, url=f"https://{name.lower()}.example/rss"
    )


def make_article(organization, path: str, *, feeds: tuple[Feed, ...] = (), **values) -> Article:
    url = f"https://news.example{path}"
    values.setdefault("title", f"Story {path}")
    values.setdefault("text", TEXT)
    values.setdefault("published_at", DAY)
    values.setdefault("status", ArticleStatus.EXTRACTED)
    article = Article.objects.create(
        organization=organization,
        canonical_url=url,
        url_hash=url_hash(url),
        original_url=url,
        **values,
    )
    for feed in feeds:
        ArticleFeed.objects.create(article=article, feed=feed)
    return article


def make_industry(organization, name: str) -> Industry:
    return Industry.objects.get_or_create(organization=organization, name=name)[0]


def make_brand(organization, name: str, *, status: str = BrandStatus.TRACKED, **values) -> Brand:
    return Brand.objects.create(
        organization=organization, name=name, key=normalize_brand(name), status=status, **values
    )


def make_report(article: Article, **values) -> Report:
    values.setdefault("extractor", "rules")
    values.setdefault("status", ReportStatus.DONE)
    values.setdefault("analysed_at", timezone.now())
    return Report.objects.create(organization_id=article.organization_id, article=article, **values)


def add_mention(report: Report, brand: Brand, surface: str | None = None, **values) -> Mention:
    """A mention whose evidence is the sentence of the text that holds ``surface``."""
    surface = surface or brand.name
    text = report.article.text
    at = text.find(surface)
    if at >= 0 and "evidence_start" not in values:
        start = max(text.rfind(".", 0, at) + 1, text.rfind("\n", 0, at) + 1)
        while text[start] == " ":
            start += 1
        end = text.find(".", at)
        end = len(text) if end < 0 else end + 1
        values.update(evidence_start=start, evidence_end=end, evidence=text[start:end])
    values.setdefault("evidence", surface)
    values.setdefault("evidence_start", 0)
    values.setdefault("evidence_end", 0)
    values.setdefault("confidence", 0.9)
    values.setdefault("source", "rules")
    values.setdefault("mentioned_at", report.article.published_at or timezone.now())
    return Mention.objects.create(
        organization_id=report.organization_id,
        report=report,
        brand=brand,
        surface=surface,
        **values,
    )
