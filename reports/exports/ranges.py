"""Date ranges of an export: presets and custom ranges, in the organization's time zone.

A range is a pair of calendar days, both included. The rows of a day are those whose time
falls between that day's local midnight and the next one, in the organization's time zone
(what its members call "today"), whatever the server's time zone is."""

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.dateformat import format as format_date

# A longer range is refused with a message: such a file is rarely what anyone meant (a
# mistyped year), and it can be exported in parts.
MAX_RANGE_DAYS = 2 * 366


class RangePreset(models.TextChoices):
    TODAY = "today", "Today"
    LAST_7_DAYS = "7d", "Last 7 days"
    LAST_30_DAYS = "30d", "Last 30 days"
    LAST_90_DAYS = "90d", "Last 90 days"
    LAST_12_MONTHS = "12m", "Last 12 months"
    THIS_MONTH = "this_month", "This month"
    LAST_MONTH = "last_month", "Last month"
    CUSTOM = "custom", "Custom range"


@dataclass(frozen=True)
class DateRange:
    start: date
    end: date  # included
    time_zone: str

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def since(self) -> datetime:
        """The first instant of the range (local midnight of its first day)."""
        return datetime.combine(self.start, time.min, tzinfo=self.zone)

    @property
    def until(self) -> datetime:
        """The first instant after the range (local midnight after its last day)."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=self.zone)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def describe(self) -> str:
        if self.start == self.end:
            return _day(self.start)
        return f"{_day(self.start)} to {_day(self.end)}"


def _day(value: date) -> str:
    return format_date(value, "j M Y")


def local_today(time_zone: str, now: datetime | None = None) -> date:
    return timezone.localtime(now or timezone.now(), zoneinfo.ZoneInfo(time_zone)).date()


def resolve_range(
    *,
    preset: str,
    time_zone: str,
    date_from: date | None = None,
    date_to: date | None = None,
    now: datetime | None = None,
    too_long: str = "an export covers at most {max_days} days (two years). Export it in parts.",
) -> DateRange:
    """The days a preset (or a custom range) covers; ValidationError says what is wrong.

    ``too_long`` ends the message for a custom range over MAX_RANGE_DAYS (the Analytics page
    says it in its own words)."""
    today = local_today(time_zone, now)
    if preset == RangePreset.TODAY:
        return DateRange(today, today, time_zone)
    if preset == RangePreset.LAST_7_DAYS:
        return DateRange(today - timedelta(days=6), today, time_zone)
    if preset == RangePreset.LAST_30_DAYS:
        return DateRange(today - timedelta(days=29), today, time_zone)
    if preset == RangePreset.LAST_90_DAYS:
        return DateRange(today - timedelta(days=89), today, time_zone)
    if preset == RangePreset.LAST_12_MONTHS:
        return DateRange(_year_before(today) + timedelta(days=1), today, time_zone)
    if preset == RangePreset.THIS_MONTH:
        return DateRange(today.replace(day=1), today, time_zone)
    if preset == RangePreset.LAST_MONTH:
        last_day = today.replace(day=1) - timedelta(days=1)
        return DateRange(last_day.replace(day=1), last_day, time_zone)
    if preset != RangePreset.CUSTOM:
        raise ValidationError({"range": f"Choose a range (not “{preset}”)."})
    return _custom(date_from, date_to, time_zone, too_long)


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _custom(
    date_from: date | None, date_to: date | None, time_zone: str, too_long: str
) -> DateRange:
    if date_from is None and date_to is None:
        raise ValidationError(
            {
                "date_from": "The range is empty: choose its first and last day, or pick a "
                "preset such as “Last 30 days”."
            }
        )
    if date_from is None:
        raise ValidationError({"date_from": "Choose the first day of the range."})
    if date_to is None:
        raise ValidationError({"date_to": "Choose the last day of the range."})
    if date_to < date_from:
        raise ValidationError(
            {
                "date_to": f"The range ends ({_day(date_to)}) before it starts "
                f"({_day(date_from)}): swap the two dates."
            }
        )
    chosen = DateRange(date_from, date_to, time_zone)
    if chosen.days > MAX_RANGE_DAYS:
        raise ValidationError(
            {
                "date_to": f"This range spans {chosen.days:,} days; "
                + too_long.format(max_days=MAX_RANGE_DAYS)
            }
        )
    return chosen
