"""The Analytics page: mentions over time for up to ten brands, share of voice in a brand
group, sentiment over time, top sources and the brand-by-industry heat table.

Each chart is server-rendered SVG from ``reports.charts`` with a data table behind it.
"""

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from accounts.models import Organization
from accounts.tenancy import request_organization
from reports import analytics
from reports.analytics_form import AnalyticsForm
from reports.charts import (
    TONES,
    Bar,
    DataTable,
    HeatTable,
    Series,
    bar_chart,
    heat_table,
    line_chart,
    stacked_bar_chart,
)
from reports.exports.ranges import DateRange
from reports.models import Brand, BrandGroup, BrandStatus
from reports.rollups.recount import recount_pending

# Compared when nobody chose brands: the most mentioned tracked brands (or group members).
DEFAULT_COMPARED = 5


@dataclass
class Chart:
    key: str
    title: str
    svg: SafeString | None = None
    table: DataTable | None = None
    note: str = ""
    heat: HeatTable | None = None
    # Not drawn yet: the page loads it in a request of its own (see LAZY).
    lazy: bool = False


# Charts that read more than the timeline: the page comes first and each of these follows in
# its own request (htmx, on load; a plain link without JavaScript), so neither waits for the
# other. benchmarks/pages.py times each of them on its own.
LAZY = {
    "share": "Share of voice",
    "sources": "Top sources",
    "heat": "Brands by industry",
}


@dataclass
class Selection:
    span: DateRange
    group: BrandGroup | None
    compared: list[tuple[int, str]]
    chose_brands: bool

    @property
    def ids(self) -> list[int]:
        return [pk for pk, _ in self.compared]


def _choices(organization: Organization) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
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


def _selection(
    organization: Organization, form: AnalyticsForm, tracked: list[tuple[int, str]]
) -> Selection:
    """What the charts show. Brands asked for are kept only if they are the organization's
    live brands (other ids are ignored), in the order asked; by default the most mentioned
    of the group, or of the tracked brands."""
    span = form.span()
    group_id = form.group_id()
    group = (
        BrandGroup.objects.filter(organization=organization, pk=group_id).first()
        if group_id
        else None
    )
    asked = form.brand_ids()
    if asked:
        names = dict(
            Brand.objects.filter(
                organization=organization, pk__in=asked, merged_into__isnull=True
            ).values_list("pk", "name")
        )
        compared = [(pk, names[pk]) for pk in asked if pk in names]
    else:
        pool = analytics.group_brand_ids(group) if group is not None else [pk for pk, _ in tracked]
        top = analytics.top_brands(organization, span, pool, limit=DEFAULT_COMPARED)
        # The tracked brands' names are on the page already: a query only for a group's.
        names = (
            dict(tracked)
            if group is None
            else dict(Brand.objects.filter(pk__in=[pk for pk, _ in top]).values_list("pk", "name"))
        )
        compared = [(pk, names[pk]) for pk, _ in top]
    return Selection(span, group, compared, chose_brands=bool(asked))


