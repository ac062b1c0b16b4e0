"""Reads behind the Analytics page (and the charts of the brand page and the dashboard).

Every count is by ``Mention.mentioned_at``: the article's publication time, or its analysis
time when the feed gave none. It is the date the dashboard and the Brands page count by, so a
week here is the same week there. Days are the organization's (its time zone), as in exports.
Mentions of excluded reports are counted like the dashboard's brand counts do (they are
mentions all the same; excluding a report keeps it out of the review lists).

Mentions per brand, day and tone (the timeline, the most mentioned brands, share of voice)
are read from the daily roll-ups (``reports.rollups``) when the organization's are in its
time zone, and counted from the mention rows otherwise; both give the same numbers
(tests/reports/test_rollups.py compares them).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    Case,
    Count,
    DateField,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.db.models.sql.compiler import SQLCompiler
from django.urls import reverse
from django.utils.dates import MONTHS_3

from accounts.models import Organization
from feeds.models import ArticleFeed, Feed
from reports.charts import Period
from reports.exports.ranges import DateRange
from reports.models import Brand, BrandGroup, BrandStatus, Industry, Mention
from reports.rollups.comentions import comentions_supported
from reports.rollups.models import CoMentionDay, CoMentionMonth, MentionDay, SourceDay, SourceMonth
from reports.rollups.services import added_up, mention_totals, month_parts, rolled_up
from reports.rollups.sources import sources_supported

MAX_COMPARED = 10
# Up to this many days a point is a day; beyond it, a week (two years make 105 weeks).
DAILY_UNTIL = 92
TOP_SOURCES = 10
SHARE_SHOWN = 10
TONE_ORDER = ("positive", "neutral", "negative")
# VADER's cut, as reports.extractors.base.sentiment_label labels reports.
TONE_CUT = 0.05


def periods_for(span: DateRange) -> tuple[int, list[Period]]:
    """The step in days (1 or 7) and the periods that cover ``span``."""
    step = 1 if span.days <= DAILY_UNTIL else 7
    # Django's date format "j M Y" (the month in the active language), without its per-call
    # cost: format_date for ~200 labels took ~10 ms of a 90-day page.
    months = [""] + [str(MONTHS_3[number]).title() for number in range(1, 13)]

    def day_month(day: date) -> str:
        return f"{day.day} {months[day.month]}"

    periods = []
    start = span.start
    while start <= span.end:
        if step == 1:
            long = f"{day_month(start)} {start.year}"
        else:
            last = min(start + timedelta(days=6), span.end)
            long = f"{day_month(start)} to {day_month(last)} {last.year}"
        periods.append(Period(start, day_month(start), long))
        start += timedelta(days=step)
    return step, periods


def _in_range(span: DateRange) -> Q:
    # On the column itself (not __date): the (organization, brand, time) index reads the range.
    return Q(mentioned_at__gte=span.since, mentioned_at__lt=span.until)


def _rolled_up(
    rows: QuerySet | list[QuerySet],
    organization: Organization,
    span: DateRange,
    *,
    stories: bool = False,
) -> list | None:
    """The roll-up rows if they can answer for this range's days, else None (benchmarks
    patch this to time the mention rows' queries)."""
    return rolled_up(rows, organization, span.time_zone, stories=stories)


def _tone() -> Case:
    return Case(
        When(sentiment__gte=TONE_CUT, then=Value("positive")),
        When(sentiment__lte=-TONE_CUT, then=Value("negative")),
        default=Value("neutral"),
    )


@dataclass
class Timeline:
    """Mentions per period of each brand, and of each tone over all of them: one query."""

    step: int
    periods: list[Period]
    by_brand: dict[int, list[int]]
    by_tone: dict[str, list[int]]

    def brand_total(self, brand_id: int) -> int:
        return sum(self.by_brand.get(brand_id, ()))


class PeriodIndex(Func):
    """The index of a day's period, ``(day - start) // step``, computed by the database: a
    year of weekly points is summed there into ~53 rows a brand and tone instead of 365 (the
    Python loop over a year of five brands' days took ~25 ms of a 12-month page)."""

    output_field = IntegerField()

    def __init__(self, day: str, start: date, step: int) -> None:
        super().__init__(F(day), Value(start, output_field=DateField()))
        self.step = int(step)  # a literal in the SQL: an int, never outside input

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list]:
        # date - date is a number of days (an integer); integer division.
        return self.as_sql(
            compiler,
            connection,
            template=f"((%(expressions)s) / {self.step})",
            arg_joiner=" - ",
            **extra,
        )

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list]:
        # Two midnights: their Julian days differ by a whole number.
        return self.as_sql(
            compiler,
            connection,
            template=f"(CAST(julianday(%(expressions)s) AS INTEGER) / {self.step})",
            arg_joiner=") - julianday(",
            **extra,
        )


