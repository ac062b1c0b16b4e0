"""The Analytics page: mentions over time for up to ten brands, share of voice in a brand
group, sentiment over time, top sources and the brand-by-industry heat table.

Each chart is server-rendered SVG from ``reports.charts`` with a data table behind it.
"""

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString

from accounts.tenancy import request_organization
from reports import analytics
from reports.analytics_form import AnalyticsForm
from reports.charts import TONES, Bar, Series, bar_chart, heat_table, line_chart, stacked_bar_chart
from reports.models import Brand, BrandGroup, BrandStatus

# Compared when nobody chose brands: the most mentioned tracked brands (or group members).
DEFAULT_COMPARED = 5


@dataclass
class DataTable:
    """The numbers behind a chart, for screen readers and for anyone who would rather read."""

    caption: str
    head: list[str]
    rows: list[list[object]]


@dataclass
class Chart:
    key: str
    title: str
    svg: SafeString
    table: DataTable
    note: str = ""


def _choices(organization) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    groups = list(
        BrandGroup.objects.filter(organization=organization)
        .order_by("name")
        .values_list("pk", "name")
    )
    tracked = list(
        Brand.objects.filter(
            organization=organization, status=BrandStatus.TRACKED, merged_into__isnull=True
        )
        .order_by("name")
        .values_list("pk", "name")
    )
    return groups, tracked


def _compared(organization, asked: list[int], group, span) -> list[tuple[int, str]]:
    """The brands to compare, in the order asked: only the organization's live brands (other
    ids are ignored); by default the most mentioned of the group, or of the tracked brands."""
    if asked:
        names = dict(
            Brand.objects.filter(
                organization=organization, pk__in=asked, merged_into__isnull=True
            ).values_list("pk", "name")
        )
        return [(pk, names[pk]) for pk in asked if pk in names]
    top = analytics.top_brands(organization, span, limit=DEFAULT_COMPARED, group=group)
    names = dict(Brand.objects.filter(pk__in=[pk for pk, _ in top]).values_list("pk", "name"))
    return [(pk, names[pk]) for pk, _ in top]


def analytics_page(request: HttpRequest) -> HttpResponse:
    organization = request_organization(request)
    groups, tracked = _choices(organization)
    form = AnalyticsForm(request.GET or None, groups=groups, time_zone=organization.time_zone)
    span = form.span()
    group_id = form.group_id()
    group = BrandGroup.objects.filter(organization=organization, pk=group_id).first()
    compared = _compared(organization, form.brand_ids(), group, span)
    ids = [pk for pk, _ in compared]
    charts: list[Chart] = []
    heat = None
    if compared:
        timeline = analytics.timeline(organization, ids, span)
        charts.append(_mentions_chart(timeline, compared, span))
        charts.append(_sentiment_chart(timeline, span))
        charts.append(_share_chart(organization, group, timeline, compared, span))
        charts.append(_sources_chart(organization, ids, compared, span))
        heat = _heat(organization, compared, span)
    elif group is not None:
        charts.append(_share_chart(organization, group, None, compared, span))
    chosen = {pk for pk, _ in compared} if form.brand_ids() else set()
    brand_options = [(pk, name, pk in chosen) for pk, name in tracked]
    # A compared brand that is not tracked (chosen from its page) is listed too.
    known = {pk for pk, _ in tracked}
    brand_options += [(pk, name, True) for pk, name in compared if pk in chosen - known]
    return render(
        request,
        "reports/analytics.html",
        {
            "form": form,
            "span": span,
            "group": group,
            "compared": compared,
            "charts": charts,
            "heat": heat,
            "brand_options": brand_options,
            "chose_brands": bool(chosen),
            "max_compared": analytics.MAX_COMPARED,
            "weekly": span.days > analytics.DAILY_UNTIL,
        },
    )


def _period_heading(span) -> str:
    return "Week" if span.days > analytics.DAILY_UNTIL else "Day"


def _mentions_chart(timeline, compared, span) -> Chart:
    series = [Series(name, timeline.by_brand[pk]) for pk, name in compared]
    per = "week" if timeline.step == 7 else "day"
    return Chart(
        "mentions",
        f"Mentions per {per}",
        line_chart(timeline.periods, series, title=f"Mentions per {per}, {span.describe()}"),
        DataTable(
            f"Mentions per {per}, {span.describe()}",
            [_period_heading(span), *[name for _, name in compared]],
            [
                [period.long, *[timeline.by_brand[pk][index] for pk, _ in compared]]
                for index, period in enumerate(timeline.periods)
            ],
        ),
    )


def _sentiment_chart(timeline, span) -> Chart:
    series = [
        Series(tone.capitalize(), timeline.by_tone[tone], TONES[tone])
        for tone in analytics.TONE_ORDER
    ]
    per = "week" if timeline.step == 7 else "day"
    return Chart(
        "sentiment",
        f"Sentiment per {per}",
        stacked_bar_chart(timeline.periods, series, title=f"Sentiment of the mentions per {per}"),
        DataTable(
            f"Sentiment of the compared brands' mentions per {per}, {span.describe()}",
            [_period_heading(span), "Positive", "Neutral", "Negative"],
            [
                [period.long, *[timeline.by_tone[tone][index] for tone in analytics.TONE_ORDER]]
                for index, period in enumerate(timeline.periods)
            ],
        ),
        note="Each mention's sentiment toward its brand: positive from +0.05, negative from -0.05.",
    )


def _share_chart(organization, group, timeline, compared, span) -> Chart:
    if group is not None:
        share = analytics.share_of_voice(organization, group, span)
        rows = [(row.name, row.mentions, row.percent) for row in share.rows]
        if share.others:
            rows.append(
                (
                    f"{share.other_brands} other brands",
                    share.others,
                    100 * share.others / share.total,
                )
            )
        title = f"Share of voice in “{group.name}”"
        note = "Each brand's share of the mentions of the group's brands."
    else:
        total = sum(timeline.brand_total(pk) for pk, _ in compared) if timeline else 0
        rows = sorted(
            (
                (name, timeline.brand_total(pk), 100 * timeline.brand_total(pk) / total)
                for pk, name in compared
            )
            if total
            else [],
            key=lambda row: -row[1],
        )
        title = "Share of voice among the compared brands"
        note = "Choose a brand group to see the share of voice within it."
    return Chart(
        "share",
        title,
        bar_chart(
            [Bar(name, count, f"{percent:.0f} %") for name, count, percent in rows],
            title=title,
        ),
        DataTable(
            f"{title}, {span.describe()}",
            ["Brand", "Mentions", "Share"],
            [[name, count, f"{percent:.1f} %"] for name, count, percent in rows],
        ),
        note=note,
    )


def _sources_chart(organization, ids, compared, span) -> Chart:
    sources = analytics.top_sources(organization, ids, span)
    title = "Top sources"
    return Chart(
        "sources",
        title,
        bar_chart([Bar(feed.name, n) for feed, n in sources], title=title, unit="story"),
        DataTable(
            f"Feeds that carried the most stories naming the compared brands, {span.describe()}",
            ["Feed", "Stories"],
            [[feed.name, n] for feed, n in sources],
        ),
        note="Stories naming the compared brands, by the feed that carried them.",
    )


def _heat(organization, compared, span):
    co = analytics.industry_co_mentions(organization, [pk for pk, _ in compared], span)
    return heat_table(
        [name for _, name in co.industries],
        [
            (
                name,
                analytics.brand_url(pk),
                [co.counts.get(pk, {}).get(industry_id, 0) for industry_id, _ in co.industries],
            )
            for pk, name in compared
        ],
    )
