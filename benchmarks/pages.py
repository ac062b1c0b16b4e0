"""Reports list and Analytics benchmark: latency and SQL queries per page with 100k reports,
300k mentions.

Run it against an empty PostgreSQL database made for the purpose:

    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE mh_pages_bench"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mh_pages_bench \\
        .venv/bin/python benchmarks/pages.py [--reports 100000 --mentions-per-report 3]

It migrates, seeds one organization with the reports (articles with text, feeds, brands with a
Zipf-like popularity, mentions), VACUUM ANALYZEs, then requests the reports list through the Django
test client as a logged-in member: a few warm-up requests, then ``--requests`` timed ones per
scenario. It prints p50/p95 in ms and the SQL queries of one page. A second run reuses the
seeded organization (``--reseed`` starts afresh). SQLite is refused except for a small smoke
run with ``--allow-sqlite``. ``--explain`` prints EXPLAIN ANALYZE of each scenario's slowest
query. Targets: at most 10 queries per page, p95 at most 150 ms on PostgreSQL.

The Analytics scenarios (``--pages analytics``) time the page and, separately, each chart it
loads in a request of its own (share of voice, top sources, the heat table), over 90 days
and 12 months of the seeded year, for the default brands, ten popular ones and a group of
20 tracked brands (made on the first run), each read from the daily roll-ups and from the
mention rows in turn (``--analytics-paths``; the code is in pages_analytics.py). Target: p95
at most 150 ms for the page and for each chart.
"""

from __future__ import annotations

import os
import sys

# Run as a script, this folder comes first on sys.path, where benchmarks/logging.py would
# shadow the standard library's logging: take the folder off and put the project root on.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
if os.path.dirname(_HERE) not in sys.path:
    sys.path.insert(0, os.path.dirname(_HERE))

import argparse  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from itertools import accumulate  # noqa: E402
from pathlib import Path  # noqa: E402

from benchmarks.pages_analytics import (  # noqa: E402
    TARGET_P95_MS,
    explain,
    measure_analytics,
    print_analytics,
)

BATCH = 5000
MAX_QUERIES = 10
SYLLABLES = ("ka", "lo", "mi", "ne", "ra", "tu", "vo", "ze", "ix", "al", "or", "um", "ba", "ce")
TABLES = (
    "feeds_article",
    "feeds_articlefeed",
    "reports_report",
    "reports_mention",
    "reports_brand",
    "reports_mentionday",
    "reports_comentionday",
    "reports_sourceday",
    "reports_mentionmonth",
    "reports_sourcemonth",
    "reports_comentionmonth",
)
START = datetime(2025, 1, 1, tzinfo=UTC)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=100_000, help="default 100000")
    parser.add_argument("--mentions-per-report", type=int, default=3, help="default 3")
    parser.add_argument("--brands", type=int, default=2000, help="default 2000")
    parser.add_argument("--feeds", type=int, default=25, help="default 25")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per scenario")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests per scenario")
    parser.add_argument("--reseed", action="store_true", help="drop and seed the data again")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE slow queries")
    parser.add_argument(
        "--pages",
        default="reports,analytics",
        help="which pages to time, comma-separated: reports, analytics (default both)",
    )
    parser.add_argument(
        "--analytics-paths",
        default="rollups,mentions",
        help="what the Analytics charts read, comma-separated: rollups (the daily roll-ups), "
        "mentions (the mention rows, as before them); each scenario is timed on each in turn",
    )
    parser.add_argument(
        "--allow-sqlite", action="store_true", help="allow SQLite (a small smoke run only)"
    )
    return parser.parse_args()


def configure_environment(args: argparse.Namespace) -> None:
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")) and not args.allow_sqlite:
        sys.exit(
            "Set DATABASE_URL to an empty PostgreSQL database made for the benchmark, e.g.\n"
            '  psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE mh_pages_bench"\n'
            "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/mh_pages_bench "
            ".venv/bin/python benchmarks/pages.py\n"
            "(--allow-sqlite runs on SQLite, for a small smoke run only.)"
        )
    var_dir = Path(tempfile.mkdtemp(prefix="mh-pages-bench-"))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "marketing_hunting.settings",
            "VAR_DIR": str(var_dir),
            "DEBUG": "false",  # Production settings: no per-query bookkeeping.
            "SECRET_KEY": "benchmark-only-not-a-secret",
            "ALLOWED_HOSTS": "testserver",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "SECURE_HSTS_SECONDS": "0",
            "LOG_LEVEL": "WARNING",
        }
    )
    os.environ.pop("REDIS_URL", None)


def word_list(count: int, rng: random.Random) -> list[str]:
    words: set[str] = set()
    while len(words) < count:
        words.add("".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))))
    return sorted(words)


def zipf_weights(count: int) -> list[float]:
    return [1 / (rank + 1) for rank in range(count)]