def analytics_page(request: HttpRequest) -> HttpResponse:
    organization = request_organization(request)
    groups, tracked = _choices(organization)
    form = AnalyticsForm(request.GET or None, groups=groups, time_zone=organization.time_zone)
    chosen = _selection(organization, form, tracked)
    wanted = request.GET.get("chart", "")
    if request.htmx and wanted in LAZY:
        return render(
            request,
            "reports/analytics.html#chart_card",
            {"chart": _lazy_chart(organization, chosen, wanted)},
        )
    charts: list[Chart] = []
    if chosen.compared:
        timeline = analytics.timeline(organization, chosen.ids, chosen.span)
        charts.append(_mentions_chart(timeline, chosen))
        charts.append(_sentiment_chart(timeline, chosen.span))
        if chosen.group is None:
            charts.append(_share_chart(organization, chosen, timeline))
    # Nothing compared (a group nobody mentioned): the page says so instead of empty charts.
    lazy = [key for key in LAZY if chosen.compared and (key != "share" or chosen.group)]
    for key in lazy:
        # Without JavaScript the chart's link asks for the page with that chart drawn in it.
        charts.append(
            _lazy_chart(organization, chosen, key)
            if key == wanted
            else Chart(key, LAZY[key], lazy=True)
        )
    query = request.GET.copy()
    query.pop("chart", None)
    # The deferred charts' requests name the brands this page compares: they need not look
    # for the most mentioned ones again (a count over the whole range).
    query.setlist("brand", [str(pk) for pk in chosen.ids])
    ids = {pk for pk, _ in chosen.compared} if chosen.chose_brands else set()
    brand_options = [(pk, name, pk in ids) for pk, name in tracked]
    # A compared brand that is not tracked (chosen from its page) is listed too.
    known = {pk for pk, _ in tracked}
    brand_options += [(pk, name, True) for pk, name in chosen.compared if pk in ids - known]
    return render(
        request,
        "reports/analytics.html",
        {
            "form": form,
            "span": chosen.span,
            "group": chosen.group,
            "compared": chosen.compared,
            "chose_brands": chosen.chose_brands,
            "charts": charts,
            "query": query.urlencode(),
            "brand_options": brand_options,
            "brand_options_html": _brand_options_html(brand_options),
            "max_compared": analytics.MAX_COMPARED,
            "weekly": chosen.span.days > analytics.DAILY_UNTIL,
            "updating": recount_pending(organization),
        },
    )


def _brand_options_html(options: list[tuple[int, str, bool]]) -> SafeString:
    """The brand picker's checkboxes, built in Python with each name escaped once: an
    organization tracks hundreds of brands, and a template loop of them took ~10 ms."""
    return mark_safe(  # noqa: S308 - the names are escaped here; the ids are ints
        "".join(
            f'<li><label><input type="checkbox" name="brand" value="{int(pk)}"'
            f"{' checked' if checked else ''}> {escape(name)}</label></li>"
            for pk, name, checked in options
        )
    )


def _lazy_chart(organization: Organization, chosen: Selection, key: str) -> Chart:
    if key == "share":
        # Asked for without a group (an edited address): the compared brands' own shares.
        timeline = (
            None
            if chosen.group is not None
            else analytics.timeline(organization, chosen.ids, chosen.span)
        )
        return _share_chart(organization, chosen, timeline)
    if not chosen.compared:
        return Chart(key, LAZY[key], note="No brand to chart in this range.")
    if key == "sources":
        return _sources_chart(organization, chosen)
    return _heat_chart(organization, chosen)


def _per(span: DateRange) -> str:
    return "week" if span.days > analytics.DAILY_UNTIL else "day"


def _mentions_chart(timeline: analytics.Timeline, chosen: Selection) -> Chart:
    span, per = chosen.span, _per(chosen.span)
    series = [Series(name, timeline.by_brand[pk]) for pk, name in chosen.compared]
    return Chart(
        "mentions",
        f"Mentions per {per}",
        # Wider than the default: this chart spans the page, and its text keeps its size.
        line_chart(
            timeline.periods,
            series,
            title=f"Mentions per {per}, {span.describe()}",
            width=960,
            height=300,
        ),
        DataTable(
            f"Mentions per {per}, {span.describe()}",
            [per.capitalize(), *[name for _, name in chosen.compared]],
            [
                [period.long, *[timeline.by_brand[pk][index] for pk in chosen.ids]]
                for index, period in enumerate(timeline.periods)
            ],
        ),
    )


def _sentiment_chart(timeline: analytics.Timeline, span: DateRange) -> Chart:
    per = _per(span)
    series = [
        Series(tone.capitalize(), timeline.by_tone[tone], TONES[tone])
        for tone in analytics.TONE_ORDER
    ]
    return Chart(
        "sentiment",
        f"Sentiment per {per}",
        stacked_bar_chart(timeline.periods, series, title=f"Sentiment of the mentions per {per}"),
        DataTable(
            f"Sentiment of the compared brands' mentions per {per}, {span.describe()}",
            [per.capitalize(), "Positive", "Neutral", "Negative"],
            [
                [period.long, *[timeline.by_tone[tone][index] for tone in analytics.TONE_ORDER]]
                for index, period in enumerate(timeline.periods)
            ],
        ),
        note="Each mention's sentiment toward its brand: positive from +0.05, negative from -0.05.",
    )


