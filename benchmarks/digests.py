"""Digest benchmark: one weekly digest with every section and its charts, rendered as the
email (with the charts rasterised to PNG) and as the PDF, at 100k reports / 300k mentions.

    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE mh_digests_bench"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mh_digests_bench \\
        .venv/bin/python benchmarks/digests.py [--reports 100000] [--runs 5]

Seeds (or reuses) the organization of ``benchmarks/pages.py`` (a year of articles, 2,000
brands, 200 of them tracked), then renders the digest of ``--runs`` weeks spread over the
seeded year: "email" is building the content (its queries), drawing the charts, turning them
into PNG and writing the whole MIME message; "PDF" is the same content through WeasyPrint.
One cold render first (imports, fonts). Targets (issue #13): email at most 3 s, PDF at most
5 s. Prints median and worst; no timed assertions.
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

EMAIL_TARGET, PDF_TARGET = 3.0, 5.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=100_000, help="default 100000")
    parser.add_argument("--mentions-per-report", type=int, default=3, help="default 3")
    parser.add_argument("--brands", type=int, default=2000, help="default 2000")
    parser.add_argument("--feeds", type=int, default=25, help="default 25")
    parser.add_argument("--runs", type=int, default=5, help="weeks rendered (5)")
    parser.add_argument("--reseed", action="store_true", help="drop and seed the data again")
    parser.add_argument("--allow-sqlite", action="store_true", help="a small smoke run only")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    from benchmarks import pages

    pages.configure_environment(args)
    os.environ["SITE_URL"] = "https://mh.example.com"
    # As benchmarks/pdf.py: the PDF's style sheet is read from the app's static folders, with
    # no collectstatic manifest to make (its cost is the same either way).
    os.environ["DEBUG"] = "true"
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Organization
    from reports.digests.content import digest_build
    from reports.digests.message import digest_email
    from reports.digests.models import DigestSubscription, DigestTemplate
    from reports.digests.pdf import digest_pdf
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
        organization = Organization.objects.get(slug=slug)
    else:
        print(f"Reusing the seeded organization {slug!r} (--reseed to start afresh)")
    pages.vacuum_analyze()
    print(f"Load average before: {os.getloadavg()[0]:.2f}")

    template, _ = DigestTemplate.objects.get_or_create(
        organization=organization, name="Bench weekly", defaults={"min_confidence": 0.0}
    )
    subscription = DigestSubscription(
        organization=organization, template=template, pk=1, time_zone="Europe/Berlin"
    )

    def render(end):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        content = digest_build(
            template=template,
            organization=organization,
            start=end - timedelta(days=7),
            end=end,
            time_zone="Europe/Berlin",
        )
        message = (
            digest_email(
                content=content, subscription=subscription, user_id=1, recipient="a@example.com"
            )
            .message()
            .as_bytes()
        )
        email_s = time.perf_counter() - started
        started = time.perf_counter()
        _, pdf = digest_pdf(content)
        return content, email_s, len(message), time.perf_counter() - started, len(pdf)

    first = pages.START + timedelta(days=60)
    weeks = [first + timedelta(days=290 * n / max(args.runs - 1, 1)) for n in range(args.runs)]
    _, cold_email, _, cold_pdf, _ = render(weeks[0])
    print(f"cold first render: email {cold_email:.2f} s, PDF {cold_pdf:.2f} s")
    emails, pdfs, queries = [], [], 0
    for end in weeks:
        with CaptureQueriesContext(connection) as captured:
            content, email_s, email_bytes, pdf_s, pdf_bytes = render(end)
        queries = max(queries, len(captured))
        emails.append(email_s)
        pdfs.append(pdf_s)
        print(
            f"week to {end:%Y-%m-%d}: {content.mention_count:,} mentions, "
            f"email {email_s:.2f} s ({email_bytes / 1024:.0f} KiB), "
            f"PDF {pdf_s:.2f} s ({pdf_bytes / 1024:.0f} KiB)",
            flush=True,
        )
    for label, times, target in (("email", emails, EMAIL_TARGET), ("PDF", pdfs, PDF_TARGET)):
        verdict = "within" if max(times) <= target else "OVER"
        print(
            f"{label}: median {statistics.median(times):.2f} s, worst {max(times):.2f} s "
            f"({verdict} {target:.0f} s)"
        )
    print(f"queries per digest (with the PDF): {queries}")


if __name__ == "__main__":
    main()
