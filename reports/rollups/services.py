"""Rebuilding and checking the roll-ups, and the question readers ask: may I use them?

The triggers keep the counts current; these are for what triggers cannot do (count what was
there before they existed, count again in a new time zone) and the safety net that compares
roll-ups with the mention rows and repairs a day that differs.
"""

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Case, Count, Q, QuerySet, Sum, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import Organization
from reports.models import Mention
from reports.rollups import comentions, months, sources
from reports.rollups.models import (
    CoMentionDay,
    MentionDay,
    MentionMonth,
    RollupState,
    SourceDay,
)
from reports.rollups.recount import recount_pending, stories_recount
from reports.rollups.triggers import LOCK_SPACE

logger = logging.getLogger(__name__)

# VADER's cut, as reports.analytics and the triggers count tones.
TONE_CUT = 0.05
Key = tuple[int, date, str]
# A deferred story recount still due this long after it was asked is redone by the repair.
RECOUNT_GRACE = timedelta(minutes=30)


def rollup_zone(organization: Organization) -> str | None:
    """The time zone the organization's roll-ups count days in, if readers may use them:
    they exist and are in the organization's time zone. Asked once per request at most
    (kept on the organization object)."""
    cached = getattr(organization, "_rollup_zone", False)
    if cached is not False:
        return cached
    zone = (
        RollupState.objects.filter(organization=organization)
        .values_list("time_zone", flat=True)
        .first()
    )
    usable = zone if zone == organization.time_zone else None
    organization._rollup_zone = usable  # a per-request memo
    return usable


def rolled_up(
    rows: QuerySet | list[QuerySet],
    organization: Organization,
    zone_name: str,
    *,
    stories: bool = False,
) -> list | None:
    """``rows`` of a roll-up table, if the roll-ups can answer for days in ``zone_name``;
    None when the caller must count the mention rows instead. ``stories``: the rows are the
    heat table's story counts, which must also have no recount pending (recount.py). A list
    of querysets (the days and the months of a range) is read as one query, their rows one
    after the other (UNION ALL): the caller adds them up.

    The zone (and the recount) is checked in the same query (a join to the state), so a page
    pays no query for it; only an empty answer asks whether it is empty or the roll-ups are
    elsewhere."""
    parts = []
    for part in rows if isinstance(rows, list) else [rows]:
        part = part.filter(organization__rollup_state__time_zone=zone_name)
        if stories:
            part = part.filter(organization__rollup_state__recount_requested_at__isnull=True)
        parts.append(part)
    found = list(parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0])
    if found:
        return found
    if rollup_zone(organization) != zone_name or (stories and recount_pending(organization)):
        return None
    return []


def _tone() -> Case:
    return Case(
        When(sentiment__gte=TONE_CUT, then=Value("positive")),
        When(sentiment__lte=-TONE_CUT, then=Value("negative")),
        default=Value("neutral"),
    )


def _bounds(start: date | None, end: date | None, zone: ZoneInfo) -> Q:
    """Mentions whose local day is in [start, end] (either side open when None)."""
    where = Q()
    if start is not None:
        where &= Q(mentioned_at__gte=datetime.combine(start, time.min, tzinfo=zone))
    if end is not None:
        where &= Q(
            mentioned_at__lt=datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)
        )
    return where


def raw_counts(
    organization: Organization, zone_name: str, start: date | None = None, end: date | None = None
) -> dict[tuple[int, date, str], int]:
    """(brand, day, tone) → mentions, counted from the mention rows."""
    zone = ZoneInfo(zone_name)
    rows = (
        Mention.objects.filter(_bounds(start, end, zone), organization=organization)
        .annotate(day=TruncDate("mentioned_at", tzinfo=zone), tone=_tone())
        .values_list("brand_id", "day", "tone")
        .annotate(n=Count("*"))
        .order_by()
    )
    return {(brand, day, tone): n for brand, day, tone, n in rows}


def rolled_up_counts(
    organization: Organization, start: date | None = None, end: date | None = None
) -> dict[tuple[int, date, str], int]:
    """(brand, day, tone) → mentions, as the roll-ups hold them (rows at 0 left out)."""
    rows = MentionDay.objects.filter(organization=organization).exclude(mentions=0)
    if start is not None:
        rows = rows.filter(day__gte=start)
    if end is not None:
        rows = rows.filter(day__lte=end)
    return {
        (brand, day, tone): n
        for brand, day, tone, n in rows.values_list("brand_id", "day", "tone", "mentions")
    }