def _share_chart(
    organization: Organization, chosen: Selection, timeline: analytics.Timeline | None
) -> Chart:
    if chosen.group is not None:
        share = analytics.share_of_voice(organization, chosen.group, chosen.span)
        rows = [(row.name, row.mentions, row.percent) for row in share.rows]
        if share.others:
            rows.append(
                (
                    f"{share.other_brands} other brands",
                    share.others,
                    100 * share.others / share.total,
                )
            )
        title = f"Share of voice in “{chosen.group.name}”"
        note = "Each brand's share of the mentions of the group's brands."
    else:
        totals = [(name, timeline.brand_total(pk)) for pk, name in chosen.compared]
        total = sum(count for _, count in totals)
        rows = sorted(
            ((name, count, 100 * count / total) for name, count in totals if total),
            key=lambda row: -row[1],
        )
        title = "Share of voice among the compared brands"
        note = "Choose a brand group to see the share of voice within it."
    return Chart(
        "share",
        title,
        bar_chart(
            [Bar(name, count, f"{percent:.0f} %") for name, count, percent in rows], title=title
        ),
        DataTable(
            f"{title}, {chosen.span.describe()}",
            ["Brand", "Mentions", "Share"],
            [[name, count, f"{percent:.1f} %"] for name, count, percent in rows],
        ),
        note=note,
    )


def _sources_chart(organization: Organization, chosen: Selection) -> Chart:
    sources = analytics.top_sources(organization, chosen.ids, chosen.span)
    title = "Top sources"
    if len(chosen.ids) == 1:
        unit, column = "story", "Stories"
        note = "Stories naming the brand, by the feed that carried them."
    else:
        # Summed per brand (reports/rollups/sources.py): counted as what they are, mentions.
        unit, column = "mention", "Mentions"
        note = (
            "Mentions of the compared brands in the stories each feed carried: a story "
            "naming two of them counts twice."
        )
    return Chart(
        "sources",
        title,
        bar_chart([Bar(feed.name, n) for feed, n in sources], title=title, unit=unit),
        DataTable(
            f"Feeds that carried the most stories naming the compared brands, "
            f"{chosen.span.describe()}",
            ["Feed", column],
            [[feed.name, n] for feed, n in sources],
        ),
        note=note,
    )


def _heat_chart(organization: Organization, chosen: Selection) -> Chart:
    co = analytics.industry_co_mentions(organization, chosen.ids, chosen.span)
    table = heat_table(
        [name for _, name in co.industries],
        [
            (
                name,
                analytics.brand_url(pk),
                [co.counts.get(pk, {}).get(industry_id, 0) for industry_id, _ in co.industries],
            )
            for pk, name in chosen.compared
        ],
    )
    return Chart(
        "heat",
        "Brands by industry",
        heat=table,
        note="Stories naming each brand that also name a brand of each industry (a story "
        "counts once per industry).",
    )


def brand_charts(
    organization: Organization, brand: Brand, timeline: analytics.Timeline, span: DateRange
) -> list[Chart]:
    """The brand page's charts besides its mentions per day: the same sentiment over time
    and top sources as the Analytics page, for this one brand."""
    chosen = Selection(span, None, [(brand.pk, brand.name)], chose_brands=True)
    return [_sentiment_chart(timeline, span), _sources_chart(organization, chosen)]


def mentions_table(timeline: analytics.Timeline, brand: Brand, span: DateRange) -> DataTable:
    return DataTable(
        f"Mentions of {brand.name} per day, {span.describe()}",
        ["Day", "Mentions"],
        [
            [period.long, timeline.by_brand[brand.pk][index]]
            for index, period in enumerate(timeline.periods)
        ],
    )
