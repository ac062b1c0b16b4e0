"""When a digest is due: local wall-clock times turned into instants, safe across DST.

A send time is a local time on a local date. ``zoneinfo`` maps a time that does not exist
(the hour skipped in spring) with the offset before the change, so 02:30 becomes 03:30 of
the new offset; a time that exists twice (autumn) is taken at its first occurrence. Either
way each local date has exactly one instant, and the period key is that date, so a digest
is neither skipped nor sent twice when the clocks change.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta


def local_instant(day: date, at: time, time_zone: str) -> datetime:
    """The instant of ``at`` on ``day`` in ``time_zone`` (aware, normalised to UTC)."""
    zone = zoneinfo.ZoneInfo(time_zone)
    local = datetime.combine(day, at.replace(tzinfo=None), tzinfo=zone)
    # Through UTC and back: a skipped local time becomes the real instant it stands for.
    return local.astimezone(zoneinfo.ZoneInfo("UTC"))


def latest_send(
    *, now: datetime, send_time: time, time_zone: str, weekday: int | None
) -> tuple[date, datetime] | None:
    """The latest (local date, instant) of the schedule at or before ``now``; ``weekday``
    None means every day."""
    today = now.astimezone(zoneinfo.ZoneInfo(time_zone)).date()
    for back in range(9):
        day = today - timedelta(days=back)
        if weekday is not None and day.weekday() != weekday:
            continue
        instant = local_instant(day, send_time, time_zone)
        if instant <= now:
            return day, instant
    return None  # pragma: no cover - a week back always has the weekday
