"""What counts as an incident, as read-only queries over mentions (docs/alerts.md).

- baseline: the median of a brand's daily mention counts over the ``baseline_days`` whole
  24-hour periods before the last 24 hours (days without a mention count as 0);
- spike: in the last 24 hours, at least ``min_mentions`` mentions and more than
  ``spike_factor`` x the baseline;
- negative cluster: at least ``cluster_size`` mentions with sentiment at or below
  ``negative_threshold`` within the last ``window_hours``;
- group mention: mentions of a brand of the rule's group analysed within the last
  ``window_hours`` that no alert of the rule has reported yet.

Every kind ignores rejected mentions and mentions below ``min_confidence``. Counting is by
``Mention.mentioned_at`` (the article's publication time, or its analysis time when it has
none), so a late backfill of old articles lands in the days it belongs to; the group kind
reads the analysis time instead, so an old article analysed today is still news to report.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, QuerySet

from reports.alerts.models import AlertKind, AlertRule
from reports.models import Brand, BrandStatus, Mention, ReviewStatus

SPIKE_WINDOW = timedelta(hours=24)


@dataclass
class Incident:
    brand_id: int
    observed: int
    window_start: datetime
    window_end: datetime
    mention_ids: list[int] = field(default_factory=list)
    baseline: float | None = None
    brand: Brand | None = None

    def summary(self, rule: AlertRule) -> str:
        name = self.brand.name if self.brand else str(self.brand_id)
        if rule.kind == AlertKind.SPIKE:
            return (
                f"{name}: {self.observed} mentions in 24 hours, "
                f"{_times(self.observed, self.baseline or 0.0)} its daily median of "
                f"{self.baseline or 0:g}."
            )
        if rule.kind == AlertKind.NEGATIVE:
            return f"{name}: {self.observed} negative mentions within {rule.window_hours} hours."
        plural = "s" if self.observed != 1 else ""
        return f"{name} ({rule.group}): {self.observed} new mention{plural}."


def _times(observed: int, baseline: float) -> str:
    if baseline <= 0:
        return "against"
    return f"{observed / baseline:.1f}×"  # noqa: RUF001  (the sign, in a sentence)


def counted_mentions(rule: AlertRule) -> QuerySet[Mention]:
    """The mentions a rule may count: its organization's, not rejected, confident enough."""
    return Mention.objects.filter(
        organization_id=rule.organization_id, confidence__gte=rule.min_confidence
    ).exclude(review_status=ReviewStatus.REJECTED)


def watched_brands(rule: AlertRule) -> QuerySet[Brand]:
    brands = Brand.objects.filter(organization_id=rule.organization_id, merged_into__isnull=True)
    if rule.kind != AlertKind.GROUP:
        brands = brands.filter(status=BrandStatus.TRACKED)
    if rule.group_id:
        brands = brands.filter(groups=rule.group_id)
    return brands


def daily_counts(rule: AlertRule, brand_id: int, *, end: datetime, days: int) -> list[int]:
    """Mentions per 24-hour period, for the ``days`` periods that end at ``end``."""
    start = end - timedelta(days=days)
    times = counted_mentions(rule).filter(
        brand_id=brand_id, mentioned_at__gte=start, mentioned_at__lt=end
    )
    per_day = Counter(
        min(int((moment - start) / timedelta(days=1)), days - 1)
        for moment in times.values_list("mentioned_at", flat=True)
    )
    return [per_day.get(day, 0) for day in range(days)]


def baseline(rule: AlertRule, brand_id: int, *, now: datetime) -> float:
    counts = daily_counts(rule, brand_id, end=now - SPIKE_WINDOW, days=rule.baseline_days)
    return float(statistics.median(counts))


def _per_brand(mentions: QuerySet[Mention], minimum: int) -> dict[int, int]:
    rows = (
        mentions.order_by()
        .values("brand_id")
        .annotate(n=Count("id"))
        .filter(n__gte=minimum)
        .values_list("brand_id", "n")
    )
    return dict(rows)


def _ids(mentions: QuerySet[Mention], brand_id: int) -> list[int]:
    return list(
        mentions.filter(brand_id=brand_id)
        .order_by("-mentioned_at", "-id")
        .values_list("id", flat=True)
    )


def find_incidents(rule: AlertRule, *, now: datetime) -> list[Incident]:
    """The brands for which ``rule`` holds at ``now`` (cool-down not applied here)."""
    brands = watched_brands(rule)
    counted = counted_mentions(rule).filter(brand__in=brands)
    incidents = []
    if rule.kind == AlertKind.SPIKE:
        start = now - SPIKE_WINDOW
        window = counted.filter(mentioned_at__gte=start, mentioned_at__lte=now)
        for brand_id, observed in _per_brand(window, rule.min_mentions).items():
            median = baseline(rule, brand_id, now=now)
            if observed > rule.spike_factor * median:
                incidents.append(
                    Incident(brand_id, observed, start, now, _ids(window, brand_id), median)
                )
    elif rule.kind == AlertKind.NEGATIVE:
        start = now - timedelta(hours=rule.window_hours)
        window = counted.filter(
            mentioned_at__gte=start,
            mentioned_at__lte=now,
            sentiment__lte=rule.negative_threshold,
        )
        for brand_id, observed in _per_brand(window, rule.cluster_size).items():
            incidents.append(Incident(brand_id, observed, start, now, _ids(window, brand_id)))
    else:
        start = now - timedelta(hours=rule.window_hours)
        window = counted.filter(
            report__analysed_at__gte=start, report__analysed_at__lte=now
        ).exclude(alerts__rule=rule)
        for brand_id, observed in _per_brand(window, 1).items():
            incidents.append(Incident(brand_id, observed, start, now, _ids(window, brand_id)))
    by_id = Brand.objects.in_bulk([incident.brand_id for incident in incidents])
    for incident in incidents:
        incident.brand = by_id[incident.brand_id]
    return incidents
