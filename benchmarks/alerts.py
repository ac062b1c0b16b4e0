"""Alert evaluation benchmark: one evaluation of each rule kind at 100k reports / 300k mentions.

    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE mh_alerts_bench"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mh_alerts_bench \\
        .venv/bin/python benchmarks/alerts.py [--reports 100000] [--runs 5]

Seeds (or reuses) the organization of ``benchmarks/pages.py`` (a year of articles, 2,000
brands with a Zipf-like popularity, 200 of them tracked), then times
``alerts_evaluate`` for one rule of each kind (spike over every tracked brand, negative
cluster over every tracked brand, any mention of a 50-brand group), evaluated at ``--runs``
moments spread over the seeded year. Alerts raised by a run are deleted before the next, so
every run does the whole work (no cool-down skips). Prints the median and worst wall time,
the SQL queries of one evaluation and the alerts it raised; the beat schedule runs every
rule every 5 minutes, so an evaluation must stay far below that. No timed assertions.
"""

from __future__ import annotations

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
if os.path.dirname(_HERE) not in sys.path:
    sys.path.insert(0, os.path.dirname(_HERE))

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from datetime import timedelta  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=100_000, help="default 100000")
    parser.add_argument("--mentions-per-report", type=int, default=3, help="default 3")
    parser.add_argument("--brands", type=int, default=2000, help="default 2000")
    parser.add_argument("--feeds", type=int, default=25, help="default 25")
    parser.add_argument("--runs", type=int, default=5, help="evaluations per kind (5)")
    parser.add_argument("--reseed", action="store_true", help="drop and seed the data again")
    parser.add_argument("--allow-sqlite", action="store_true", help="a small smoke run only")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    from benchmarks import pages

    pages.configure_environment(args)
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Organization
    from reports.alerts.models import Alert, AlertKind, AlertRule
    from reports.alerts.services import alerts_evaluate
    from reports.models import Brand, BrandGroup, BrandStatus, Report

    print(f"Database: {connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0, interactive=False)
    slug = f"pages-bench-{args.reports}x{args.mentions_per_report}"
    organization = Organization.objects.filter(slug=slug).first()
    reports = Report.objects.filter(organization=organization).count() if organization else 0
    if args.reseed or reports != args.reports:
        print(f"Seeding {args.reports:,} reports x {args.mentions_per_report} mentions ...")
        started = time.perf_counter()
        pages.seed(args, slug)
        print(f"Seeded in {time.perf_counter() - started:.0f} s")
        organization = Organization.objects.get(slug=slug)
    else:
        print(f"Reusing the seeded organization {slug!r} (--reseed to start afresh)")
    pages.vacuum_analyze()
    print(f"Load average before: {os.getloadavg()[0]:.2f}")

    AlertRule.objects.filter(organization=organization).delete()
    group, _ = BrandGroup.objects.get_or_create(organization=organization, name="Bench group")
    # Fifty brands of middling popularity: each is mentioned a few times a week.
    middling = Brand.objects.filter(organization=organization).order_by("id")[100:150]
    group.brands.set(middling)
    tracked = Brand.objects.filter(organization=organization, status=BrandStatus.TRACKED).count()
    rules = {
        f"spike ({tracked} tracked brands)": AlertRule(kind=AlertKind.SPIKE),
        f"negative cluster ({tracked} tracked brands)": AlertRule(
            kind=AlertKind.NEGATIVE, cluster_size=5, negative_threshold=-0.5
        ),
        "group mention (50 brands)": AlertRule(kind=AlertKind.GROUP, group=group),
    }
    first = pages.START + timedelta(days=60)
    moments = [first + timedelta(days=290 * n / max(args.runs - 1, 1)) for n in range(args.runs)]
    print(f"{'rule':<38}{'median ms':>11}{'worst ms':>10}{'queries':>9}{'alerts':>8}")
    for label, rule in rules.items():
        AlertRule.objects.filter(organization=organization).delete()
        rule.organization, rule.name = organization, label
        rule.save()
        timings, queries, raised = [], 0, 0
        for moment in moments:
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                alerts = alerts_evaluate(organization_id=organization.pk, now=moment)
                timings.append((time.perf_counter() - started) * 1000)
            queries = max(queries, len(captured))
            raised = max(raised, len(alerts))
            Alert.objects.filter(rule=rule).delete()
        print(
            f"{label:<38}{statistics.median(timings):>11.0f}{max(timings):>10.0f}"
            f"{queries:>9}{raised:>8}",
            flush=True,
        )
    AlertRule.objects.filter(organization=organization).delete()


if __name__ == "__main__":
    main()