def timeline(organization: Organization, brand_ids: list[int], span: DateRange) -> Timeline:
    step, periods = periods_for(span)
    by_brand = {brand_id: [0] * len(periods) for brand_id in brand_ids}
    by_tone = {tone: [0] * len(periods) for tone in TONE_ORDER}
    # At most a row per brand, period and tone: a year of ten popular brands is ~1,600 rows
    # (summed from ~10,000 day rows), where the mention rows were ~100,000.
    rolled = _rolled_up(
        MentionDay.objects.filter(
            organization=organization,
            brand_id__in=brand_ids,
            day__gte=span.start,
            day__lte=span.end,
            mentions__gt=0,
        )
        .annotate(period=PeriodIndex("day", span.start, step))
        .values_list("brand_id", "period", "tone")
        .annotate(n=Sum("mentions"))
        .order_by(),
        organization,
        span,
    )
    if rolled is not None:
        rows = rolled
    else:
        rows = [
            (brand_id, (day - span.start).days // step, tone, count)
            for brand_id, day, tone, count in Mention.objects.filter(
                _in_range(span), organization=organization, brand_id__in=brand_ids
            )
            .annotate(day=TruncDate("mentioned_at", tzinfo=span.zone), tone=_tone())
            .values_list("brand_id", "day", "tone")
            .annotate(n=Count("id"))
            .order_by()
        ]
    for brand_id, index, tone, count in rows:
        if 0 <= index < len(periods):
            by_brand[brand_id][index] += count
            by_tone[tone][index] += count
    return Timeline(step, periods, by_brand, by_tone)


def top_brands(
    organization: Organization, span: DateRange, brand_ids: list[int], *, limit: int
) -> list[tuple[int, int]]:
    """(brand id, mentions) of the most mentioned of ``brand_ids`` in ``span``, most first.

    The ids are passed in (the tracked brands the page lists anyway, or a group's): a list
    reads the (organization, brand, time) index alone, where joining the brands to filter
    them took three times as long (70 ms against 24 ms over 90 days at 300,000 mentions)."""
    if not brand_ids:
        return []
    # Whole months from the monthly roll-up: a year of 200 tracked brands sums ~2,400 rows
    # where its days were ~76,000.
    parts = _rolled_up(
        mention_totals(organization, brand_ids, span.start, span.end), organization, span
    )
    if parts is not None:
        totals = sorted(added_up(parts).items(), key=lambda row: (-row[1], row[0]))
        return totals[:limit]
    return list(
        Mention.objects.filter(_in_range(span), organization=organization, brand_id__in=brand_ids)
        .values_list("brand_id")
        # COUNT(*), not COUNT(id): every column it reads is in the index, so PostgreSQL
        # answers from the index alone (8 ms against 26 ms for 50,000 mentions).
        .annotate(n=Count("*"))
        .order_by("-n", "brand_id")
        .values_list("brand_id", "n")[:limit]
    )


def group_brand_ids(group: BrandGroup) -> list[int]:
    return list(group.brands.filter(merged_into__isnull=True).values_list("pk", flat=True))


@dataclass
class Share:
    brand_id: int
    name: str
    mentions: int
    percent: float


@dataclass
class ShareOfVoice:
    rows: list[Share]
    total: int
    # Brands beyond SHARE_SHOWN, summed in one row.
    others: int = 0
    other_brands: int = 0


def share_of_voice(organization: Organization, group: BrandGroup, span: DateRange) -> ShareOfVoice:
    """Each brand of the group's share of the group's mentions in ``span``."""
    counts = top_brands(organization, span, group_brand_ids(group), limit=10_000)
    total = sum(n for _, n in counts)
    names = dict(Brand.objects.filter(pk__in=[pk for pk, _ in counts]).values_list("pk", "name"))
    rows = [
        Share(pk, names[pk], n, 100 * n / total if total else 0.0) for pk, n in counts[:SHARE_SHOWN]
    ]
    rest = counts[SHARE_SHOWN:]
    return ShareOfVoice(rows, total, sum(n for _, n in rest), len(rest))


def top_sources(
    organization: Organization, brand_ids: list[int], span: DateRange
) -> list[tuple[Feed, int]]:
    """The feeds that carried the most stories naming the brands in ``span``, most first. A
    story in two feeds counts for both: each feed did carry it. With several brands their
    stories are summed per feed: a story naming two of them counts once for each (it is a
    story about each; counting it once would need a table per story, see
    reports/rollups/sources.py).

    Read from the daily roll-up (brand, day, feed) on PostgreSQL, at most a row per brand, day
    and feed; counted from the mentions' feed links otherwise, with the same numbers."""
    where = {"organization": organization, "brand_id__in": brand_ids}
    rolled = (
        _rolled_up(
            # The whole months of the range from the monthly roll-up (a year of ten popular
            # brands: ~3,000 rows where its days were ~52,000), the partial ones from the days.
            month_parts(
                SourceDay.objects.filter(**where),
                SourceMonth.objects.filter(**where),
                span.start,
                span.end,
                ("feed_id",),
                "stories",
            ),
            organization,
            span,
        )
        if sources_supported()
        else None
    )
    if rolled is not None:
        # A row per feed and part (tens): added up and sliced here.
        totals = added_up(rolled).items()
        rows = sorted(totals, key=lambda row: (-row[1], row[0]))[:TOP_SOURCES]
    else:
        rows = list(
            # One row per (mention, feed link): one filter() call, so one join.
            ArticleFeed.objects.filter(
                article__report__mentions__organization=organization,
                article__report__mentions__brand_id__in=brand_ids,
                article__report__mentions__mentioned_at__gte=span.since,
                article__report__mentions__mentioned_at__lt=span.until,
            )
            .values_list("feed_id")
            .annotate(n=Count("*"))
            .order_by("-n", "feed_id")[:TOP_SOURCES]
        )
    feeds = Feed.objects.filter(organization=organization).in_bulk([pk for pk, _ in rows])
    found = [(feeds[pk], n) for pk, n in rows if pk in feeds]
    return sorted(found, key=lambda row: (-row[1], row[0].name.casefold()))


@dataclass
class CoMentions:
    """Stories naming each brand (rows) and also a brand of each industry (columns)."""

    industries: list[tuple[int | None, str]]
    counts: dict[int, dict[int | None, int]] = field(default_factory=dict)


def industry_co_mentions(
    organization: Organization, brand_ids: list[int], span: DateRange
) -> CoMentions:
    """For each brand, the stories in ``span`` that also name another brand, by that other
    brand's industry ("Unclassified" when it has none). A story naming two other carmakers
    counts once under Automotive. Ignored brands (noise someone dismissed) are no company."""
    others = ~Q(report__mentions__brand_id=F("brand_id")) & ~Q(
        report__mentions__brand__status=BrandStatus.IGNORED
    )
    # Stories a day per brand and industry, summed: a story has one day per brand.
    where = {"organization": organization, "brand_id__in": brand_ids}
    rolled = (
        _rolled_up(
            month_parts(
                CoMentionDay.objects.filter(**where),
                CoMentionMonth.objects.filter(**where),
                span.start,
                span.end,
                ("brand_id", "industry_key"),
                "stories",
            ),
            organization,
            span,
            stories=True,
        )
        if comentions_supported()
        else None
    )
    if rolled is not None:
        rows = [(brand_id, key or None, n) for (brand_id, key), n in added_up(rolled).items()]
    else:
        rows = (
            Mention.objects.filter(
                _in_range(span), organization=organization, brand_id__in=brand_ids
            )
            .values_list("brand_id", "report__mentions__brand__industry_id")
            .annotate(n=Count("report_id", distinct=True, filter=others))
            .order_by()
        )
    counts: dict[int, dict[int | None, int]] = defaultdict(dict)
    seen: set[int | None] = set()
    for brand_id, industry_id, n in rows:
        if n:
            counts[brand_id][industry_id] = n
            seen.add(industry_id)
    names = dict(
        Industry.objects.filter(
            organization=organization, pk__in=[i for i in seen if i]
        ).values_list("pk", "name")
    )
    industries = sorted(
        ((pk, names.get(pk, "Unclassified") if pk else "Unclassified") for pk in seen),
        key=lambda entry: (entry[0] is None, entry[1].casefold()),
    )
    return CoMentions(industries, dict(counts))


def brand_url(brand_id: int) -> str:
    return reverse("brands:detail", args=[brand_id])
