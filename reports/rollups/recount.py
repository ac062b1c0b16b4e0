"""Big recounts of the heat table's story counts, off the request.

A brand merge or an industry change of a busy brand changes the co-mention counts of every
story naming it: the triggers counted those stories again inside the request (9 s for a merge,
5.7 s for an industry change at 300,000 mentions). Such a write runs inside
``story_counts_deferred``: the story triggers stand aside for that transaction, the
organization's state records that a recount is due, and a task on the analysis queue counts
the stories again after the commit. Until it has, the heat table counts the mention rows (so
its figures are right, only slower) and the Analytics page says the figures are being updated.

The daily mention counts (``MentionDay``) and top sources (``SourceDay``) are grouped deltas,
cheap even for a merge: their triggers keep running.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from accounts.models import Organization
from reports.models import Mention
from reports.rollups import comentions
from reports.rollups.models import CoMentionDay, RollupState

logger = logging.getLogger(__name__)

# Days counted again per transaction: the lock that keeps the organization's writers waiting
# is held for a month's stories at a time (~1 s at scale), not for the whole history.
CHUNK_DAYS = 31


def _set_deferred(on: bool) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config(%s, %s, true)", [comentions.DEFER_SETTING, "on" if on else "off"]
        )


@contextmanager
def story_counts_deferred(organization_id: int) -> Iterator[None]:
    """Run the block's writes without counting their stories again (PostgreSQL; SQLite keeps
    no story counts), and have them counted by a background task after the commit.

    Must be used inside a transaction: the setting and the request are the transaction's."""
    if not comentions.comentions_supported():
        yield
        return
    _set_deferred(True)
    try:
        yield
    finally:
        _set_deferred(False)
    requested = timezone.now()
    RollupState.objects.filter(organization_id=organization_id).update(
        recount_requested_at=requested
    )

    def enqueue() -> None:
        from reports.tasks import recount_stories

        recount_stories.delay(organization_id)

    transaction.on_commit(enqueue)


def recount_pending(organization: Organization) -> bool:
    """Whether a deferred recount has not run yet (once per request: kept on the object)."""
    cached = getattr(organization, "_recount_pending", None)
    if cached is None:
        cached = RollupState.objects.filter(
            organization=organization, recount_requested_at__isnull=False
        ).exists()
        organization._recount_pending = cached
    return cached


def _day_range(organization: Organization, zone: ZoneInfo) -> tuple[date, date] | None:
    bounds = Mention.objects.filter(organization=organization).aggregate(
        first=Min("mentioned_at"), last=Max("mentioned_at")
    )
    if bounds["first"] is None:
        return None
    return bounds["first"].astimezone(zone).date(), bounds["last"].astimezone(zone).date()


def _recount_days(organization: Organization, zone: ZoneInfo, start: date, end: date) -> int:
    """Count the stories of [start, end] again, under the organization's exclusive lock."""
    from reports.rollups.services import _lock

    with transaction.atomic():
        _lock(organization)
        CoMentionDay.objects.filter(
            organization=organization, day__gte=start, day__lte=end
        ).delete()
        since = datetime.combine(start, time.min, tzinfo=zone)
        until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)
        return comentions.comentions_rebuild(organization.pk, since, until)


def stories_recount(*, organization: Organization) -> int | None:
    """Count the organization's stories again if a recount is due; returns the rows written,
    or None when none was due (a second run, or a redelivered task: nothing to do).

    Month by month, each in a transaction of its own, so writers wait a month's count at a
    time. The request is cleared only if no other was made meanwhile (a merge during the
    recount asks again, and its own task counts again)."""
    state = RollupState.objects.filter(organization=organization).first()
    if state is None or state.recount_requested_at is None:
        return None
    requested = state.recount_requested_at
    if not comentions.comentions_supported():
        written = 0
    elif state.time_zone != organization.time_zone:
        # A zone change is pending too: the whole rebuild it needs counts the stories as well
        # (and clears the request itself).
        from reports.rollups.services import rollup_rebuild

        organization.__dict__.pop("_recount_pending", None)
        return rollup_rebuild(organization=organization)
    else:
        zone = ZoneInfo(state.time_zone)
        written = 0
        days = _day_range(organization, zone)
        # Rows of days without mentions (their stories went) are dropped first.
        with transaction.atomic():
            from reports.rollups.services import _lock

            _lock(organization)
            stale = CoMentionDay.objects.filter(organization=organization)
            if days is not None:
                stale = stale.exclude(day__gte=days[0], day__lte=days[1])
            stale.delete()
        if days is not None:
            start = days[0]
            while start <= days[1]:
                end = min(start + timedelta(days=CHUNK_DAYS - 1), days[1])
                written += _recount_days(organization, zone, start, end)
                start = end + timedelta(days=1)
    cleared = RollupState.objects.filter(
        organization=organization, recount_requested_at=requested
    ).update(recount_requested_at=None)
    organization.__dict__.pop("_recount_pending", None)
    logger.info(
        "Story counts of organization %s recounted (%s rows)%s.",
        organization.pk,
        written,
        "" if cleared else "; another recount was asked meanwhile",
        extra={"organization_id": organization.pk},
    )
    return written
