"""What one digest says: the numbers, tables and charts of its template's sections over one
window, for the email, its PDF and the drawer's preview alike.

Every count reads ``Mention.mentioned_at`` in ``[start, end)``, with the template's filters
(brand groups, feeds, minimum confidence); ignored brands never count. Charts are the app's
own server-rendered SVG (reports.charts); the email turns them into PNG (raster.py).
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Avg, Count, Q, QuerySet
from django.urls import reverse
from django.utils.safestring import SafeString

from accounts.models import Organization
from contacts.models import BrandContact
from feeds.models import ArticleFeed, Feed
from reports.analytics import TONE_CUT, TONE_ORDER
from reports.charts import Bar, Period, Series, bar_chart, stacked_bar_chart
from reports.charts.scale import TONES
from reports.digests.models import DigestTemplate, Section
from reports.models import Brand, BrandGroup, BrandStatus, Mention, ReviewStatus

TRACKED_SHOWN = 15
CONTACTS_SHOWN = 10
MOVERS_SHOWN = 5
TONE_LABELS = {"positive": "Positive", "neutral": "Neutral", "negative": "Negative"}


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


@dataclass
class Chart:
    key: str
    title: str
    svg: SafeString
    # Set when the email rasterises it: the PNG's Content-ID and size in CSS pixels.
    cid: str = ""
    width: int = 0
    height: int = 0


@dataclass
class DigestContent:
    organization: Organization
    template: DigestTemplate
    start: datetime
    end: datetime
    time_zone: str
    sections: list[str]
    headline: dict[str, Any] = field(default_factory=dict)
    top_brands: list[dict[str, Any]] = field(default_factory=list)
    movers: list[dict[str, Any]] = field(default_factory=list)
    tracked: list[dict[str, Any]] = field(default_factory=list)
    tracked_more: int = 0
    sentiment: list[dict[str, Any]] = field(default_factory=list)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    contacts_more: int = 0
    charts: dict[str, Chart] = field(default_factory=dict)
    mention_count: int = 0
    groups: list[BrandGroup] = field(default_factory=list)
    feeds: list[Feed] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        """Nothing new: no mention in the window and no new contact."""
        return not self.mention_count and not self.contacts

    @property
    def local_start(self) -> datetime:
        return self.start.astimezone(zoneinfo.ZoneInfo(self.time_zone))

    @property
    def local_end(self) -> datetime:
        return self.end.astimezone(zoneinfo.ZoneInfo(self.time_zone))

    def shows(self, section: str) -> bool:
        return section in self.sections


def filtered_mentions(
    template: DigestTemplate, organization: Organization, group_ids: list[int], feed_ids: list[int]
) -> QuerySet[Mention]:
    """The template's mentions of the organization, before the window is applied."""
    # As alerts: a mention a reviewer rejected, or of a brand someone ignored, is noise.
    mentions = (
        Mention.objects.filter(organization=organization, confidence__gte=template.min_confidence)
        .exclude(review_status=ReviewStatus.REJECTED)
        .exclude(brand__status=BrandStatus.IGNORED)
    )
    if group_ids:
        brands = Brand.objects.filter(organization=organization, groups__in=group_ids)
        mentions = mentions.filter(brand_id__in=brands.values("pk"))
    if feed_ids:
        articles = ArticleFeed.objects.filter(feed_id__in=feed_ids).values("article_id")
        mentions = mentions.filter(report__article_id__in=articles)
    return mentions


