"""Export benchmark: a 50,000-row XLSX (and CSV) export at 100k reports / 300k mentions.

    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE mh_pages_bench"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mh_pages_bench \\
        .venv/bin/python benchmarks/exports.py [--rows 50000] [--kinds mentions,reports]
                                               [--formats xlsx,csv] [--tablib]

Seeds (or reuses) the organization of ``benchmarks/pages.py``, chooses for each kind the
range of whole days holding about ``--rows`` rows, then runs each export in a fresh child
process through the background task's code path (``export_run``: claim, write the file,
progress every 1,000 rows). The child reports its resident memory when idle (Django set up,
a query made, the export modules imported) and its peak (``VmHWM``) after the export, and
the export's wall time and file size. ``--rows`` at 10,000 and at 50,000 shows whether the
peak grows with the rows (it must not: constant memory). ``--tablib`` also measures
django-import-export's own ``Resource.export()`` into a tablib XLSX (what the admin does),
for comparison. Targets (issue #13): peak within 50 MiB of idle, at most 60 s. No timed
assertions: the figures are printed.
"""

from __future__ import annotations

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
if os.path.dirname(_HERE) not in sys.path:
    sys.path.insert(0, os.path.dirname(_HERE))

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

TARGET_PEAK_MIB = 50.0
TARGET_SECONDS = 60.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=100_000, help="default 100000")
    parser.add_argument("--mentions-per-report", type=int, default=3, help="default 3")
    parser.add_argument("--brands", type=int, default=2000, help="default 2000")
    parser.add_argument("--feeds", type=int, default=25, help="default 25")
    parser.add_argument("--rows", type=int, default=50_000, help="rows per export, about")
    parser.add_argument("--kinds", default="mentions,reports", help="default mentions,reports")
    parser.add_argument("--formats", default="xlsx,csv", help="default xlsx,csv")
    parser.add_argument("--tablib", action="store_true", help="also time import-export's own")
    parser.add_argument("--reseed", action="store_true", help="drop and seed the data again")
    parser.add_argument("--allow-sqlite", action="store_true", help="a small smoke run only")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    return parser.parse_args()


def _status(field: str) -> int:
    """A field of /proc/self/status in KiB (VmRSS: now; VmHWM: the peak so far)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def child(spec_json: str) -> None:
    """One export in this fresh process; prints one JSON line of figures."""
    import django

    django.setup()
    from datetime import date

    from django.conf import settings
    from django.db import connection

    from accounts.models import Organization
    from reports.exports.models import Export
    from reports.exports.resources import MentionResource, ReportResource
    from reports.exports.services import export_run

    job = json.loads(spec_json)
    organization = Organization.objects.get(slug=job["slug"])
    connection.ensure_connection()
    idle_kib = _status("VmRSS")
    started = time.perf_counter()
    cpu_started = time.process_time()
    if job["mode"] == "tablib":
        from import_export.formats.base_formats import XLSX

        from reports.exports.queries import export_queryset
        from reports.exports.ranges import DateRange

        span = DateRange(date.fromisoformat(job["start"]), date.fromisoformat(job["end"]), "UTC")
        queryset = export_queryset(organization, kind=job["kind"], query="", span=span)
        resource = {"mentions": MentionResource, "reports": ReportResource}[job["kind"]]()
        dataset = resource.export(queryset=queryset, force_native_type=True)
        data = XLSX().export_data(dataset)
        rows, size = len(dataset), len(data)
    else:
        export = Export.objects.create(
            organization=organization,
            kind=job["kind"],
            format=job["format"],
            date_from=date.fromisoformat(job["start"]),
            date_to=date.fromisoformat(job["end"]),
            time_zone="UTC",
        )
        done = export_run(export_id=export.pk)
        rows, size = done.total_rows, done.size_bytes
        done.path.unlink()
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    peak_kib = _status("VmHWM")
    print(
        json.dumps(
            {
                "rows": rows,
                "seconds": seconds,
                "cpu_seconds": cpu_seconds,
                "size": size,
                "idle_mib": idle_kib / 1024,
                "peak_mib": peak_kib / 1024,
                "export_dir": str(settings.EXPORT_DIR),
            }
        )
    )


def day_range(slug: str, kind: str, rows: int) -> tuple[str, str]:
    """The newest whole days (UTC) holding at least ``rows`` rows of ``kind``."""
    from reports.models import Mention, Report

    if kind == "mentions":
        times = Mention.objects.filter(organization__slug=slug).order_by("-mentioned_at")
        column = "mentioned_at"
    else:
        times = Report.objects.filter(organization__slug=slug).order_by("-analysed_at")
        column = "analysed_at"
    newest = times.values_list(column, flat=True).first()
    oldest = times.values_list(column, flat=True)[rows - 1 : rows].first()
    if newest is None or oldest is None:
        sys.exit(f"Fewer than {rows:,} {kind} in the seeded data: use a smaller --rows.")
    return oldest.date().isoformat(), newest.date().isoformat()


def main() -> None:
    args = parse_args()
    if args.child:
        child(args.child)
        return
    # The reports list benchmark seeds the same data.
    from benchmarks import pages

    pages.configure_environment(args)
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import Organization
    from reports.models import Report

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
    else:
        print(f"Reusing the seeded organization {slug!r} (--reseed to start afresh)")
    pages.vacuum_analyze()
    load = os.getloadavg()[0]
    print(f"Load average before: {load:.2f} (other work on the machine slows every figure)")

    results = []
    for kind in args.kinds.split(","):
        start, end = day_range(slug, kind, args.rows)
        modes = [(fmt, "task") for fmt in args.formats.split(",")]
        if args.tablib:
            modes.append(("xlsx", "tablib"))
        for fmt, mode in modes:
            job = {"slug": slug, "kind": kind, "format": fmt, "start": start, "end": end}
            job["mode"] = mode
            output = subprocess.run(  # noqa: S603 - this script, with our own arguments
                [sys.executable, __file__, "--child", json.dumps(job)],
                check=True,
                capture_output=True,
                text=True,
                env=os.environ,
            ).stdout
            figures = json.loads(output.strip().splitlines()[-1])
            label = f"{kind} {fmt}" + (" (import-export + tablib)" if mode == "tablib" else "")
            results.append((label, f"{start}..{end}", figures))
            print(f"  {label}: {figures['rows']:,} rows in {figures['seconds']:.1f} s", flush=True)

    print()
    print(
        f"{'export':<38} {'days':<22} {'rows':>7} {'seconds':>8} {'CPU s':>6} {'MiB file':>9} "
        f"{'idle MiB':>9} {'peak MiB':>9} {'peak-idle':>9}"
    )
    for label, days, f in results:
        print(
            f"{label:<38} {days:<22} {f['rows']:>7,} {f['seconds']:>8.1f} {f['cpu_seconds']:>6.1f} "
            f"{f['size'] / 2**20:>9.1f} {f['idle_mib']:>9.1f} {f['peak_mib']:>9.1f} "
            f"{f['peak_mib'] - f['idle_mib']:>9.1f}"
        )
    print(
        f"\nTargets: peak within {TARGET_PEAK_MIB:.0f} MiB of idle, at most "
        f"{TARGET_SECONDS:.0f} s (issue #13). Load average after: {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
