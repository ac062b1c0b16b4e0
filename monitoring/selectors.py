"""Reads for the Logs page: who sees which lines, and the "Logs health" figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import TruncHour, TruncMinute
from django.http import HttpRequest
from django.utils import timezone

from accounts.tenancy import request_organization
from monitoring.models import Level, LogEntry


def sees_all_logs(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Operators (superusers, or staff granted "view log entry") see every line."""
    return bool(user.is_superuser or user.has_perm("monitoring.view_logentry"))


def visible_log_entries(request: HttpRequest) -> QuerySet[LogEntry]:
    """Operators: all lines, including those of no organization. Others: their organization's."""
    if sees_all_logs(request.user):
        return LogEntry.objects.all()
    return LogEntry.objects.filter(organization=request_organization(request))


def log_entries_filter(
    entries: QuerySet[LogEntry],
    *,
    level: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    execution_id: int | None = None,
    text: str = "",
) -> QuerySet[LogEntry]:
    if level:
        entries = entries.filter(level__gte=level)
    if since:
        entries = entries.filter(time__gte=since)
    if until:
        entries = entries.filter(time__lt=until)
    if execution_id:
        entries = entries.filter(execution_id=execution_id)
    if text:
        entries = entries.filter(
            Q(message__icontains=text)
            | Q(exception__icontains=text)
            | Q(logger__icontains=text)
            | Q(task_id=text)
        )
    return entries


def log_entries_for_execution(execution_id: int) -> QuerySet[LogEntry]:
    """An execution's own lines, oldest first (for the execution detail page)."""
    return LogEntry.objects.filter(execution_id=execution_id).order_by("time", "id")


def execution_log_lines(execution_id: int, limit: int) -> tuple[list[LogEntry], bool]:
    """The first ``limit`` lines of an execution, and whether there are more."""
    lines = list(log_entries_for_execution(execution_id)[: limit + 1])
    return lines[:limit], len(lines) > limit


def execution_log_signature(execution_id: int) -> tuple[int, int]:
    """(count, last id) of an execution's lines: changes whenever the collector stores one."""
    stored = LogEntry.objects.filter(execution_id=execution_id).aggregate(
        count=Count("id"), last=Max("id")
    )
    return stored["count"], stored["last"] or 0


@dataclass(frozen=True)
class MinuteCounts:
    minute: datetime
    counts: list[int]  # one per level, in LEVELS order

    @property
    def total(self) -> int:
        return sum(self.counts)


LEVELS = [Level.DEBUG, Level.INFO, Level.WARNING, Level.ERROR, Level.CRITICAL]


def counts_per_level_per_minute(
    entries: QuerySet[LogEntry], *, minutes: int = 10, now: datetime | None = None
) -> list[MinuteCounts]:
    """Records per level for each of the last ``minutes`` minutes, newest first, zeros kept."""
    end = (now or timezone.now()).replace(second=0, microsecond=0)
    start = end - timedelta(minutes=minutes - 1)
    rows = (
        entries.filter(time__gte=start)
        .annotate(minute=TruncMinute("time"))
        .values("minute", "level")
        .annotate(n=Count("id"))
        .order_by()
    )
    table: dict[datetime, dict[int, int]] = {}
    for row in rows:
        table.setdefault(_utc(row["minute"]), {})[row["level"]] = row["n"]
    result = []
    for step in range(minutes):
        minute = end - timedelta(minutes=step)
        counts = table.get(_utc(minute), {})
        result.append(MinuteCounts(minute, [_at_level(counts, level) for level in LEVELS]))
    return result


def _at_level(counts: dict[int, int], level: int) -> int:
    # Custom levels between the standard ones are counted with the standard level below them.
    upper = level + 10 if level < Level.CRITICAL else 1 << 16
    return sum(n for lvl, n in counts.items() if level <= lvl < upper)


def errors_per_hour(
    entries: QuerySet[LogEntry], *, hours: int = 24, now: datetime | None = None
) -> list[tuple[datetime, int]]:
    """ERROR and CRITICAL records in each of the last ``hours`` hours, newest first."""
    end = (now or timezone.now()).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(hours=hours - 1)
    rows = (
        entries.filter(time__gte=start, level__gte=Level.ERROR)
        .annotate(hour=TruncHour("time"))
        .values("hour")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_hour = {_utc(row["hour"]): row["n"] for row in rows}
    return [
        (end - timedelta(hours=step), by_hour.get(_utc(end - timedelta(hours=step)), 0))
        for step in range(hours)
    ]


def _utc(moment: datetime) -> datetime:
    # TruncMinute/TruncHour return aware datetimes in the current time zone; compare in UTC.
    return moment.astimezone(UTC) if timezone.is_aware(moment) else moment


# Records older than this when collected: the collector is catching up.
LAGGING_SECONDS = 60


def health_summary(entries: QuerySet[LogEntry], status: dict[str, Any] | None) -> dict[str, Any]:
    now = timezone.now()
    per_minute = counts_per_level_per_minute(entries, now=now)
    per_hour = errors_per_hour(entries, now=now)
    collector: dict[str, Any] = {"running": False}
    if status and "unreachable" in status:
        collector = {"running": False, "unknown": status["unreachable"]}
    elif status:
        age = now.timestamp() - float(status.get("updated_at", 0))
        collector = {
            **status,
            # The collector reports every few seconds while it runs, even when idle.
            "running": age < 30,
            "seen_seconds_ago": int(age),
            "lagging": float(status.get("lag_seconds") or 0) > LAGGING_SECONDS,
        }
    return {
        "levels": [label for _, label in Level.choices],
        "per_minute": per_minute,
        "errors_per_hour": per_hour,
        "errors_24h": sum(n for _, n in per_hour),
        "max_errors": max((n for _, n in per_hour), default=0),
        "collector": collector,
    }