@dataclass
class RollupCheck:
    organization_id: int
    time_zone: str | None
    # (brand, day, tone) → (rolled up, counted from the mentions), where they differ.
    differences: dict[Key, tuple[int, int]]
    # The heat table's (PostgreSQL): (brand, day, industry key) → (rolled up, counted).
    co_differences: dict[tuple[int, date, int], tuple[int, int]] = field(default_factory=dict)
    # Top sources' (PostgreSQL): (brand, day, feed) → (rolled up, counted).
    source_differences: dict[tuple[int, date, int], tuple[int, int]] = field(default_factory=dict)
    # The monthly roll-ups' (months.py), against the sums of their days: month table →
    # (brand, month[, feed or industry]) → (month row, sum of the days).
    month_differences: dict[str, dict[tuple, tuple[int, int]]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return (
            self.time_zone is not None
            and not self.differences
            and not self.co_differences
            and not self.source_differences
            and not self.month_differences
        )

    @property
    def months(self) -> set[date]:
        return {key[1] for rows in self.month_differences.values() for key in rows}

    @property
    def days(self) -> set[date]:
        return (
            {day for _, day, _ in self.differences}
            | {day for _, day, _ in self.co_differences}
            | {day for _, day, _ in self.source_differences}
        )


def rollup_check(
    *, organization: Organization, start: date | None = None, end: date | None = None
) -> RollupCheck:
    """Compare the roll-ups with the mention rows over [start, end] (all days when None).
    Without a state there is nothing to compare: ``ok`` is False, ``time_zone`` None."""
    state = RollupState.objects.filter(organization=organization).first()
    if state is None:
        return RollupCheck(organization.pk, None, {})
    rolled = rolled_up_counts(organization, start, end)
    raw = raw_counts(organization, state.time_zone, start, end)
    check = RollupCheck(organization.pk, state.time_zone, _differ(rolled, raw))
    if comentions.comentions_supported():
        zone = ZoneInfo(state.time_zone)
        rows = CoMentionDay.objects.filter(organization=organization).exclude(stories=0)
        if start is not None:
            rows = rows.filter(day__gte=start)
        if end is not None:
            rows = rows.filter(day__lte=end)
        since, until = _instants(start, end, zone)
        check.co_differences = _differ(
            {
                (brand, day, industry): n
                for brand, day, industry, n in rows.values_list(
                    "brand_id", "day", "industry_key", "stories"
                )
            },
            comentions.counted_co_mentions(organization.pk, since, until),
        )
    if sources.sources_supported():
        since, until = _instants(start, end, ZoneInfo(state.time_zone))
        check.source_differences = _differ(
            {
                (brand, day, feed): n
                for brand, day, feed, n in _days(
                    SourceDay.objects.filter(organization=organization).exclude(stories=0),
                    start,
                    end,
                ).values_list("brand_id", "day", "feed_id", "stories")
            },
            sources.counted_sources(organization.pk, since, until),
        )
    check.month_differences = months.differences(organization.pk, start, end)
    return check


def _days(rows: QuerySet, start: date | None, end: date | None) -> QuerySet:
    if start is not None:
        rows = rows.filter(day__gte=start)
    if end is not None:
        rows = rows.filter(day__lte=end)
    return rows


def _differ(rolled: dict, raw: dict) -> dict:
    return {
        key: (rolled.get(key, 0), raw.get(key, 0))
        for key in rolled.keys() | raw.keys()
        if rolled.get(key, 0) != raw.get(key, 0)
    }


def _instants(start: date | None, end: date | None, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[since, until) of the local days [start, end]; open sides as far as dates go."""
    since = datetime.combine(start or date(1, 1, 2), time.min, tzinfo=zone)
    until = datetime.combine((end or date(9999, 12, 30)) + timedelta(days=1), time.min, tzinfo=zone)
    return since, until


def _lock(organization: Organization) -> None:
    """Wait for every transaction that wrote this organization's mentions to end, and keep
    new ones waiting until this one ends (their triggers take the shared lock)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, (%s %% 2147483647)::integer)",
                [LOCK_SPACE, organization.pk],
            )


@transaction.atomic
def rollup_rebuild(
    *, organization: Organization, start: date | None = None, end: date | None = None
) -> int:
    """Count the organization's mentions again over [start, end] (every day when both are
    None) and return the roll-up rows written. Idempotent: running it twice gives the same
    rows.

    Counts in the roll-ups' time zone; when there are none yet, or they are in another zone
    than the organization's (its zone changed), every day is counted again in the
    organization's zone, whatever range was asked, and the state says so."""
    _lock(organization)
    organization.refresh_from_db(fields=["time_zone"])
    state = RollupState.objects.select_for_update().filter(organization=organization).first()
    if state is None or state.time_zone != organization.time_zone:
        start = end = None
        state = state or RollupState(organization=organization)
        state.time_zone = organization.time_zone
    zone = ZoneInfo(state.time_zone)
    # Saved first: the co-mention counts read the zone from it (no writer can come between,
    # the lock keeps them waiting; SQLite has one writer).
    state.rebuilt_at = timezone.now()
    if start is None and end is None:
        # Every story is counted again below: a deferred recount has nothing left to do.
        state.recount_requested_at = None
    state.save()
    organization.__dict__.pop("_recount_pending", None)
    for model in (MentionDay, CoMentionDay, SourceDay):
        stale = model.objects.filter(organization=organization)
        if start is not None:
            stale = stale.filter(day__gte=start)
        if end is not None:
            stale = stale.filter(day__lte=end)
        stale.delete()
    counts = (
        Mention.objects.filter(_bounds(start, end, zone), organization=organization)
        .annotate(day=TruncDate("mentioned_at", tzinfo=zone), tone=_tone())
        .values("organization_id", "brand_id", "day", "tone")
        .annotate(n=Count("*"))
        .order_by()
    )
    select, params = counts.query.sql_with_params()
    with connection.cursor() as cursor:
        # INSERT … SELECT: the counts never travel through Python (300,000 mentions: ~1 s).
        cursor.execute(
            "INSERT INTO reports_mentionday (organization_id, brand_id, day, tone, mentions) "
            f"{select}",
            params,
        )
        written = cursor.rowcount
    if comentions.comentions_supported():
        written += comentions.comentions_rebuild(organization.pk, *_instants(start, end, zone))
    if sources.sources_supported():
        written += sources.sources_rebuild(organization.pk, *_instants(start, end, zone))
    # The months followed the days (their triggers): a whole rebuild drops those left at 0.
    if start is None and end is None:
        months.drop_empty(organization.pk)
    organization.__dict__.pop("_rollup_zone", None)
    return written