def seed(args: argparse.Namespace, slug: str) -> None:
    from django.contrib.auth.models import User
    from django.db import transaction

    from accounts.models import Membership, Organization, Role
    from feeds.models import Article, ArticleFeed, ArticleStatus, Feed
    from feeds.urls_canonical import url_hash
    from reports.extractors.base import sentiment_label
    from reports.models import Brand, BrandStatus, Mention, Report, ReportStatus, ReviewStatus

    reviews = (ReviewStatus.UNREVIEWED, ReviewStatus.CONFIRMED, ReviewStatus.REJECTED)
    from reports.normalize import normalize_brand
    from reports.services.resolution import industries_for

    rng = random.Random(42)  # Reproducible data.
    Organization.objects.filter(slug=slug).delete()
    organization = Organization.objects.create(name="Pages benchmark", slug=slug)
    user, _ = User.objects.get_or_create(username="pages-bench")
    Membership.objects.get_or_create(
        organization=organization, user=user, defaults={"role": Role.OWNER}
    )
    feeds = Feed.objects.bulk_create(
        Feed(organization=organization, name=f"Feed {n}", url=f"https://f{n}.example/rss")
        for n in range(args.feeds)
    )
    industries = industries_for(organization)
    names = [word.capitalize() for word in word_list(args.brands, rng)]
    brands = Brand.objects.bulk_create(
        Brand(
            organization=organization,
            name=name,
            key=normalize_brand(name),
            industry=rng.choice(industries),
            # The popular brands are the tracked ones, as in real use.
            status=BrandStatus.TRACKED if rank < args.brands // 10 else BrandStatus.UNREVIEWED,
        )
        for rank, name in enumerate(names)
    )
    vocabulary = word_list(5000, rng)
    vocabulary_cum = list(accumulate(zipf_weights(len(vocabulary))))
    brand_cum = list(accumulate(zipf_weights(len(brands))))
    span = timedelta(days=365)
    made = 0
    started = time.perf_counter()
    while made < args.reports:
        size = min(BATCH, args.reports - made)
        with transaction.atomic():
            articles = []
            for n in range(made, made + size):
                published = START + span * rng.random()
                words = rng.choices(vocabulary, cum_weights=vocabulary_cum, k=150)
                url = f"https://news{n % 50}.example/story/{n}"
                articles.append(
                    Article(
                        organization=organization,
                        canonical_url=url,
                        url_hash=url_hash(url),
                        original_url=url,
                        title=" ".join(words[:9]).capitalize(),
                        text=". ".join(" ".join(words[i : i + 15]) for i in range(0, 150, 15)),
                        published_at=published,
                        status=ArticleStatus.EXTRACTED,
                        word_count=150,
                    )
                )
            Article.objects.bulk_create(articles, batch_size=1000)
            ArticleFeed.objects.bulk_create(
                (ArticleFeed(article=a, feed=rng.choice(feeds)) for a in articles),
                batch_size=BATCH,
            )
            reports = []
            for article in articles:
                llm = rng.random() < 0.2
                score = round(rng.uniform(-1, 1), 2)
                reports.append(
                    Report(
                        organization=organization,
                        article=article,
                        summary="A summary.",
                        sentiment_score=score,
                        sentiment_label=sentiment_label(score),
                        extractor="llm" if llm else "rules",
                        model="gpt-4o-mini" if llm else "",
                        tokens_in=1500 if llm else 0,
                        tokens_out=300 if llm else 0,
                        status=ReportStatus.DONE,
                        analysed_at=article.published_at + timedelta(minutes=rng.randint(1, 90)),
                    )
                )
            Report.objects.bulk_create(reports, batch_size=BATCH)
            mentions = []
            for report in reports:
                chosen: dict[int, Brand] = {}
                while len(chosen) < args.mentions_per_report:
                    brand = rng.choices(brands, cum_weights=brand_cum)[0]
                    chosen[brand.pk] = brand
                for brand in chosen.values():
                    mentions.append(
                        Mention(
                            organization=organization,
                            report=report,
                            brand=brand,
                            surface=brand.name,
                            confidence=round(rng.uniform(0.3, 1.0), 2),
                            sentiment=round(rng.uniform(-1, 1), 2),
                            evidence=f"{brand.name} said something.",
                            evidence_start=0,
                            evidence_end=10,
                            source="rules",
                            review_status=rng.choices(reviews, weights=(90, 7, 3))[0],
                            mentioned_at=report.article.published_at,
                        )
                    )
            Mention.objects.bulk_create(mentions, batch_size=BATCH)
        made += size
        rate = made / (time.perf_counter() - started)
        print(f"  seeded {made:,} reports ({rate:,.0f} reports/s)", flush=True)


