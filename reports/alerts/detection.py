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
from collections import Counter, defaultdict
from collections.abc import Iterable
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


def daily_counts(
    rule: AlertRule, brand_ids: Iterable[int], *, end: datetime, days: int
) -> dict[int, list[int]]:
    """Each brand's mentions per 24-hour period, for the ``days`` periods that end at
    ``end`` (one query for all the brands)."""
    brand_ids = list(brand_ids)
    start = end - timedelta(days=days)
    times = counted_mentions(rule).filter(
        brand_id__in=brand_ids, mentioned_at__gte=start, mentioned_at__lt=end
    )
    per_day: dict[int, Counter[int]] = {brand_id: Counter() for brand_id in brand_ids}
    for brand_id, moment in times.order_by().values_list("brand_id", "mentioned_at"):
        per_day[brand_id][min(int((moment - start) / timedelta(days=1)), days - 1)] += 1
    return {
        brand_id: [counts.get(day, 0) for day in range(days)]
        for brand_id, counts in per_day.items()
    }


def baselines(rule: AlertRule, brand_ids: Iterable[int], *, now: datetime) -> dict[int, float]:
    """The median daily count of each brand before the spike window (see the module)."""
    counts = daily_counts(rule, brand_ids, end=now - SPIKE_WINDOW, days=rule.baseline_days)
    return {brand_id: float(statistics.median(days)) for brand_id, days in counts.items()}


def _per_brand(mentions: QuerySet[Mention], minimum: int) -> dict[int, int]:
    rows = (
        mentions.order_by()
        .values("brand_id")
        .annotate(n=Count("id"))
        .filter(n__gte=minimum)
        .values_list("brand_id", "n")
    )
    return dict(rows)


def _ids_by_brand(mentions: QuerySet[Mention], brand_ids: Iterable[int]) -> dict[int, list[int]]:
    """The mentions of each brand, newest first, in one query."""
    found: dict[int, list[int]] = defaultdict(list)
    rows = (
        mentions.filter(brand_id__in=list(brand_ids))
        .order_by("-mentioned_at", "-id")
        .values_list("brand_id", "id")
    )
    for brand_id, mention_id in rows:
        found[brand_id].append(mention_id)
    return found


def find_incidents(rule: AlertRule, *, now: datetime, skip: Iterable[int] = ()) -> list[Incident]:
    """The brands for which ``rule`` holds at ``now``, leaving out the brands in ``skip``
    (those in their cool-down: nothing is computed for them)."""
    skipped = set(skip)
    brands = watched_brands(rule).exclude(pk__in=skipped)
    counted = counted_mentions(rule).filter(brand__in=brands)
    if rule.kind == AlertKind.SPIKE:
        start = now - SPIKE_WINDOW
        window = counted.filter(mentioned_at__gte=start, mentioned_at__lte=now)
        candidates = _per_brand(window, rule.min_mentions)
        medians = baselines(rule, candidates, now=now) if candidates else {}
        found = {
            brand_id: (observed, medians[brand_id])
            for brand_id, observed in candidates.items()
            if observed > rule.spike_factor * medians[brand_id]
        }
    elif rule.kind == AlertKind.NEGATIVE:
        start = now - timedelta(hours=rule.window_hours)
        window = counted.filter(
            mentioned_at__gte=start,
            mentioned_at__lte=now,
            sentiment__lte=rule.negative_threshold,
        )
        found = {b: (n, None) for b, n in _per_brand(window, rule.cluster_size).items()}
    else:
        start = now - timedelta(hours=rule.window_hours)
        window = counted.filter(
            report__analysed_at__gte=start, report__analysed_at__lte=now
        ).exclude(alerts__rule=rule)
        found = {b: (n, None) for b, n in _per_brand(window, 1).items()}
    if not found:
        return []
    ids = _ids_by_brand(window, found)
    by_id = Brand.objects.in_bulk(list(found))
    return [
        Incident(brand_id, observed, start, now, ids[brand_id], median, by_id[brand_id])
        for brand_id, (observed, median) in found.items()
    ]
