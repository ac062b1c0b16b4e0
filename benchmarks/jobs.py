"""Database writes of one running job execution, counted statement by statement.

    .venv/bin/python benchmarks/jobs.py [--feeds 10] [--stories 5] [--feed-delay 4]
                                        [--page-delay 1] [--heartbeat 30]

Runs in a throwaway environment (temporary VAR_DIR, fresh SQLite database unless DATABASE_URL
is set, e.g. to an empty PostgreSQL database made for the purpose). A local HTTP server
(tests.harness.http_server.LocalHTTPServer) serves ``--feeds`` feeds of ``--stories`` article
pages; every feed answers after ``--feed-delay`` seconds and every page after
``--page-delay`` seconds, so the run lasts about a minute, like a real one on slow sites.
One job covering every feed is executed by calling the Celery task ``jobs.run_execution``
in this process (``Task.apply``: the same code a worker runs, heartbeat thread included)
while every INSERT/UPDATE/DELETE on every database connection (the run's, the heartbeat
thread's, the extraction threads') is counted per table with ``connection.execute_wrapper``.
No timed assertions: it prints figures and exits 0.
"""

# ruff: noqa: E402 - sys.path must be fixed before anything imports the logging module.
from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this folder comes first on sys.path, and benchmarks/logging.py would shadow
# the standard library's logging (Django imports it): put the repository root there instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(_HERE.parent)] + [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import argparse
import os
import re
import shutil
import tempfile
import threading
import time
import uuid
from collections import Counter
from typing import Any

# SQLite spells an ignore_conflicts bulk insert "INSERT OR IGNORE INTO".
WRITE = re.compile(
    r'^\s*(INSERT(?:\s+OR\s+\w+)?\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([A-Za-z0-9_]+)"?',
    re.IGNORECASE,
)
SET_CLAUSE = re.compile(r"\bSET\b(.*?)\bWHERE\b", re.IGNORECASE | re.DOTALL)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=10, help="feeds in the job (10)")
    parser.add_argument("--stories", type=int, default=5, help="article pages per feed (5)")
    parser.add_argument("--feed-delay", type=float, default=4.0, help="seconds per feed (4)")
    parser.add_argument("--page-delay", type=float, default=1.0, help="seconds per page (1)")
    parser.add_argument(
        "--heartbeat", type=int, default=None, help="JOB_HEARTBEAT_SECONDS (default: settings)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary VAR_DIR")
    return parser.parse_args()


def configure_environment(var_dir: Path, heartbeat: int | None) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "marketing_hunting.settings",
            "VAR_DIR": str(var_dir),
            "DEBUG": "false",  # DEBUG=true would keep every query in memory
            "SECRET_KEY": "benchmark-only-not-a-secret",
            "OUTBOUND_ALLOW_PRIVATE_ADDRESSES": "true",  # the site is on 127.0.0.1
            "LOG_LEVEL": "WARNING",
            "LOG_SHIPPING": "false",
        }
    )
    if heartbeat is not None:
        os.environ["JOB_HEARTBEAT_SECONDS"] = str(heartbeat)
    # No broker is used (the task runs in this process); keep a developer's Redis out of it.
    os.environ.pop("REDIS_URL", None)