def rollups_repair(
    *, days: int = 7, today: date | None = None, organizations: list[Organization] | None = None
) -> dict[int, int]:
    """The safety net: for each organization, rebuild what is not right. Roll-ups missing or
    in an old time zone are rebuilt whole; otherwise the last ``days`` days are compared with
    the mention rows and the days that differ are counted again (a warning says so: with the
    triggers in place that should never happen). Returns organization id → rows written."""
    written: dict[int, int] = {}
    for organization in organizations or Organization.objects.order_by("pk"):
        if rollup_zone(organization) is None:
            written[organization.pk] = rollup_rebuild(organization=organization)
            continue
        # A deferred recount whose task was lost (a worker killed, a broker flushed).
        if RollupState.objects.filter(
            organization=organization,
            recount_requested_at__lt=timezone.now() - RECOUNT_GRACE,
        ).exists():
            written[organization.pk] = stories_recount(organization=organization) or 0
        last = today or timezone.now().astimezone(ZoneInfo(organization.time_zone)).date()
        check = rollup_check(
            organization=organization, start=last - timedelta(days=days - 1), end=last
        )
        if check.differences or check.source_differences:
            logger.warning(
                "Roll-ups of organization %s differed from the mentions on %s days; rebuilt.",
                organization.pk,
                len(check.days),
                extra={"organization_id": organization.pk},
            )
            written[organization.pk] = sum(
                rollup_rebuild(organization=organization, start=day, end=day)
                for day in sorted(check.days)
            )
            check = rollup_check(
                organization=organization, start=last - timedelta(days=days - 1), end=last
            )
        if check.month_differences:
            # Months differing from their days (a hand edit of either): summed again.
            logger.warning(
                "Monthly roll-ups of organization %s differed from their days in %s months; "
                "summed again.",
                organization.pk,
                len(check.months),
                extra={"organization_id": organization.pk},
            )
            written[organization.pk] = written.get(organization.pk, 0) + months_repair(
                organization, sorted(check.months)
            )
    return written


@transaction.atomic
def months_repair(organization: Organization, wrong: list[date]) -> int:
    """Sum the given months again from their days, under the organization's lock."""
    _lock(organization)
    return sum(months.months_rebuild(organization.pk, month, month) for month in wrong)


def month_parts(
    days: QuerySet, by_month: QuerySet, start: date, end: date, columns: tuple[str, ...], total: str
) -> list[QuerySet]:
    """The sums of ``total`` by ``columns`` over [start, end]: the whole months from the
    monthly roll-up ``by_month``, the partial months at either end from the daily ``days``
    (rows of both to add up; see ``months.split``)."""
    parts = months.split(start, end)
    found = []
    if parts.days:
        within = Q()
        for first, last in parts.days:
            within |= Q(day__gte=first, day__lte=last)
        found.append(days.filter(within).values_list(*columns).annotate(n=Sum(total)).order_by())
    if parts.months:
        first, last = parts.months
        found.append(
            by_month.filter(month__gte=first, month__lte=last)
            .values_list(*columns)
            .annotate(n=Sum(total))
            .order_by()
        )
    return found


def added_up(rows: list) -> dict:
    """(key…, n) rows of several parts → key → their sum, keys whose sum is 0 left out (a
    key of one column is the bare value)."""
    sums: dict = {}
    for *key, n in rows:
        key = key[0] if len(key) == 1 else tuple(key)
        sums[key] = sums.get(key, 0) + n
    return {key: n for key, n in sums.items() if n}


def mention_totals(
    organization: Organization, brand_ids: list[int], start: date, end: date
) -> list[QuerySet]:
    """Mentions per brand over [start, end] from the roll-ups: the parts of ``month_parts``
    (brand id, n) to add up."""
    where = {"organization": organization, "brand_id__in": brand_ids}
    return month_parts(
        MentionDay.objects.filter(**where),
        MentionMonth.objects.filter(**where),
        start,
        end,
        ("brand_id",),
        "mentions",
    )