def _counts(mentions: QuerySet[Mention], start: datetime, end: datetime) -> dict[int, int]:
    rows = (
        mentions.filter(mentioned_at__gte=start, mentioned_at__lt=end)
        .values_list("brand_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return dict(rows.values_list("brand_id", "n"))


def _change(now: int, before: int) -> str:
    if not before:
        return "new" if now else "no change"
    percent = round(100 * (now - before) / before)
    return f"{percent:+d} %"


def digest_build(
    *,
    template: DigestTemplate,
    organization: Organization,
    start: datetime,
    end: datetime,
    time_zone: str,
    groups: list[BrandGroup] | None = None,
    feeds: list[Feed] | None = None,
) -> DigestContent:
    """The digest of ``template`` over ``[start, end)``. ``groups`` and ``feeds`` stand for
    the template's own (the drawer's preview of a template not saved yet)."""
    if groups is None:
        groups = list(template.groups.order_by("name"))
    if feeds is None:
        feeds = list(template.feeds.order_by("name"))
    content = DigestContent(
        organization, template, start, end, time_zone, template.ordered_sections()
    )
    content.groups, content.feeds = groups, feeds
    group_ids, feed_ids = [group.pk for group in groups], [feed.pk for feed in feeds]
    mentions = filtered_mentions(template, organization, group_ids, feed_ids)
    in_window = mentions.filter(mentioned_at__gte=start, mentioned_at__lt=end)
    before_start = start - (end - start)
    now_counts = _counts(mentions, start, end)
    before_counts = _counts(mentions, before_start, start)
    content.mention_count = sum(now_counts.values())
    brand_ids = set(now_counts) | set(before_counts)
    brands = Brand.objects.filter(pk__in=brand_ids).select_related("industry").in_bulk()

    if content.shows(Section.HEADLINE):
        total_before = sum(before_counts.values())
        content.headline = {
            "mentions": content.mention_count,
            "change": _change(content.mention_count, total_before),
            "articles": in_window.values("report_id").distinct().count(),
            "brands": len(now_counts),
            "new_brands": sum(
                1 for pk in now_counts if pk in brands and start <= brands[pk].created_at < end
            ),
        }

    if content.shows(Section.TOP_BRANDS):
        top = sorted(now_counts.items(), key=lambda row: (-row[1], brands[row[0]].name))
        top = top[: template.top_count]
        sentiments = dict(
            in_window.filter(brand_id__in=[pk for pk, _ in top])
            .values_list("brand_id")
            .annotate(avg=Avg("sentiment"))
            .order_by()
            .values_list("brand_id", "avg")
        )
        for pk, count in top:
            brand = brands[pk]
            content.top_brands.append(
                {
                    "name": brand.name,
                    "url": absolute(brand.get_absolute_url()),
                    "mentions": count,
                    "change": _change(count, before_counts.get(pk, 0)),
                    "sentiment": round(sentiments.get(pk) or 0.0, 2),
                    "industry": brand.industry.name if brand.industry_id else "",
                }
            )
        if top:
            content.charts["top_brands"] = Chart(
                "top_brands",
                "Top brands",
                bar_chart([Bar(brands[pk].name, count) for pk, count in top], title="Top brands"),
            )

    if content.shows(Section.MOVERS):
        deltas = [
            (now_counts.get(pk, 0) - before_counts.get(pk, 0), pk)
            for pk in brand_ids
            if pk in brands
        ]
        risers = sorted((d for d in deltas if d[0] > 0), key=lambda d: (-d[0], brands[d[1]].name))
        fallers = sorted((d for d in deltas if d[0] < 0), key=lambda d: (d[0], brands[d[1]].name))
        for delta, pk in risers[:MOVERS_SHOWN] + fallers[:MOVERS_SHOWN]:
            content.movers.append(
                {
                    "name": brands[pk].name,
                    "url": absolute(brands[pk].get_absolute_url()),
                    "now": now_counts.get(pk, 0),
                    "before": before_counts.get(pk, 0),
                    "delta": f"{delta:+d}",
                    "rising": delta > 0,
                }
            )

    if content.shows(Section.TRACKED):
        tracked = in_window.filter(brand__status=BrandStatus.TRACKED)
        rows = tracked.select_related("brand", "report__article").order_by("-mentioned_at", "-id")
        for mention in rows[:TRACKED_SHOWN]:
            article = mention.report.article
            content.tracked.append(
                {
                    "brand": mention.brand.name,
                    "title": article.title or article.original_url,
                    "article_url": article.original_url,
                    "report_url": absolute(mention.report.get_absolute_url()),
                    "at": mention.mentioned_at,
                    "sentiment": round(mention.sentiment, 2),
                }
            )
        content.tracked_more = max(0, tracked.count() - TRACKED_SHOWN) if content.tracked else 0

    if content.shows(Section.SENTIMENT):
        _sentiment(content, in_window)

    if content.shows(Section.CONTACTS):
        contacts = BrandContact.objects.filter(
            organization=organization, created_at__gte=start, created_at__lt=end
        ).filter(Q(suggested=False) | Q(verified=True))
        if group_ids:
            contacts = contacts.filter(brand__groups__in=group_ids).distinct()
        for contact in contacts.select_related("brand").order_by("-created_at")[:CONTACTS_SHOWN]:
            content.contacts.append(
                {
                    "name": contact.full_name,
                    "title": contact.title,
                    "brand": contact.brand.name,
                    "url": absolute(reverse("contacts:detail", args=[contact.pk])),
                }
            )
        content.contacts_more = max(0, contacts.count() - CONTACTS_SHOWN) if content.contacts else 0
    return content


def _tone(score: float) -> str:
    if score >= TONE_CUT:
        return "positive"
    if score <= -TONE_CUT:
        return "negative"
    return "neutral"


def _sentiment(content: DigestContent, in_window: QuerySet[Mention]) -> None:
    zone = zoneinfo.ZoneInfo(content.time_zone)
    first = content.start.astimezone(zone).date()
    last = (content.end - timedelta(microseconds=1)).astimezone(zone).date()
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    per_day = {tone: [0] * len(days) for tone in TONE_ORDER}
    for at, score in in_window.values_list("mentioned_at", "sentiment").order_by():
        index = (at.astimezone(zone).date() - first).days
        if 0 <= index < len(days):
            per_day[_tone(score)][index] += 1
    total = sum(sum(values) for values in per_day.values())
    for tone in TONE_ORDER:
        count = sum(per_day[tone])
        content.sentiment.append(
            {
                "key": tone,
                "tone": TONE_LABELS[tone],
                "count": count,
                "percent": round(100 * count / total) if total else 0,
            }
        )
    if total:
        periods = [Period(day, f"{day:%-d %b}", f"{day:%-d %B %Y}") for day in days]
        series = [Series(TONE_LABELS[tone], per_day[tone], TONES[tone]) for tone in TONE_ORDER]
        content.charts["sentiment"] = Chart(
            "sentiment",
            "Sentiment per day",
            stacked_bar_chart(periods, series, title="Sentiment per day"),
        )
