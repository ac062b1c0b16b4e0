"""Articles and brands for analysis tests."""

from django.utils import timezone

from feeds.extraction import content_hash
from feeds.models import Article, ArticleStatus
from reports.models import Brand, BrandStatus
from reports.normalize import normalize_brand

ARTICLE_TEXT = (
    "Nike reported record sales in Europe on Tuesday, helped by strong demand for running "
    "shoes.\n\n"
    "Analysts said Adidas is struggling to keep up, and its shares fell 3 percent.\n\n"
    "Meanwhile, Globex Corporation (NASDAQ: GLBX) announced a partnership with the retailer."
)


def make_article(organization, text: str = ARTICLE_TEXT, n: int = 1, **values) -> Article:
    return Article.objects.create(
        organization=organization,
        canonical_url=f"https://news.example/{n}",
        url_hash=f"hash-{organization.pk}-{n}",
        original_url=f"https://news.example/{n}",
        title=values.pop("title", "Sportswear makers report results"),
        text=text,
        content_hash=content_hash(text),
        status=values.pop("status", ArticleStatus.EXTRACTED),
        language="en",
        published_at=timezone.now(),
        **values,
    )


def track(organization, name: str, **values) -> Brand:
    return Brand.objects.create(
        organization=organization,
        name=name,
        key=normalize_brand(name),
        status=values.pop("status", BrandStatus.TRACKED),
        **values,
    )


def llm_answer(*brands: dict, summary: str = "Nike sales rose.", sentiment: float = 0.2) -> dict:
    return {
        "summary": summary,
        "topic": "Sportswear",
        "sentiment": sentiment,
        "brands": list(brands),
    }


def brand(name: str, evidence: str, confidence: float = 0.9, sentiment: float = 0.0) -> dict:
    return {
        "name": name,
        "evidence": evidence,
        "confidence": confidence,
        "sentiment": sentiment,
        "industry": "Fashion & Apparel",
    }
