"""What each operator alert rule sees as a problem right now: ``{key: Finding}``.

The installation-wide kinds read the System health page's own checks
(monitoring.system_health: workers, beat, collector, breakers, quota, disk), so an alert and
the page never disagree about what is red; the rule only chooses the level that counts and how
long it must last. Jobs and feeds are read from their own rows (the page does not list them).

Every reader is one query at most, whatever the number of jobs, feeds or organizations;
the workers' check reads heartbeat rows only (no Celery inspect broadcast), so an evaluation
stays well under a second and never waits on a worker that does not answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce

from monitoring.health_item import ERROR, WARN, Item
from monitoring.models import OperatorAlertKind

# A rule lists at most this many jobs or feeds at one evaluation (the worst first is not
# knowable cheaply; the rest wait for the next evaluation).
MAX_FINDINGS = 200
KEY_LENGTH = 200  # OperatorIncident.key


@dataclass(frozen=True)
class Finding:
    subject: str  # what is unhealthy, e.g. "Feed “Le Monde” (Acme)"
    reason: str  # why, in the check's words


class Findings(dict[str, Finding]):
    """Problems by key. ``complete`` is False when the check could not list everything (it
    could not be read, or it hit MAX_FINDINGS): open incidents missing from it stay open
    rather than being "resolved" by a blind spot."""

    complete: bool = True

    def incomplete(self) -> Findings:
        self.complete = False
        return self


RANK = {"ok": 0, WARN: 1, ERROR: 2}


def _at_least(level: str, wanted: str) -> bool:
    return RANK[level] >= RANK[wanted]


def from_item(item: Item, wanted: str) -> Findings:
    """A whole-installation check: one finding (key "") when it is at the wanted level."""
    if _at_least(item.level, wanted):
        return Findings({"": Finding(item.title, item.reason)})
    return Findings()


def from_rows(item: Item, wanted: str, prefix: str) -> Findings:
    """A check with one row per thing (breakers, organizations): one finding per row at the
    wanted level; a check that could not be read at all (Redis down) is one finding too."""
    found = Findings(
        (f"{prefix}:{row['name']}", Finding(f"{item.title}: {row['name']}", row["reason"]))
        for row in item.rows
        if _at_least(row["level"], wanted)
    )
    if not item.rows and item.level == ERROR:  # unreadable (Redis down): say so, keep the rest
        found[""] = Finding(item.title, item.reason)
        found.incomplete()
    return found


# --- Jobs and feeds ------------------------------------------------------------------------------


def jobs_failed(now: datetime, wanted: str) -> Findings:
    """Enabled jobs whose latest run failed or timed out, or is stuck (queued or running
    without a heartbeat for the job's STUCK_AFTER). Resolved by a later run that succeeds."""
    from jobs.models import ACTIVE_STATUSES, ExecutionStatus, Job, JobExecution

    latest = JobExecution.objects.filter(job=OuterRef("pk")).order_by("-queued_at", "-id")
    sign = latest.annotate(sign=Coalesce("heartbeat_at", "started_at", "queued_at"))
    problems = [ExecutionStatus.FAILED, ExecutionStatus.TIMED_OUT, *ACTIVE_STATUSES]
    jobs = (
        Job.objects.filter(enabled=True)
        .annotate(
            run_id=Subquery(latest.values("id")[:1]),
            run_status=Subquery(latest.values("status")[:1]),
            run_error=Subquery(latest.values("error_message")[:1]),
            run_sign=Subquery(sign.values("sign")[:1]),
        )
        .filter(run_status__in=problems)
        .order_by("id")
        .values(
            "id",
            "name",
            "organization__name",
            "stuck_after_seconds",
            "run_id",
            "run_status",
            "run_error",
            "run_sign",
        )
    )
    found = Findings()
    rows = list(jobs[: MAX_FINDINGS + 1])
    if len(rows) > MAX_FINDINGS:
        found.incomplete()
    for job in rows[:MAX_FINDINGS]:
        subject = f"Job “{job['name']}” ({job['organization__name']})"
        if job["run_status"] in ACTIVE_STATUSES:
            limit = job["stuck_after_seconds"] or settings.STUCK_AFTER_SECONDS
            silent = (now - job["run_sign"]).total_seconds()
            if silent <= limit:
                continue  # running (or waiting for a worker) and alive
            reason = (
                f"Run #{job['run_id']} stuck ({job['run_status']}): no sign of life for "
                f"{silent:.0f} s (limit {limit} s)"
            )
        else:
            error = (job["run_error"] or "no error recorded").strip().splitlines()[0][:300]
            reason = f"Run #{job['run_id']} {job['run_status'].replace('_', ' ')}: {error}"
        found[f"job:{job['id']}"] = Finding(subject, reason)
    return found


def feeds_failing(now: datetime, wanted: str) -> Findings:
    """Enabled feeds whose last fetch failed; the rule's "for" is the N hours."""
    from feeds.models import Feed, FetchStatus

    feeds = (
        Feed.objects.filter(enabled=True, last_status=FetchStatus.ERROR)
        .order_by("id")
        .values("id", "name", "organization__name", "last_error", "consecutive_failures")
    )
    found = Findings()
    rows = list(feeds[: MAX_FINDINGS + 1])
    if len(rows) > MAX_FINDINGS:
        found.incomplete()
    for feed in rows[:MAX_FINDINGS]:
        error = (feed["last_error"] or "fetch failed").strip().splitlines()[0][:300]
        found[f"feed:{feed['id']}"] = Finding(
            f"Feed “{feed['name']}” ({feed['organization__name']})",
            f"{feed['consecutive_failures']} failed fetches in a row: {error}",
        )
    return found


# --- Every kind ----------------------------------------------------------------------------------


class Readings:
    """Reads each check once per evaluation, however many rules share it."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._items: dict[str, Item] = {}
        self._heartbeats: list | None = None

    def _heartbeat_rows(self) -> list:
        from monitoring.system_health import recent_heartbeats

        if self._heartbeats is None:
            self._heartbeats = recent_heartbeats(self.now)
        return self._heartbeats

    def item(self, key: str) -> Item:
        from monitoring import system_health as health

        if key not in self._items:
            readers: dict[str, tuple[str, Callable[[], Item]]] = {
                "workers": (
                    "Workers",
                    lambda: health.workers_item(self._heartbeat_rows(), self.now, inspect=False),
                ),
                "beat": ("Beat", lambda: health.beat_item(self._heartbeat_rows(), self.now)),
                "collector": ("Log collector", lambda: health.collector_item(self.now)),
                "breakers": ("Circuit breakers and providers", health.breakers_item),
                "quota": ("LLM quota this month", lambda: health.quota_item(self.now.date())),
                "disk": ("Disk (VAR_DIR)", health.disk_item),
            }
            title, read = readers[key]
            self._items[key] = health.guarded(key, title, read)
        return self._items[key]

    def findings(self, kind: str, wanted: str) -> Findings:
        found = self._findings(kind, wanted)
        if all(len(key) <= KEY_LENGTH for key in found):
            return found
        # Keys are stored in OperatorIncident.key: compare them as they will be stored.
        cut = Findings((key[:KEY_LENGTH], finding) for key, finding in found.items())
        cut.complete = found.complete
        return cut

    def _findings(self, kind: str, wanted: str) -> Findings:
        if kind == OperatorAlertKind.JOB_FAILED:
            return jobs_failed(self.now, wanted)
        if kind == OperatorAlertKind.FEED_FAILING:
            return feeds_failing(self.now, wanted)
        if kind == OperatorAlertKind.BREAKER_OPEN:
            return from_rows(self.item("breakers"), wanted, "breaker")
        if kind == OperatorAlertKind.QUOTA_REACHED:
            return from_rows(self.item("quota"), wanted, "organization")
        item_key = {
            OperatorAlertKind.NO_WORKER: "workers",
            OperatorAlertKind.NO_BEAT: "beat",
            OperatorAlertKind.COLLECTOR_LAGGING: "collector",
            OperatorAlertKind.DISK_FULL: "disk",
        }[OperatorAlertKind(kind)]
        return from_item(self.item(item_key), wanted)
