"""What a share link shows, computed by the same code as the signed-in pages: the Analytics
page's filters, selection and charts (reports.views.analytics, over reports.analytics), and
the digest of reports.digests.content. Nothing is recomputed here, so the client sees exactly
the numbers the organization's members see for the same filters.

Differences, on purpose: every chart is drawn at once (the public page makes no second
request), brand names are not links (no other page is reachable), and a digest leaves out its
"New contacts" section (people's names and titles stay behind the login).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.http import QueryDict

from accounts.models import Organization
from reports.digests.content import DigestContent, digest_build
from reports.digests.models import DigestTemplate, Section
from reports.exports.ranges import DateRange, RangePreset, resolve_range
from reports.views import analytics as analytics_views

DIGEST_TOO_LONG = "a digest covers at most {max_days} days (two years)."
# Digests shown by a link have these sections at most.
PUBLIC_SECTIONS = [section for section in Section.values if section != Section.CONTACTS]


def as_query(params: dict[str, list[str]]) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, values in params.items():
        query.setlist(key, [str(value) for value in values])
    return query


@dataclass
class AnalyticsView:
    span: DateRange
    group_name: str
    compared: list[tuple[int, str]]
    chose_brands: bool
    charts: list[analytics_views.Chart]
    weekly: bool


def analytics_view(organization: Organization, params: dict[str, list[str]]) -> AnalyticsView:
    """The Analytics page of ``organization`` for the saved filters, every chart drawn."""
    groups, tracked = analytics_views._choices(organization)
    form = analytics_views.AnalyticsForm(
        as_query(params) or None, groups=groups, time_zone=organization.time_zone
    )
    chosen = analytics_views._selection(organization, form, tracked)
    charts: list[analytics_views.Chart] = []
    if chosen.compared:
        timeline = analytics_views.analytics.timeline(organization, chosen.ids, chosen.span)
        charts.append(analytics_views._mentions_chart(timeline, chosen))
        charts.append(analytics_views._sentiment_chart(timeline, chosen.span))
        if chosen.group is None:
            charts.append(analytics_views._share_chart(organization, chosen, timeline))
        for key in analytics_views.LAZY:
            if key != "share" or chosen.group is not None:
                charts.append(_unlinked(analytics_views._lazy_chart(organization, chosen, key)))
    return AnalyticsView(
        span=chosen.span,
        group_name=chosen.group.name if chosen.group else "",
        compared=chosen.compared,
        chose_brands=chosen.chose_brands,
        charts=charts,
        weekly=chosen.span.days > analytics_views.analytics.DAILY_UNTIL,
    )


def _unlinked(chart: analytics_views.Chart) -> analytics_views.Chart:
    """The heat table's rows link to brand pages: not on a public page."""
    if chart.heat is None:
        return chart
    rows = [replace(row, url="") for row in chart.heat.rows]
    return replace(chart, heat=replace(chart.heat, rows=rows))


def digest_span(params: dict[str, Any], time_zone: str) -> DateRange:
    """The link's range: a rolling preset (the last 7 days by default) or fixed dates.
    Raises ValidationError for a range the digest cannot show (checked when it is made)."""

    def one(key: str) -> str | None:
        values = params.get(key) or []
        return str(values[0]) if values else None

    def day(key: str) -> date | None:
        raw = one(key)
        try:
            return date.fromisoformat(raw) if raw else None
        except ValueError:
            raise ValidationError({key: "Enter a valid date."}) from None

    return resolve_range(
        preset=one("range") or RangePreset.LAST_7_DAYS,
        time_zone=time_zone,
        date_from=day("date_from"),
        date_to=day("date_to"),
        too_long=DIGEST_TOO_LONG,
    )


def digest_view(
    organization: Organization, template: DigestTemplate, params: dict[str, Any]
) -> DigestContent:
    span = digest_span(params, organization.time_zone)
    content = digest_build(
        template=template,
        organization=organization,
        start=span.since,
        end=span.until,
        time_zone=organization.time_zone,
    )
    content.sections = [section for section in content.sections if section in PUBLIC_SECTIONS]
    content.contacts, content.contacts_more = [], 0
    return content