def vacuum_analyze() -> None:
    """The steady state autovacuum keeps a live database in: statistics for the planner and a
    visibility map, without which counts cannot use index-only scans."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(f"VACUUM ANALYZE {table}")


def scenarios(slug: str) -> list[tuple[str, dict[str, object]]]:
    from django.db.models import Count

    from reports.models import Brand

    brands = list(
        Brand.objects.filter(organization__slug=slug, status="tracked")
        .annotate(n=Count("mentions"))
        .order_by("-n")
        .values_list("pk", "n")
    )
    popular, rare = brands[0], brands[-1]
    specific, broad = _search_words(slug)
    return [
        ("no filter, page 1", {}),
        (f"brand filter (popular, {popular[1]:,} mentions)", {"brand": popular[0]}),
        (f"brand filter (tracked, {rare[1]:,} mentions)", {"brand": rare[0]}),
        (f"full-text search, specific word {specific!r}", {"q": specific}),
        (f"full-text search, broad word {broad!r}", {"q": broad}),
        ("page 200", {"page": 200}),
        ("page size 100", {"size": 100}),
        (
            "brand + min confidence + sentiment, oldest first",
            {
                "brand": popular[0],
                "min_confidence": "0.8",
                "sentiment": "negative",
                "sort": "oldest",
            },
        ),
    ]


def _search_words(slug: str) -> tuple[str, str]:
    """A specific word (in about 1 % of the articles) and a broad one (about 20 %)."""
    from feeds.models import Article

    sample = list(
        Article.objects.filter(organization__slug=slug).values_list("text", flat=True)[:2000]
    )
    share: dict[str, int] = {}
    for text in sample:
        for word in set(text.replace(".", " ").split()):
            share[word] = share.get(word, 0) + 1

    def closest(target: float) -> str:
        return min(share, key=lambda word: abs(share[word] / len(sample) - target))

    return closest(0.01), closest(0.20)


def measure(args: argparse.Namespace, slug: str) -> list[dict[str, object]]:
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    client = Client()
    client.force_login(User.objects.get(username="pages-bench"))
    url = reverse("reports:list")
    client.get(url)  # Stores the organization in the session, as for any signed-in user.
    results = []
    for label, query in scenarios(slug):
        for _ in range(args.warmup):
            assert client.get(url, query).status_code == 200
        timings = []
        for _ in range(args.requests):
            started = time.perf_counter()
            response = client.get(url, query)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, query)
        rows = response.content.count(b'<tr id="report-')
        queries = [(float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries]
        count = re.search(rb"([\d,]+\+?) reports?</p>", response.content)
        timings.sort()
        results.append(
            {
                "label": label,
                "p50": statistics.median(timings),
                "p95": timings[max(0, round(0.95 * len(timings)) - 1)],
                "queries": len(queries),
                "rows": rows,
                "matches": count.group(1).decode() if count else "0",
                "sql_ms": sum(ms for ms, _ in queries),
                "slowest": max(queries),
            }
        )
        print(f"  {label}: p95 {results[-1]['p95']:.1f} ms", flush=True)
    return results


def main() -> None:
    args = parse_args()
    configure_environment(args)
    # WhiteNoise notes that collectstatic has not run: the benchmark does not serve files.
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings

    from accounts.models import Organization
    from reports.models import Mention, Report

    # No collectstatic here: serve the stylesheet's name without the manifest.
    override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()
    print(f"Database: {connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0, interactive=False)
    slug = f"pages-bench-{args.reports}x{args.mentions_per_report}"
    organization = Organization.objects.filter(slug=slug).first()
    reports = Report.objects.filter(organization=organization).count() if organization else 0
    if args.reseed or reports != args.reports:
        print(f"Seeding {args.reports:,} reports x {args.mentions_per_report} mentions ...")
        started = time.perf_counter()
        seed(args, slug)
        print(f"Seeded in {time.perf_counter() - started:.0f} s")
    else:
        print(f"Reusing the seeded organization {slug!r} (--reseed to start afresh)")
    # With a monthly quota the page also checks the usage (the banner): the worst case.
    Organization.objects.filter(slug=slug).update(llm_monthly_token_quota=50_000_000)
    vacuum_analyze()
    mentions = Mention.objects.filter(organization__slug=slug).count()
    pages = {page.strip() for page in args.pages.split(",")}
    if "analytics" in pages:
        print(f"Timing Analytics: {args.requests} requests per scenario, {mentions:,} mentions")
        print_analytics(measure_analytics(args, slug), args)
    if "reports" not in pages:
        return
    print(f"Timing the reports list: {args.requests} requests per scenario, {mentions:,} mentions")
    results = measure(args, slug)

    print()
    header = f"{'scenario':<52} {'p50 ms':>7} {'p95 ms':>7} {'queries':>7} {'SQL ms':>7}"
    print(f"{header} {'rows':>5} {'matches':>8}")
    for row in results:
        print(
            f"{row['label']:<52} {row['p50']:>7.1f} {row['p95']:>7.1f} {row['queries']:>7} "
            f"{row['sql_ms']:>7.1f} {row['rows']:>5} {row['matches']:>8}"
        )
    worst_p95 = max(row["p95"] for row in results)
    worst_queries = max(row["queries"] for row in results)
    print(
        f"\nWorst p95 {worst_p95:.1f} ms (target {TARGET_P95_MS:.0f}); "
        f"most queries {worst_queries} (target {MAX_QUERIES})."
    )
    if args.explain:
        for row in results:
            ms, sql = row["slowest"]
            print(f"\n--- {row['label']}: slowest query {ms:.1f} ms\n{sql}\n{explain(sql)}")


if __name__ == "__main__":
    main()
