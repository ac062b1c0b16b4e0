"""PDF benchmark: one report rendered to PDF with WeasyPrint, small and long.

    .venv/bin/python benchmarks/pdf.py [--runs 5] [--mentions 3,40,120]

No database: the report, its article and mentions are unsaved rows, so the figures are the
renderer's own (template, layout, PDF writing); the view adds three small queries. Each size
is rendered ``--runs`` times after one cold render (the first in the process: WeasyPrint's
import, Pango and font loading); median and worst warm times, page count and size are
printed. Target (issue #13, for a digest later): at most 5 s. No assertions.
"""

from __future__ import annotations

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
# benchmarks/logging.py would shadow the standard library's logging.
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
ROOT = os.path.dirname(_HERE)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketing_hunting.settings")
os.environ.setdefault("DEBUG", "true")

import argparse  # noqa: E402
import io  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime  # noqa: E402

import django  # noqa: E402

django.setup()

from accounts.models import Organization  # noqa: E402
from feeds.models import Article  # noqa: E402
from reports.models import Brand, Mention, Report  # noqa: E402
from reports.pdf.render import render_pdf  # noqa: E402
from reports.pdf.report import TEMPLATE, report_context  # noqa: E402

TARGET_SECONDS = 5.0
EVIDENCE = (
    "The company said on Monday it would open a new plant near Lyon, adding 400 jobs "
    "and doubling its output of electric vehicle parts by 2028."
)


def build(mentions: int) -> dict[str, object]:
    organization = Organization(pk=1, name="Northwind Communications", slug="northwind")
    article = Article(
        organization=organization,
        title="Acme opens a plant in Lyon as European carmakers race to electrify",
        canonical_url="https://news.example/2026/03/10/acme-opens-a-plant-in-lyon",
        published_at=datetime(2026, 3, 10, 12, tzinfo=UTC),
        author="A. Reporter",
    )
    report = Report(
        pk=1,
        organization=organization,
        article=article,
        summary=" ".join([EVIDENCE] * 4),
        topic="Automotive",
        sentiment_score=0.42,
        sentiment_label="positive",
        extractor="llm",
        model="gpt-4o-mini",
        analysed_at=datetime(2026, 3, 10, 13, tzinfo=UTC),
    )
    rows = [
        Mention(
            organization=organization,
            report=report,
            brand=Brand(organization=organization, name=f"Brand {index:03d}"),
            surface=f"Brand {index:03d}",
            confidence=1 - index / (mentions + 1),
            sentiment=((index % 9) - 4) / 4,
            evidence=EVIDENCE,
            review_status="unreviewed",
        )
        for index in range(mentions)
    ]
    return report_context(
        report=report, organization=organization, mentions=rows, source_feeds=["Wire", "Blog"]
    )


def render(mentions: int) -> tuple[float, bytes]:
    context = build(mentions)
    started = time.perf_counter()
    content = render_pdf(TEMPLATE, context)
    return time.perf_counter() - started, content


def pages(content: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(content)).pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--mentions", default="3,40,120", help="sizes, comma-separated")
    args = parser.parse_args()
    sizes = [int(size) for size in args.mentions.split(",")]
    cold, _ = render(sizes[0])
    print(f"cold first render ({sizes[0]} mentions, WeasyPrint import and fonts): {cold:.2f} s")
    for size in sizes:
        times = []
        for _ in range(args.runs):
            seconds, content = render(size)
            times.append(seconds)
        median, worst = statistics.median(times), max(times)
        verdict = "within" if worst <= TARGET_SECONDS else "OVER"
        print(
            f"{size:4d} mentions: {pages(content):2d} pages, {len(content) / 1024:6.1f} KiB, "
            f"median {median:.2f} s, worst {worst:.2f} s ({verdict} {TARGET_SECONDS:.0f} s)"
        )


if __name__ == "__main__":
    main()
