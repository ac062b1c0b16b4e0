"""What the mention roll-ups cost writers: the same writes with the triggers on and off.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mh_pages_bench \\
        .venv/bin/python benchmarks/rollup_writes.py [--reports 500] [--runs 3]

Needs the organization ``benchmarks/pages.py`` seeds (100,000 reports, 300,000 mentions; run
that first). Every write happens in a transaction that is rolled back, so the data stay as
they were; "off" disables the roll-up triggers inside that transaction only (ALTER TABLE …
DISABLE TRIGGER, undone by the rollback); "months off" disables only the triggers on the
daily roll-ups that keep the monthly ones (their share of the cost). Times, as median of
``--runs``:

- analysis: ``--reports`` reports get their mentions again, one statement per report as the
  analysis writes them (delete, then bulk_create of its ~3 mentions);
- re-analysis: one bulk_update of the sentiment of those reports' mentions;
- merge: the second most mentioned brand merged into the first (QuerySet.update of its
  mentions, ~10 % of all);
- industry: the most mentioned brand's industry changed (every story naming it counted again);
- merge, deferred / industry, deferred: the same as the services write them now, inside
  ``story_counts_deferred`` (the heat table's story triggers stand aside; a task recounts);
- story recount: that task (``stories_recount``) for the whole organization (no "off");
- rebuild: ``rollup_rebuild`` of the whole organization (no "off").

``--writes merge,industry,recount`` times only those (names: analysis, reanalysis, merge,
industry, recount, rebuild).
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
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

SLUG = "pages-bench-100000x3"
TABLES = ("reports_mention", "reports_brand")
# The daily roll-ups, whose own triggers keep the monthly ones (reports/rollups/months.py).
DAY_TABLES = ("reports_mentionday", "reports_sourceday", "reports_comentionday")


class Rollback(Exception):
    pass


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=500, help="reports re-written, 500")
    parser.add_argument("--runs", type=int, default=3, help="runs of each, default 3")
    parser.add_argument(
        "--writes",
        default="analysis,reanalysis,merge,industry,recount,rebuild",
        help="which writes to time, comma-separated (default all)",
    )
    return parser.parse_args()


def timed(work: Callable[[], None], *, triggers: bool, months: bool = True) -> float:
    """``triggers``: all roll-up triggers on (or off); ``months``: the monthly roll-ups'
    triggers on (off: the daily roll-ups kept, the months not: their share of the cost)."""
    from django.db import connection, transaction

    try:
        with transaction.atomic():
            off = (() if triggers else TABLES) + (() if months else DAY_TABLES)
            if off:
                with connection.cursor() as cursor:
                    for table in off:
                        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            started = time.perf_counter()
            work()
            elapsed = (time.perf_counter() - started) * 1000
            raise Rollback
    except Rollback:
        return elapsed


def main() -> None:
    args = parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to the PostgreSQL database benchmarks/pages.py seeded.")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "marketing_hunting.settings",
            "VAR_DIR": tempfile.mkdtemp(prefix="mh-rollup-bench-"),
            "DEBUG": "false",
            "SECRET_KEY": "benchmark-only-not-a-secret",
            "LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()
    from django.db.models import Count

    from accounts.models import Organization
    from reports.models import Brand, Industry, Mention
    from reports.rollups.models import RollupState
    from reports.rollups.recount import stories_recount, story_counts_deferred
    from reports.rollups.services import rollup_rebuild

    organization = Organization.objects.filter(slug=SLUG).first()
    if organization is None:
        sys.exit(f"No organization {SLUG!r}: run benchmarks/pages.py first.")
    report_ids = list(
        Mention.objects.filter(organization=organization)
        .order_by("-report_id")
        .values_list("report_id", flat=True)
        .distinct()[: args.reports]
    )
    top = list(
        Brand.objects.filter(organization=organization)
        .annotate(n=Count("mentions"))
        .order_by("-n")[:2]
    )
    industry = Industry.objects.filter(organization=organization).exclude(pk=top[0].industry_id)

    def analysis() -> None:
        for report_id in report_ids:
            rows = list(Mention.objects.filter(report_id=report_id))
            Mention.objects.filter(report_id=report_id).delete()
            for row in rows:
                row.pk = None
            Mention.objects.bulk_create(rows)

    def reanalysis() -> None:
        rows = list(Mention.objects.filter(report_id__in=report_ids))
        for row in rows:
            row.sentiment = -row.sentiment or 0.5
        Mention.objects.bulk_update(rows, ["sentiment"])

    def merge() -> None:
        both = Mention.objects.filter(brand=top[0]).values_list("report_id", flat=True)
        Mention.objects.filter(brand=top[1], report_id__in=both).delete()
        Mention.objects.filter(brand=top[1]).update(brand=top[0])

    def industry_change() -> None:
        Brand.objects.filter(pk=top[0].pk).update(industry=industry.first())

    def deferred(work: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            with story_counts_deferred(organization.pk):
                work()

        return run

    def recount() -> None:
        from django.utils import timezone

        RollupState.objects.filter(organization=organization).update(
            recount_requested_at=timezone.now()
        )
        stories_recount(organization=organization)

    wanted = {name.strip() for name in args.writes.split(",")}

    mentions = Mention.objects.filter(organization=organization).count()
    print(f"{mentions:,} mentions; {len(report_ids)} reports re-written; {args.runs} runs each")
    print(f"{'write':<28} {'triggers on ms':>15} {'off ms':>10} {'months off ms':>14}")
    merged, stories = top[1].mentions.count(), top[0].mentions.count()
    for key, name, work in (
        ("analysis", f"analysis ({len(report_ids)} reports)", analysis),
        ("reanalysis", f"re-analysis ({len(report_ids)} reports)", reanalysis),
        ("merge", f"merge ({merged:,} mentions)", merge),
        ("merge", f"merge, deferred ({merged:,})", deferred(merge)),
        ("industry", f"industry ({stories:,} stories)", industry_change),
        ("industry", f"industry, deferred ({stories:,})", deferred(industry_change)),
    ):
        if key not in wanted:
            continue
        on = statistics.median(timed(work, triggers=True) for _ in range(args.runs))
        off = statistics.median(timed(work, triggers=False) for _ in range(args.runs))
        days = statistics.median(timed(work, triggers=True, months=False) for _ in range(args.runs))
        print(f"{name:<28} {on:>15.0f} {off:>10.0f} {days:>14.0f}", flush=True)
    for key, name, work in (
        ("recount", "story recount (the task)", recount),
        (
            "rebuild",
            "rebuild (whole organization)",
            lambda: rollup_rebuild(organization=organization),
        ),
    ):
        if key in wanted:
            runs = [timed(work, triggers=True) for _ in range(args.runs)]
            print(f"{name:<28} {statistics.median(runs):>15.0f}", flush=True)


if __name__ == "__main__":
    main()