class WriteCounter:
    """An execute wrapper counting write statements per (table, kind, thread kind)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.active = False
        self.writes: Counter[tuple[str, str]] = Counter()
        self.heartbeats: Counter[str] = Counter()  # "between units" / "background thread"

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if self.active:
            if many:  # executemany runs the statement once per row: count each.
                params = list(params)
            self.record(sql, len(params) if many else 1)
        return execute(sql, params, many, context)

    def record(self, sql: str, times: int) -> None:
        match = WRITE.match(sql)
        if not match:
            return
        kind, table = match.group(1).split()[0].upper(), match.group(2)
        if not times:
            return
        thread = threading.current_thread().name
        with self.lock:
            self.writes[(table, kind)] += times
            if table == "jobs_jobexecution" and kind == "UPDATE":
                assigned = SET_CLAUSE.search(sql)
                columns = assigned.group(1) if assigned else ""
                if "heartbeat_at" in columns and '"status"' not in columns:
                    where = "background thread" if thread.startswith("heartbeat-") else "in run"
                    self.heartbeats[where] += times

    def install(self, connection: Any) -> None:
        if self not in connection.execute_wrappers:
            connection.execute_wrappers.append(self)


def serve(server: Any, feeds: int, stories: int, feed_delay: float, page_delay: float) -> None:
    from tests.feeds.builders import article_page, rss
    from tests.harness.http_server import Reply
    from tests.jobs.builders import HTML_TYPE, RSS_TYPE, story

    for index in range(feeds):
        name = f"feed{index}"
        items = []
        for n in range(stories):
            path = f"/{name}/story-{n}"
            # Distinct numbers per feed too, or extraction flags near-copies as duplicates.
            page = article_page(f"{name} headline {n}", story(name, index * stories + n))
            server.add_route(path, Reply(body=page, headers=HTML_TYPE, delay=page_delay))
            items.append({"title": f"{name} headline {n}", "link": server.url_for(path)})
        server.add_route(f"/{name}.xml", Reply(body=rss(items), headers=RSS_TYPE, delay=feed_delay))


def create_data(server: Any, feeds: int) -> int:
    from accounts.services import organization_create
    from feeds.models import Feed
    from jobs.models import JobExecution
    from jobs.services.jobs import job_create
    from tests.jobs.builders import SCHEDULE

    organization = organization_create(name=f"Jobs bench {uuid.uuid4().hex[:6]}")
    for index in range(feeds):
        Feed.objects.create(
            organization=organization,
            name=f"feed{index}",
            url=server.url_for(f"/feed{index}.xml"),
        )
    job = job_create(organization=organization, name="Bench job", use_llm=False, **SCHEDULE)
    # Queued as execution_enqueue would leave it, without sending it to a broker.
    execution = JobExecution.objects.create(
        organization=organization, job=job, task_id=str(uuid.uuid4()), feeds_total=feeds
    )
    return execution.pk


def report(counter: WriteCounter, execution: Any, wall: float, result: Any) -> None:
    seconds = (execution.completed_at - execution.started_at).total_seconds()
    minutes = seconds / 60
    total = sum(counter.writes.values())
    jobs_writes = sum(n for (table, _), n in counter.writes.items() if table.startswith("jobs_"))
    beats = sum(counter.heartbeats.values())
    print()
    print(f"Execution #{execution.pk}: {execution.status} (task returned {result!r})")
    print(
        f"  feeds {execution.feeds_done}/{execution.feeds_total}, "
        f"{execution.new_articles} new articles, {execution.analysed} analysed, "
        f"{execution.reports} reports, {execution.errors} errors"
    )
    print(f"  run duration (started → completed): {seconds:.1f} s (task call {wall:.1f} s)")
    print()
    print(f"{'table':<36} {'INSERT':>7} {'UPDATE':>7} {'DELETE':>7}")
    for table in sorted({table for table, _ in counter.writes}):
        row = [counter.writes[(table, kind)] for kind in ("INSERT", "UPDATE", "DELETE")]
        print(f"{table:<36} {row[0]:>7} {row[1]:>7} {row[2]:>7}")
    print()
    print(f"Total writes: {total} ({total / minutes:.1f} per minute)")
    print(f"Writes to jobs_* tables: {jobs_writes} ({jobs_writes / minutes:.1f} per minute)")
    detail = ", ".join(f"{n} {where}" for where, n in sorted(counter.heartbeats.items()))
    print(f"Heartbeats: {beats} ({beats / minutes:.1f} per minute; {detail})")


def main() -> None:
    args = parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="mh-jobs-bench-"))
    configure_environment(var_dir, args.heartbeat)
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection
        from django.db.backends.signals import connection_created

        from jobs.models import JobExecution
        from jobs.tasks import run_job_execution
        from tests.harness.http_server import LocalHTTPServer

        print(f"Migrating {os.environ.get('DATABASE_URL') or var_dir / 'db.sqlite3'} ...")
        call_command("migrate", verbosity=0)
        counter = WriteCounter()
        counter.install(connection)
        # Every thread's connection (heartbeat, extraction pool) gets the wrapper too.
        connection_created.connect(
            lambda sender, connection, **_: counter.install(connection), weak=False
        )
        with LocalHTTPServer() as server:
            serve(server, args.feeds, args.stories, args.feed_delay, args.page_delay)
            execution_id = create_data(server, args.feeds)
            print(
                f"Running 1 execution: {args.feeds} feeds x {args.stories} pages, "
                f"feed delay {args.feed_delay} s, page delay {args.page_delay} s, "
                f"heartbeat every {settings.JOB_HEARTBEAT_SECONDS} s ..."
            )
            counter.active = True
            started = time.perf_counter()
            outcome = run_job_execution.apply(
                kwargs={"execution_id": execution_id}, task_id=str(uuid.uuid4())
            )
            wall = time.perf_counter() - started
            counter.active = False
        execution = JobExecution.objects.get(pk=execution_id)
        report(counter, execution, wall, outcome.result)
    finally:
        if args.keep:
            print(f"Kept {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
