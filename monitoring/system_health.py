"""What the System health page shows: each part of the installation, green, amber or red,
with the reason.

Every reader here answers even when what it reads is down (Redis stopped, PostgreSQL slow, a
worker that never answers inspect): it returns a red item saying so, never an exception, so
the page always renders. The database queries are few and do not grow with the number of
workers, schedules or organizations (a test holds the budget).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import FilteredRelation, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from monitoring.health import check_broker
from monitoring.health_alerts import alert_deliveries_item, incidents_item
from monitoring.health_item import ERROR, OK, WARN, Item, ago, error_text, human_bytes, worst
from monitoring.heartbeats import heartbeat_seconds, worker_seen_within
from monitoring.inspect import WorkerReport, inspect_workers
from monitoring.models import ProcessHeartbeat, Role

DATABASE_SLOW_SECONDS = 0.1
CONNECTIONS_AMBER_SHARE = 0.8
QUEUE_AMBER_MESSAGES = 100
BEAT_AMBER_SECONDS = 60
BEAT_RED_SECONDS = 180
COLLECTOR_LAG_AMBER_SECONDS = 60
DISK_AMBER_FREE = 0.15
DISK_RED_FREE = 0.05
QUOTA_AMBER_SHARE = 0.8
SHOWN_SCHEDULES = 5
SHOWN_ORGANIZATIONS = 50
STOPPED_SHOWN_FOR = timedelta(hours=24)
# Counting files of the filesystem broker stops here (the page says "at least").
QUEUE_COUNT_CAP = 10_000


# --- Database ------------------------------------------------------------------------------------


def database_item() -> Item:
    started = time.perf_counter()
    facts: list[tuple[str, str]] = []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
            latency = time.perf_counter() - started
            facts.append(("Latency", f"{latency * 1000:.1f} ms"))
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT (SELECT count(*) FROM pg_stat_activity WHERE datname = "
                    "current_database()), current_setting('max_connections')::int, "
                    "pg_database_size(current_database())"
                )
                used, allowed, size = cursor.fetchone()
                facts += [("Connections", f"{used} of {allowed}"), ("Size", human_bytes(size))]
            else:
                used = allowed = None
                name = Path(str(connection.settings_dict["NAME"]))
                size = sum(
                    p.stat().st_size
                    for p in (name, Path(f"{name}-wal"))
                    if p.exists()  # the -wal file exists only while connections are open
                )
                facts += [("Connections", "SQLite file (no server)"), ("Size", human_bytes(size))]
    except Exception as exc:  # Down or refusing: the page says so and goes on.
        return Item("database", "Database", ERROR, f"Not answering: {error_text(exc)}")
    facts.insert(0, ("Engine", connection.vendor))
    if used and allowed and used >= allowed * CONNECTIONS_AMBER_SHARE:
        return Item("database", "Database", WARN, f"{used} of {allowed} connections in use", facts)
    if latency > DATABASE_SLOW_SECONDS:
        return Item(
            "database", "Database", WARN, f"Slow: {latency * 1000:.0f} ms for SELECT 1", facts
        )
    return Item("database", "Database", OK, "Answering", facts)


# --- Broker and queues ---------------------------------------------------------------------------


def declared_queues() -> set[str]:
    """Every queue of marketing_hunting/queues.py and the default one."""
    from marketing_hunting.celery import app

    return {app.conf.task_default_queue, *(q.name for q in app.conf.task_queues or ())}


def queue_lengths(queues: list[str]) -> dict[str, int]:
    """Messages waiting per queue, read from the broker (Redis or the embedded folder)."""
    from marketing_hunting.celery import app

    lengths: dict[str, int] = {}
    if settings.REDIS_URL:
        with app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1, timeout=settings.REDIS_TIMEOUT)
            channel = conn.default_channel
            for queue in queues:
                lengths[queue] = int(channel._size(queue))  # every priority list of the queue
        return lengths
    folder = Path(app.conf.broker_transport_options.get("data_folder_in", ""))
    suffixes = {f".{queue}.msg": queue for queue in queues}
    lengths = dict.fromkeys(queues, 0)
    with os.scandir(folder) as entries:
        for seen, entry in enumerate(entries):
            if seen >= QUEUE_COUNT_CAP:
                break
            queue = suffixes.get("." + entry.name.partition(".")[2])
            if queue is not None:
                lengths[queue] += 1
    return lengths


def broker_item(queues: list[str]) -> Item:
    result = check_broker(timeout=float(settings.REDIS_TIMEOUT))
    kind = "Redis" if settings.REDIS_URL else "filesystem (embedded)"
    if not result.ok:
        return Item("broker", "Broker and queues", ERROR, f"{kind} not answering: {result.detail}")
    facts = [("Kind", kind), ("Latency", f"{(result.seconds or 0) * 1000:.1f} ms")]
    try:
        lengths = queue_lengths(queues)
    except Exception as exc:
        return Item(
            "broker", "Broker and queues", WARN, f"Queue lengths unknown: {error_text(exc)}", facts
        )
    rows = [{"name": name, "messages": n} for name, n in sorted(lengths.items())]
    long = [row["name"] for row in rows if row["messages"] >= QUEUE_AMBER_MESSAGES]
    if long:
        return Item(
            "broker",
            "Broker and queues",
            WARN,
            f"Backlog: {', '.join(long)} waiting with {QUEUE_AMBER_MESSAGES}+ messages",
            facts,
            rows,
        )
    return Item("broker", "Broker and queues", OK, "Answering", facts, rows)


# --- Workers and beat ----------------------------------------------------------------------------


def _worker_row(
    beat: ProcessHeartbeat | None,
    report: WorkerReport | None,
    now: datetime,
    inspecting: bool = True,
) -> dict[str, Any]:
    row: dict[str, Any] = {"name": beat.name if beat else report.name}  # type: ignore[union-attr]
    if beat is not None:
        age = beat.seen_seconds_ago(now)
        row.update(
            host=beat.host,
            pid=beat.pid,
            concurrency=beat.concurrency,
            active=beat.active_tasks,
            reserved=beat.reserved_tasks,
            memory=human_bytes(beat.memory_bytes) if beat.memory_bytes else None,
            seen=ago(age),
            queues=beat.queues,
        )
        if beat.stopped_at is not None:
            row.update(
                level=ERROR, reason=f"Stopped {ago((now - beat.stopped_at).total_seconds())}"
            )
        elif beat.seen_at < now - worker_seen_within():
            row.update(level=ERROR, reason=f"Silent: last heartbeat {ago(age)}")
        elif age > heartbeat_seconds() * 3:
            row.update(level=WARN, reason=f"Heartbeat late: {ago(age)}")
        else:
            row.update(level=OK, reason="Heartbeat on time")
    if report is not None:
        # What the worker says right now beats what it wrote up to 20 s ago.
        fresh = report.as_row()
        if beat is not None and beat.memory_bytes:
            fresh.pop("memory")  # the heartbeat's is current and counts the pool's children
        row.update({k: v for k, v in fresh.items() if v is not None})
        if beat is None:
            row.update(level=OK, reason="Answered inspect (no heartbeat row: older version?)")
    elif beat is not None and row["level"] == OK and inspecting:
        row.update(level=WARN, reason="Heartbeat on time, but no answer to inspect in time")
    return row


def workers_item(
    heartbeats: list[ProcessHeartbeat], now: datetime, *, inspect: bool = True
) -> Item:
    """``inspect=False`` (operator alerts, every minute): heartbeat rows only, as in
    embedded mode, so no broadcast waits on a worker that does not answer."""
    rows_by_name: dict[str, dict[str, Any]] = {}
    inspect_note = ""
    reports: dict[str, WorkerReport] = {}
    live = [
        b
        for b in heartbeats
        if b.role == Role.WORKER
        and b.stopped_at is None
        and b.seen_at >= now - worker_seen_within()
    ]
    inspecting = bool(settings.REDIS_URL) and inspect
    if inspecting:
        reports, inspect_note = inspect_workers(expected=len(live))
    for beat in heartbeats:
        if beat.role == Role.WORKER:
            rows_by_name[beat.name] = _worker_row(beat, reports.get(beat.name), now, inspecting)
    for name, report in reports.items():
        if name not in rows_by_name:
            rows_by_name[name] = _worker_row(None, report, now)
    rows = sorted(
        rows_by_name.values(), key=lambda r: ({ERROR: 2, WARN: 1, OK: 0}[r["level"]], r["name"])
    )
    alive = [r for r in rows if r["level"] != ERROR]
    facts = [
        (
            "Source",
            "Celery inspect and heartbeat rows"
            if inspecting
            else ("heartbeat rows" if settings.REDIS_URL else "heartbeat rows (embedded mode)"),
        )
    ]
    if inspect_note:
        facts.append(("Inspect", inspect_note))
    if not alive:
        reason = "No live worker: nothing runs jobs" if rows else "No worker has ever reported"
        return Item("workers", "Workers", ERROR, reason, facts, rows)
    level = worst([r["level"] for r in rows])
    reason = f"{len(alive)} live" + (
        f", {len(rows) - len(alive)} gone" if len(rows) > len(alive) else ""
    )
    return Item("workers", "Workers", WARN if level != OK else OK, reason, facts, rows)


def _next_due(now: datetime) -> list[dict[str, Any]]:
    from django_celery_beat.models import PeriodicTask

    tasks = PeriodicTask.objects.filter(enabled=True).select_related(
        "interval", "crontab", "solar", "clocked"
    )
    due: list[dict[str, Any]] = []
    for task in tasks:
        try:
            schedule = task.schedule
            last = task.last_run_at or task.start_time or task.date_changed
            if task.clocked_id:
                at = task.clocked.clocked_time
            else:
                at = now + schedule.remaining_estimate(last)
        except Exception:  # noqa: S112  A schedule beat cannot read either: not shown here.
            continue
        due.append({"name": task.name, "at": at, "overdue": at < now - timedelta(minutes=1)})
    due.sort(key=lambda d: d["at"])
    return due[:SHOWN_SCHEDULES]


def beat_item(heartbeats: list[ProcessHeartbeat], now: datetime) -> Item:
    beats = [b for b in heartbeats if b.role == Role.BEAT]
    try:
        schedules = _next_due(now)
    except DatabaseError as exc:
        schedules = []
        note = error_text(exc)
    else:
        note = ""
    rows = schedules
    if not beats:
        return Item("beat", "Beat", ERROR, "Beat has never reported: no schedule runs", [], rows)
    beat = max(beats, key=lambda b: b.seen_at)
    tick = beat.last_tick_at or beat.started_at
    age = (now - tick).total_seconds()
    facts = [
        ("Process", f"{beat.name} (pid {beat.pid})"),
        ("Last tick", ago(age) if beat.last_tick_at else "none yet"),
        ("Heartbeat", ago(beat.seen_seconds_ago(now))),
    ]
    if note:
        facts.append(("Schedules", f"unreadable: {note}"))
    if beat.seen_seconds_ago(now) > BEAT_RED_SECONDS or age > BEAT_RED_SECONDS:
        return Item("beat", "Beat", ERROR, f"Beat silent: last tick {ago(age)}", facts, rows)
    if age > BEAT_AMBER_SECONDS:
        return Item("beat", "Beat", WARN, f"Last tick {ago(age)}", facts, rows)
    overdue = [row["name"] for row in rows if row["overdue"]]
    if overdue:
        return Item("beat", "Beat", WARN, f"Overdue: {', '.join(overdue)}", facts, rows)
    return Item("beat", "Beat", OK, f"Ticking: last tick {ago(age)}", facts, rows)


# --- Log collector, breakers, quotas, disk -------------------------------------------------------


def collector_item(now: datetime) -> Item:
    from monitoring.collector import collector_status

    status = collector_status()
    title = "Log collector"
    if status and "unreachable" in status:
        return Item("collector", title, ERROR, status["unreachable"])
    if not status:
        return Item("collector", title, ERROR, "Never reported: start `manage.py collect_logs`")
    age = now.timestamp() - float(status.get("updated_at", 0))
    lag = float(status.get("lag_seconds") or 0)
    facts = [("Reported", ago(age)), ("Lag", f"{lag:.1f} s")]
    if status.get("backlog") is not None:
        facts.append(("Backlog", f"{status['backlog']} records"))
    if age >= 30:  # It reports every few seconds while it runs, even when idle.
        return Item("collector", title, ERROR, f"Not running: last report {ago(age)}", facts)
    if lag > COLLECTOR_LAG_AMBER_SECONDS:
        return Item("collector", title, WARN, f"Lagging {lag:.0f} s behind", facts)
    return Item("collector", title, OK, "Running", facts)


def breakers_item() -> Item:
    from redis.exceptions import RedisError

    from resilience import OPENAI, SEARCH, breaker_states, provider_disabled

    title = "Circuit breakers and providers"
    rows: list[dict[str, Any]] = []
    try:
        paused = [d for d in (provider_disabled(OPENAI), provider_disabled(SEARCH)) if d]
        breakers = breaker_states()
    except (RedisError, OSError):
        return Item("breakers", title, ERROR, "Redis is not answering: breaker states unknown")
    for provider in paused:
        rows.append(
            {
                "name": f"provider {provider.name}",
                "level": WARN,
                "reason": (
                    f"paused until {timezone.localtime(provider.until):%H:%M}: {provider.reason}"
                ),
            }
        )
    for breaker in breakers:
        if breaker.refusing:
            rows.append(
                {"name": f"{breaker.kind} {breaker.name}", "level": ERROR, "reason": "open"}
            )
        elif breaker.state != "closed":
            rows.append(
                {"name": f"{breaker.kind} {breaker.name}", "level": WARN, "reason": breaker.state}
            )
    facts = [("Breakers known", str(len(breakers)))]
    if not settings.REDIS_URL:
        facts.append(("Scope", "this web process only (embedded mode)"))
    if not rows:
        return Item("breakers", title, OK, "All closed; no provider paused", facts)
    return Item(
        "breakers",
        title,
        worst([r["level"] for r in rows]),
        f"{len(rows)} need attention",
        facts,
        rows,
    )


def quota_item(today: Any) -> Item:
    from accounts.models import Organization

    # The month's days in the join itself, so unique_usage_day (organization, date) is read
    # for this month only; as an aggregate filter it read every day of every organization
    # ever, every minute (the operator alert check runs this).
    month = Q(usage_days__date__gte=today.replace(day=1), usage_days__date__lte=today)
    organizations = (
        Organization.objects.annotate(month_days=FilteredRelation("usage_days", condition=month))
        .annotate(
            used_in=Sum("month_days__tokens_in"),
            used_out=Sum("month_days__tokens_out"),
            # The organization's own limit, else its plan's (accounts.quotas.quota_limit).
            token_quota=Coalesce("llm_monthly_token_quota", "plan__max_llm_tokens"),
        )
        .filter(Q(token_quota__isnull=False) | Q(used_in__gt=0) | Q(used_out__gt=0))
        .order_by("name")
        .values("name", "token_quota", "used_in", "used_out")
    )
    rows = []
    for org in organizations:
        used = (org["used_in"] or 0) + (org["used_out"] or 0)
        quota = org["token_quota"]
        share = used / quota if quota else None
        if quota is not None and used >= quota:
            level, reason = ERROR, "quota reached: analysis paused until the 1st"
        elif share is not None and share >= QUOTA_AMBER_SHARE:
            level, reason = WARN, f"{share:.0%} of the quota used"
        else:
            level, reason = (
                OK,
                f"{share:.0%} of the quota used" if share is not None else "no quota",
            )
        rows.append(
            {
                "name": org["name"],
                "used": f"{used:,}",
                "quota": f"{quota:,}" if quota is not None else "none",
                "level": level,
                "reason": reason,
                "share": share or 0,
            }
        )
    rows.sort(key=lambda r: (-{ERROR: 2, WARN: 1, OK: 0}[r["level"]], -r["share"], r["name"]))
    title = "LLM quota this month"
    facts = [("Organizations using the LLM or with a quota", str(len(rows)))]
    shown = rows[:SHOWN_ORGANIZATIONS]
    if not rows:
        return Item("quota", title, OK, "No LLM use this month", facts)
    level = worst([r["level"] for r in rows])
    reached = sum(1 for r in rows if r["level"] == ERROR)
    reason = (
        f"{reached} organization(s) at their quota"
        if reached
        else ("Near the quota" if level == WARN else "Within quotas")
    )
    return Item("quota", title, level, reason, facts, shown)


def disk_item() -> Item:
    title = "Disk (VAR_DIR)"
    path = Path(settings.VAR_DIR)
    try:
        usage = shutil.disk_usage(path)
    except OSError as exc:
        return Item("disk", title, ERROR, f"Cannot read {path}: {error_text(exc)}")
    free = usage.free / usage.total if usage.total else 0.0
    facts = [
        ("Path", str(path)),
        ("Used", f"{human_bytes(usage.used)} of {human_bytes(usage.total)}"),
        ("Free", f"{human_bytes(usage.free)} ({free:.0%})"),
    ]
    if free < DISK_RED_FREE:
        return Item("disk", title, ERROR, f"Nearly full: {free:.0%} free", facts)
    if free < DISK_AMBER_FREE:
        return Item("disk", title, WARN, f"Filling up: {free:.0%} free", facts)
    return Item("disk", title, OK, f"{free:.0%} free", facts)


# --- The whole page ------------------------------------------------------------------------------


def guarded(key: str, title: str, read: Callable[[], Item]) -> Item:
    try:
        return read()
    except Exception as exc:  # One part failing must not take the page down.
        return Item(key, title, ERROR, f"Could not be read: {error_text(exc)}")


def recent_heartbeats(now: datetime) -> list[ProcessHeartbeat]:
    """Workers and beats seen, or stopped, within STOPPED_SHOWN_FOR; none when unreadable."""
    try:
        return list(
            ProcessHeartbeat.objects.filter(
                Q(stopped_at__isnull=True) | Q(stopped_at__gte=now - STOPPED_SHOWN_FOR),
                seen_at__gte=now - STOPPED_SHOWN_FOR,
            ).order_by("role", "name")
        )
    except DatabaseError:
        return []


def system_health() -> dict[str, Any]:

    now = timezone.now()
    database = database_item()
    heartbeats = recent_heartbeats(now) if database.level != ERROR else []
    # Every declared queue (marketing_hunting/queues.py), even with no worker on it: a
    # queue nobody consumes is exactly the backlog an operator must see.
    queues = declared_queues()
    for beat in heartbeats:
        if beat.role == Role.WORKER and beat.queues:
            queues.update(q.strip() for q in beat.queues.split(",") if q.strip())
    items = [database, guarded("broker", "Broker and queues", lambda: broker_item(sorted(queues)))]
    items.append(guarded("workers", "Workers", lambda: workers_item(heartbeats, now)))
    if database.level == ERROR:
        skipped = "Not checked: the database is not answering"
        items += [Item("beat", "Beat", ERROR, skipped)]
    else:
        items.append(guarded("beat", "Beat", lambda: beat_item(heartbeats, now)))
    items.append(guarded("collector", "Log collector", lambda: collector_item(now)))
    items.append(guarded("breakers", "Circuit breakers and providers", breakers_item))
    if database.level == ERROR:
        items.append(
            Item(
                "quota", "LLM quota this month", ERROR, "Not checked: the database is not answering"
            )
        )
    else:
        items.append(guarded("quota", "LLM quota this month", lambda: quota_item(now.date())))
    if database.level != ERROR:
        items.append(
            guarded("alerts", "Alert deliveries (24 h)", lambda: alert_deliveries_item(now))
        )
        from reports.digests.health import TITLE, digest_deliveries_item

        items.append(guarded("digests", TITLE, lambda: digest_deliveries_item(now)))
    items.append(guarded("disk", "Disk (VAR_DIR)", disk_item))
    if database.level != ERROR:
        items.append(guarded("incidents", "Operator incidents", lambda: incidents_item(now)))
    return {"items": items, "level": worst([i.level for i in items]), "checked_at": now}
