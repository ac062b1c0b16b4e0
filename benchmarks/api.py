"""API benchmark: the reports list through /api/reports at 100k reports, and the rate limiter.

    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE mh_api_bench"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mh_api_bench \\
    REDIS_URL=redis://127.0.0.1:6379/9 .venv/bin/python benchmarks/api.py [--requests 50]

It seeds the data of ``benchmarks/pages.py`` (one organization, 100,000 reports with three
mentions each; reused when present), makes an API key, and requests /api/reports through
Django's test client with the key: warm-up requests, then ``--requests`` timed ones per
scenario, p50/p95 in ms and the SQL queries of one page. "page 200" is the 200th page of 25,
reached by following ``next_cursor``. Then the rate limiter: the time of one check (both
budgets, key and organization) against the shared store (Redis with REDIS_URL, else the
file), and the same list request with the limiter on and off.
Targets: p95 ≤ 60 ms per page on PostgreSQL; the limiter adds ≤ 1 ms per request.
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

TARGET_P95_MS = 60.0
TARGET_LIMITER_MS = 1.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=100_000, help="default 100000")
    parser.add_argument("--mentions-per-report", type=int, default=3, help="default 3")
    parser.add_argument("--brands", type=int, default=2000, help="default 2000")
    parser.add_argument("--feeds", type=int, default=25, help="default 25")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per scenario")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests per scenario")
    parser.add_argument("--limiter-calls", type=int, default=2000, help="timed limiter checks")
    parser.add_argument("--reseed", action="store_true", help="drop and seed the data again")
    parser.add_argument("--allow-sqlite", action="store_true", help="a small smoke run only")
    return parser.parse_args()


def _percentiles(timings: list[float]) -> tuple[float, float]:
    timings = sorted(timings)
    return statistics.median(timings), timings[max(0, round(0.95 * len(timings)) - 1)]


def _scenarios(slug: str) -> list[tuple[str, dict[str, object]]]:
    from benchmarks.pages import scenarios

    translated = []
    for label, query in scenarios(slug):
        if "page" in query:
            translated.append((label, {"_page": query["page"]}))
        elif "size" in query:
            translated.append(("page size 100", {"limit": 100}))
        else:
            translated.append((label, query))
    return translated


def _cursor_for_page(get, page: int) -> str | None:
    cursor = None
    for _ in range(page - 1):
        body = get({"cursor": cursor} if cursor else {}).json()
        cursor = body["next_cursor"]
    return cursor


def measure_list(args: argparse.Namespace, slug: str, get) -> list[dict[str, object]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    results = []
    for label, query in _scenarios(slug):
        if "_page" in query:
            query = {"cursor": _cursor_for_page(get, int(query["_page"]))}
        for _ in range(args.warmup):
            assert get(query).status_code == 200
        timings = []
        for _ in range(args.requests):
            started = time.perf_counter()
            response = get(query)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.content[:300]
        with CaptureQueriesContext(connection) as captured:
            response = get(query)
        p50, p95 = _percentiles(timings)
        results.append(
            {
                "label": label,
                "p50": p50,
                "p95": p95,
                "queries": len(captured.captured_queries),
                "rows": len(response.json()["items"]),
            }
        )
        print(f"  {label}: p95 {p95:.1f} ms", flush=True)
    return results


def measure_limiter(args: argparse.Namespace, key, get) -> dict[str, float]:
    from django.conf import settings

    from api import ratelimit

    # High budgets: every check is answered (a refusal costs the same, but the point is the
    # price of an answered request).
    settings.API_KEY_REQUESTS_PER_MINUTE = 10_000_000
    settings.API_ORG_REQUESTS_PER_MINUTE = 10_000_000
    for _ in range(50):
        ratelimit.check(key_id=key.pk, organization=key.organization)
    timings = []
    for _ in range(args.limiter_calls):
        started = time.perf_counter()
        ratelimit.check(key_id=key.pk, organization=key.organization)
        timings.append((time.perf_counter() - started) * 1000)
    check_p50, check_p95 = _percentiles(timings)
    # The same request with the limiter on and off, interleaved so load drifts hit both.
    on, off = [], []
    for round_ in range(args.requests * 4):
        limited = round_ % 2 == 0
        settings.API_KEY_REQUESTS_PER_MINUTE = 10_000_000 if limited else 0
        settings.API_ORG_REQUESTS_PER_MINUTE = 10_000_000 if limited else 0
        started = time.perf_counter()
        assert get({"limit": 1}).status_code == 200
        (on if limited else off).append((time.perf_counter() - started) * 1000)
    return {
        "check_p50": check_p50,
        "check_p95": check_p95,
        "on_p50": statistics.median(on),
        "off_p50": statistics.median(off),
    }


def main() -> None:
    args = parse_args()
    from benchmarks.pages import configure_environment, seed, vacuum_analyze

    redis_url = os.environ.get("REDIS_URL")
    configure_environment(args)
    if redis_url:  # pages.py runs without Redis; the limiter's figure wants the real store.
        os.environ["REDIS_URL"] = redis_url
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from accounts.models import ApiScope, Membership, Organization
    from accounts.services import api_key_create
    from reports.models import Report

    print(f"Database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(f"Rate-limit store: {'Redis' if settings.REDIS_URL else 'file under VAR_DIR'}")
    call_command("migrate", verbosity=0, interactive=False)
    slug = f"pages-bench-{args.reports}x{args.mentions_per_report}"
    organization = Organization.objects.filter(slug=slug).first()
    reports = Report.objects.filter(organization=organization).count() if organization else 0
    if args.reseed or reports != args.reports:
        print(f"Seeding {args.reports:,} reports x {args.mentions_per_report} mentions ...")
        seed(args, slug)
    vacuum_analyze()
    membership = Membership.objects.get(organization__slug=slug, user__username="pages-bench")
    key, token = api_key_create(
        organization=membership.organization,
        actor=membership,
        name="benchmark",
        scopes=list(ApiScope.values),
        expires_in_days=30,
    )
    client = Client()
    headers = {"Authorization": f"Bearer {token}"}

    def get(query: dict[str, object]):
        return client.get("/api/reports", query, headers=headers)

    settings.API_KEY_REQUESTS_PER_MINUTE = 0
    settings.API_ORG_REQUESTS_PER_MINUTE = 0
    print(f"Timing GET /api/reports: {args.requests} requests per scenario")
    results = measure_list(args, slug, get)
    print("Timing the rate limiter")
    limiter = measure_limiter(args, key, get)

    print()
    print(f"{'scenario':<52} {'p50 ms':>7} {'p95 ms':>7} {'queries':>7} {'rows':>5}")
    for row in results:
        print(
            f"{row['label']:<52} {row['p50']:>7.1f} {row['p95']:>7.1f} "
            f"{row['queries']:>7} {row['rows']:>5}"
        )
    worst = max(row["p95"] for row in results)
    print(f"\nWorst p95 {worst:.1f} ms (target {TARGET_P95_MS:.0f}).")
    print("Load average during the run: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    print(
        f"Rate limiter: one check p50 {limiter['check_p50']:.3f} ms, p95 "
        f"{limiter['check_p95']:.3f} ms; a request p50 {limiter['on_p50']:.1f} ms with it, "
        f"{limiter['off_p50']:.1f} ms without (+{limiter['on_p50'] - limiter['off_p50']:.2f} ms; "
        f"target ≤ {TARGET_LIMITER_MS:.0f} ms)."
    )


if __name__ == "__main__":
    main()
