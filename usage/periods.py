"""The period the Usage page shows: the days of one month, or the twelve months ending with it;
parsed from the query string with a clear message for anything else."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from reports.charts import Period
from usage.selectors import month_start, next_month

DAYS, MONTHS = "days", "months"
MONTHS_SHOWN = 12
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Span:
    view: str  # DAYS or MONTHS
    month: date  # the chosen month's first day
    start: date
    end: date
    error: str = ""

    @property
    def periods(self) -> list[Period]:
        if self.view == DAYS:
            count = (self.end - self.start).days + 1
            days = [self.start + timedelta(days=n) for n in range(count)]
            return [Period(d, f"{d.day} {d:%b}", f"{d.day} {d:%b %Y}") for d in days]
        result, month = [], self.start
        while month <= self.end:
            result.append(Period(month, f"{month:%b}", f"{month:%B %Y}"))
            month = next_month(month)
        return result

    def describe(self) -> str:
        if self.view == DAYS:
            return f"{self.month:%B %Y} (UTC days)"
        return f"{self.start:%B %Y} to {self.end:%B %Y}"

    @property
    def unit(self) -> str:
        return "day" if self.view == DAYS else "month"

    def query(self) -> str:
        return f"view={self.view}&month={self.month:%Y-%m}"

    def shift(self, months: int) -> str:
        month = self.month
        for _ in range(abs(months)):
            month = next_month(month) if months > 0 else month_start(month - timedelta(days=1))
        return f"view={self.view}&month={month:%Y-%m}"


def parse_month(value: str | None, today: date) -> tuple[date, str]:
    """The month named ``YYYY-MM`` (this month when empty), or this month and why not."""
    if not value:
        return month_start(today), ""
    found = _MONTH.match(value.strip())
    if found:
        year, number = int(found[1]), int(found[2])
        if 2000 <= year <= 2100 and 1 <= number <= 12:
            return date(year, number, 1), ""
    shown = value[:20]
    return month_start(
        today
    ), f"“{shown}” is not a month (write it as YYYY-MM, e.g. {today:%Y-%m}); showing this month."


def span_from(params: dict[str, str], today: date | None = None) -> Span:
    today = today or timezone.now().date()
    month, error = parse_month(params.get("month"), today)
    view = params.get("view") or DAYS
    if view not in (DAYS, MONTHS):
        error = error or f"“{view[:20]}” is not a view (days or months); showing days."
        view = DAYS
    if view == DAYS:
        return Span(DAYS, month, month, next_month(month) - timedelta(days=1), error)
    first = month
    for _ in range(MONTHS_SHOWN - 1):
        first = month_start(first - timedelta(days=1))
    return Span(MONTHS, month, first, next_month(month) - timedelta(days=1), error)
