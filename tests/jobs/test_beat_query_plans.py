"""Every periodic task beat runs reads an index of pending work or a window, never a table.

Each schedule in ``jobs/schedules.py`` runs once with sequential scans disabled, and every
scan in the plans of its queries must be bounded: an index condition (a range or a key), or
a partial index (which holds only pending work: due deliveries, queued batch items, reports
waiting for the LLM...). What is read whole by design are small configuration tables that
grow with what people configure, not with time (listed below). PostgreSQL only: SQLite has
no planner switch, and the tables' own plan tests pin its plans where it matters.
"""

import importlib
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Plan
from jobs.schedules import SCHEDULES
from tests.feeds.builders import make_feed
from tests.reports.alert_builders import make_rule

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner switch"),
]

# Read whole on purpose: rules, jobs and organizations an operator or a user configured.
CONFIGURATION = {
    "accounts_organization",
    # Plans: a handful of presets operators edit (joined to organizations for their limits).
    "accounts_plan",
    "jobs_job",
    "reports_alertrule",
    "monitoring_operatoralertrule",
    "django_celery_beat_periodictask",
    # Digest subscriptions and their templates (main's digests): one per user and template.
    "reports_digestsubscription",
    "reports_digesttemplate",
}
TASK_MODULES = {"feeds": "feeds.tasks", "reports": "reports.tasks", "jobs": "jobs.tasks"}
TASK_MODULES |= {"contacts": "contacts.tasks", "monitoring": "monitoring.tasks"}
TASK_MODULES |= {"accounts": "accounts.tasks"}
PLAN_LIMITS = (
    "max_feeds",
    "max_jobs",
    "max_members",
    "max_contacts",
    "max_analysed_articles",
    "max_discovery_searches",
)
SCAN = re.compile(
    r"(Index Only Scan|Index Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) (\w+)"
)
TABLE = re.compile(r" on (\w+)")


def partial_indexes() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%% WHERE %%'")
        return {row[0] for row in cursor.fetchall()}


def unbounded_scans(plan: list[str], partial: set[str]) -> list[str]:
    """Scan nodes that read a whole table or index, minus partial indexes and configuration."""
    found = []
    for number, line in enumerate(plan):
        if "Seq Scan on" in line:
            table = line.split("Seq Scan on ")[1].split()[0]
            if table not in CONFIGURATION:
                found.append(line.strip())
            continue
        scan = SCAN.search(line)
        if not scan:
            continue
        index = scan.group(2)
        table = (TABLE.search(line[scan.end() :]) or TABLE.search(line) or [None, ""])[1]
        details = []
        for below in plan[number + 1 :]:
            if "->" in below:
                break
            details.append(below)
        bounded = any("Index Cond" in d for d in details)
        if not (bounded or index in partial or table in CONFIGURATION):
            found.append(line.strip())
    return found


def test_no_periodic_task_reads_a_table_in_full(org_a, settings, monkeypatch):
    settings.OPENAI_API_KEY = "sk-test"  # Configured: the LLM catch-up looks for work.
    make_feed(org_a, "https://site.example/feed.xml")  # Due at once: dispatched.
    make_rule(org_a)  # So the alert evaluation reads mentions.
    # Every limit set, so the quota warnings' sweep counts each resource.
    org_a.plan = Plan.objects.create(
        name="Every limit", **{f: 1000 for f in PLAN_LIMITS}, max_llm_tokens=10**6
    )
    org_a.save(update_fields=["plan"])
    monkeypatch.setattr("feeds.tasks.refresh_feed.delay", lambda *a, **k: None)
    partial = partial_indexes()
    problems: dict[str, list[str]] = {}
    for schedule in SCHEDULES:
        app, name = schedule.task.split(".")
        task = getattr(importlib.import_module(TASK_MODULES[app]), name)
        with CaptureQueriesContext(connection) as queries:
            task()
        assert queries.captured_queries, schedule.task
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            for query in queries.captured_queries:
                sql = query["sql"]
                if sql.lstrip("(").split(" ", 1)[0] not in ("SELECT", "UPDATE", "DELETE"):
                    continue
                cursor.execute(f"EXPLAIN {sql}")
                plan = [row[0] for row in cursor.fetchall()]
                for scan in unbounded_scans(plan, partial):
                    problems.setdefault(schedule.task, []).append(f"{scan}\n    {sql[:300]}")
            cursor.execute("SET LOCAL enable_seqscan = on")
    assert not problems, "\n".join(f"{t}: {s}" for t, scans in problems.items() for s in scans)
