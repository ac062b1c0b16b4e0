"""Usage page benchmark: the owners' Usage page, the operators' usage across organizations and
the nightly close of usage records, at a year of one busy organization's usage.

    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE mh_usage_bench"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mh_usage_bench \\
        .venv/bin/python benchmarks/usage_page.py [--articles 100000 --organizations 50]

Seeds (once; ``--reseed`` starts afresh) one organization with ``--articles`` articles and
their reports spread over a year, a year of LLM usage rows (three models), 3,000 email drafts,
600 discovery runs and ten members active most days, plus ``--organizations`` smaller ones;
VACUUM ANALYZEs; then requests each page through the Django test client as the owner (or a
staff user), a few warm-up requests then ``--requests`` timed ones, and prints p50/p95 in ms
and the SQL queries of one request.
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
from datetime import UTC, date, datetime, timedelta  # noqa: E402
from decimal import Decimal  # noqa: E402
from pathlib import Path  # noqa: E402

SLUG = "usage-bench"
END = date(2026, 11, 30)


def setup() -> None:
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to an empty PostgreSQL database made for the benchmark.")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "marketing_hunting.settings",
            "VAR_DIR": str(Path(tempfile.mkdtemp(prefix="mh-usage-bench-"))),
            "DEBUG": "false",
            "SECRET_KEY": "benchmark-only-not-a-secret",
            "ALLOWED_HOSTS": "testserver",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "SECURE_HSTS_SECONDS": "0",
            "LOG_LEVEL": "WARNING",
        }
    )
    os.environ.pop("REDIS_URL", None)


def seed_organization(name: str, slug: str, articles: int, users: list) -> None:
    from accounts.models import Membership, Organization, Role, UsageDaily
    from contacts.models import BrandContact, DiscoveryRun, EmailDraft
    from feeds.models import Article, ArticleStatus
    from feeds.urls_canonical import url_hash
    from reports.models import Brand, Report, ReportStatus
    from usage.models import ActiveUserDay, ModelUsageDay

    organization = Organization.objects.create(name=name, slug=slug)
    for n, user in enumerate(users):
        Membership.objects.create(
            organization=organization, user=user, role=Role.OWNER if n == 0 else Role.MEMBER
        )
    days = [END - timedelta(days=n) for n in range(365)]
    for start in range(0, articles, 5000):
        batch = []
        for n in range(start, min(start + 5000, articles)):
            url = f"https://news.example/{slug}/{n}"
            batch.append(
                Article(
                    organization=organization,
                    canonical_url=url,
                    url_hash=url_hash(url),
                    original_url=url,
                    title=f"Story {n}",
                    text="Acme opened a plant. " * 20,
                    word_count=80,
                    status=ArticleStatus.EXTRACTED,
                )
            )
        made = Article.objects.bulk_create(batch)
        reports = []
        for index, article in enumerate(made):
            when = datetime.combine(days[(start + index) % 365], datetime.min.time(), tzinfo=UTC)
            reports.append(
                Report(
                    organization=organization,
                    article=article,
                    extractor="llm",
                    status=ReportStatus.DONE,
                    analysed_at=when + timedelta(hours=9),
                )
            )
        Report.objects.bulk_create(reports)
    # Articles' creation times over the year (auto_now_add set them to now).
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE feeds_article SET created_at = %s::date - (id %% 365) * interval '1 day'"
            " + interval '8 hours' WHERE organization_id = %s",
            [END, organization.pk],
        )
    UsageDaily.objects.bulk_create(
        UsageDaily(
            organization=organization,
            date=day,
            llm_calls=300,
            tokens_in=600_000,
            tokens_out=60_000,
            cost=Decimal("0.12"),
            batch_calls=50,
            batch_saved=Decimal("0.01"),
        )
        for day in days
    )
    ModelUsageDay.objects.bulk_create(
        ModelUsageDay(
            organization=organization,
            date=day,
            model=model,
            llm_calls=100,
            tokens_in=200_000,
            tokens_out=20_000,
            cost=Decimal("0.04"),
        )
        for day in days
        for model in ("gpt-4o-mini", "gpt-4o", "claude-haiku")
    )
    brand = Brand.objects.create(organization=organization, name="Acme", key="acme")
    contact = BrandContact.objects.create(organization=organization, brand=brand, full_name="J")
    EmailDraft.objects.bulk_create(
        EmailDraft(
            organization=organization,
            contact=contact,
            subject="Hi",
            body="Hello",
            template="pitch",
            tone="professional",
            generated_at=datetime.combine(days[n % 365], datetime.min.time(), tzinfo=UTC),
            sent=n % 3 == 0,
            sent_at=datetime.combine(days[n % 365], datetime.min.time(), tzinfo=UTC)
            if n % 3 == 0
            else None,
        )
        for n in range(articles // 33)
    )
    DiscoveryRun.objects.bulk_create(
        DiscoveryRun(organization=organization, brand=brand) for _ in range(articles // 160)
    )
    ActiveUserDay.objects.bulk_create(
        ActiveUserDay(organization=organization, user=user, date=day)
        for day in days
        for user in users
        if (day.toordinal() + user.pk) % 7
    )


def seed(args: argparse.Namespace) -> None:
    from django.contrib.auth.models import User

    from accounts.models import Organization

    Organization.objects.filter(slug__startswith=SLUG).delete()
    User.objects.filter(username__startswith="usage-bench").delete()
    users = [User.objects.create(username=f"usage-bench-{n}") for n in range(10)]
    User.objects.create(username="usage-bench-staff", is_staff=True, is_superuser=True)
    seed_organization("Usage benchmark", SLUG, args.articles, users)
    for n in range(args.organizations):
        seed_organization(f"Small {n}", f"{SLUG}-{n}", args.articles // 100, [users[n % 10]])


def close_the_year() -> None:
    """The records beat would have closed each night: counted from the rows in one grouped
    pass (usage_by_day with closed_records=False), written in bulk, closed."""
    from billing.models import UsageRecord
    from billing.services import usage_data  # noqa: F401 - the same field names
    from usage.selectors import usage_by_day

    UsageRecord.objects.all().delete()
    first = END - timedelta(days=364)
    table = usage_by_day(start=first, end=END, closed_records=False)
    closed_at = datetime.combine(END + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    rows = []
    for org_id, days in table.items():
        for day, usage in days.items():
            rows.append(
                UsageRecord(
                    organization_id=org_id,
                    date=day,
                    articles_fetched=usage["articles_fetched"],
                    articles_analysed=usage["articles_analysed"],
                    llm_calls=usage["llm_calls"],
                    llm_cache_hits=usage["cache_hits"],
                    llm_batch_calls=usage["batch_calls"],
                    llm_tokens_in=usage["tokens_in"],
                    llm_tokens_out=usage["tokens_out"],
                    llm_cost=usage["cost"],
                    llm_batch_saved=usage["batch_saved"],
                    discovery_searches=usage["discovery_searches"],
                    emails_drafted=usage["emails_drafted"],
                    emails_sent=usage["emails_sent"],
                    active_users=usage["active_users"],
                    by_model={
                        m: {
                            "llm_calls": c.llm_calls,
                            "tokens_in": c.tokens_in,
                            "tokens_out": c.tokens_out,
                            "cost": f"{c.cost:.6f}",
                        }
                        for m, c in usage.by_model.items()
                    },
                    computed_at=closed_at,
                    closed_at=closed_at,
                )
            )
    UsageRecord.objects.bulk_create(rows, batch_size=2000)


def timed(client, url: str, requests: int) -> tuple[float, float, int]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        assert client.get(url).status_code == 200, url
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--organizations", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument(
        "--closed",
        action="store_true",
        help="close the seeded year's usage records first (as beat would have, each night)",
    )
    args = parser.parse_args()
    setup()
    import warnings

    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    from django.test.utils import override_settings

    # No collectstatic here: serve the stylesheet's name without the manifest.
    override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from accounts.models import Organization
    from billing.services import usage_record_compute

    call_command("migrate", verbosity=0, interactive=False)
    if args.reseed or not Organization.objects.filter(slug=SLUG).exists():
        started = time.perf_counter()
        seed(args)
        print(f"seeded in {time.perf_counter() - started:.0f} s")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    if args.closed:
        close_the_year()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE billing_usagerecord")
    owner, staff = Client(), Client()
    owner.force_login(User.objects.get(username="usage-bench-0"))
    staff.force_login(User.objects.get(username="usage-bench-staff"))
    session = owner.session
    session["organization_id"] = Organization.objects.get(slug=SLUG).pk
    session.save()
    scenarios = [
        ("Usage page, days of a month", owner, "/usage/?view=days&month=2026-11"),
        ("Usage page, twelve months", owner, "/usage/?view=months&month=2026-11"),
        ("Usage CSV, twelve months", owner, "/usage/?view=months&month=2026-11&format=csv"),
        ("Operators' usage, one month", staff, "/admin/usage/?month=2026-11"),
    ]
    print(f"{'scenario':40} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for name, client, url in scenarios:
        p50, p95, queries = timed(client, url, args.requests)
        print(f"{name:40} {p50:8.1f} {p95:8.1f} {queries:8}")
    organization = Organization.objects.get(slug=SLUG)
    from billing.models import UsageRecord

    # Counting a day afresh (what the nightly close does): the last five days are reopened.
    UsageRecord.objects.filter(organization=organization, date__gt=END - timedelta(days=6)).delete()
    times = []
    for offset in range(1, 6):
        day = END - timedelta(days=offset)
        started = time.perf_counter()
        usage_record_compute(organization=organization, day=day, close=False)
        times.append((time.perf_counter() - started) * 1000)
    print(f"{'Usage record of one day (busy org)':40} {statistics.median(times):8.1f}")


if __name__ == "__main__":
    main()
