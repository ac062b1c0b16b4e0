"""The Analytics part of benchmarks/pages.py: the page and each chart it loads in a request
of its own, per scenario, read from the daily roll-ups and (``--analytics-paths``) from the
mention rows as before them, one right after the other so both meet the same machine load."""

from __future__ import annotations

import argparse
import re
import statistics
import time
from contextlib import nullcontext
from unittest import mock

TARGET_P95_MS = 150.0


ANALYTICS_GROUP = "Benchmark rivals"
QUARTER = {"range": "custom", "date_from": "2025-07-01", "date_to": "2025-09-28"}
YEAR = {"range": "custom", "date_from": "2025-01-01", "date_to": "2025-12-31"}


def analytics_scenarios(slug: str) -> list[tuple[str, dict[str, object]]]:
    """(label, query) of the Analytics pages to time; each page's deferred charts are timed
    as the browser asks for them (their hx-get addresses, read from the page)."""
    from django.db.models import Count

    from reports.models import Brand, BrandGroup

    tracked = list(
        Brand.objects.filter(organization__slug=slug, status="tracked")
        .annotate(n=Count("mentions"))
        .order_by("-n")
        .values_list("pk", flat=True)
    )
    group, created = BrandGroup.objects.get_or_create(
        organization=Brand.objects.get(pk=tracked[0]).organization, name=ANALYTICS_GROUP
    )
    if created:  # Every fifth tracked brand: popular and rare ones, as a real list of rivals.
        group.brands.set(tracked[::5][:20])
    popular = {"brand": tracked[:10]}
    grouped = {"group": group.pk}
    return [
        ("90 days, default brands", QUARTER),
        ("90 days, 10 popular brands", {**QUARTER, **popular}),
        ("90 days, group of 20", {**QUARTER, **grouped}),
        ("12 months, default brands (weekly)", YEAR),
        ("12 months, 10 popular brands (weekly)", {**YEAR, **popular}),
    ]


def _timed(client, url: str, query: dict | None, headers: dict, args) -> dict[str, object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(args.warmup):
        assert client.get(url, query, **headers).status_code == 200
    timings = []
    for _ in range(args.requests):
        started = time.perf_counter()
        response = client.get(url, query, **headers)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, query, **headers)
    queries = [(float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries]
    timings.sort()
    return {
        "p50": statistics.median(timings),
        "p95": timings[max(0, round(0.95 * len(timings)) - 1)],
        "queries": len(queries),
        "sql_ms": sum(ms for ms, _ in queries),
        "slowest": max(queries),
        "content": response.content.decode(),
    }


def measure_analytics(args: argparse.Namespace, slug: str) -> list[dict[str, object]]:
    import html

    from django.contrib.auth.models import User
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(User.objects.get(username="pages-bench"))
    url = reverse("analytics:page")
    client.get(url)
    paths = [path.strip() for path in args.analytics_paths.split(",") if path.strip()]
    results = []
    for label, query in analytics_scenarios(slug):
        for path in paths:
            tag = "" if len(paths) == 1 else f" [{path}]"
            with _reading(path):
                page = _timed(client, url, query, {}, args)
                results.append({"label": f"page: {label}{tag}", **page})
                print(f"  page: {label}{tag}: p95 {page['p95']:.1f} ms", flush=True)
                for address in re.findall(r'hx-get="([^"]*chart=(\w+)[^"]*)"', page["content"]):
                    chart_url, chart = html.unescape(address[0]), address[1]
                    timed = _timed(client, url + chart_url, None, {"HTTP_HX_REQUEST": "true"}, args)
                    results.append({"label": f"  {chart}: {label}{tag}", **timed})
                    print(f"    {chart}{tag}: p95 {timed['p95']:.1f} ms", flush=True)
    return results


def _reading(path: str) -> mock._patch | nullcontext:
    """ "mentions": the charts behave as if the roll-ups were not ready (as before them)."""
    if path == "rollups":
        return nullcontext()
    if path != "mentions":
        raise SystemExit(f"--analytics-paths: rollups or mentions, not {path!r}")
    return mock.patch("reports.analytics._rolled_up", return_value=None)


def print_analytics(results: list[dict[str, object]], args: argparse.Namespace) -> None:
    print()
    print(f"{'Analytics scenario':<62} {'p50 ms':>7} {'p95 ms':>7} {'queries':>7} {'SQL ms':>7}")
    for row in results:
        print(
            f"{row['label']:<62} {row['p50']:>7.1f} {row['p95']:>7.1f} {row['queries']:>7} "
            f"{row['sql_ms']:>7.1f}"
        )
    over = [row["label"].strip() for row in results if row["p95"] > TARGET_P95_MS]
    worst = max(row["p95"] for row in results)
    print(
        f"\nAnalytics worst p95 {worst:.1f} ms (target {TARGET_P95_MS:.0f}); over: {over or 'none'}"
    )
    if args.explain:
        for row in results:
            ms, sql = row["slowest"]
            print(f"\n--- {row['label']}: slowest query {ms:.1f} ms\n{sql}\n{explain(sql)}")


def explain(sql: str) -> str:
    from django.db import connection

    if connection.vendor != "postgresql":
        return "(EXPLAIN ANALYZE only on PostgreSQL)"
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())
