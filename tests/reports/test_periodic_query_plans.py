"""The periodic safety nets of analysis read pending work from an index, not every row.

``analyse_unreported`` (every 10 minutes) once read every extracted article of the
installation to find the few without a report; ``analyse_llm_pending`` (hourly) every report
of every organization to find those waiting for the LLM. Both now read an index bounded by
the pending work. The plans are pinned on PostgreSQL (on a table of 3,000 old reported
articles with fresh statistics, which it plans by) and on SQLite (which has no statistics
and follows the query's shape).
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from feeds.models import Article, ArticleStatus
from reports import tasks
from reports.models import Report, ReportStatus
from reports.tasks import UNREPORTED_WINDOW, analyse_llm_pending, unreported_article_ids
from tests.feeds.builders import make_feed, stored_article

pytestmark = pytest.mark.django_db


def plans_reading(table: str, queries: CaptureQueriesContext) -> list[str]:
    """The database's plan of every captured SELECT that reads ``table``."""
    explain = "EXPLAIN" if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN"
    plans = []
    with connection.cursor() as cursor:
        for query in queries.captured_queries:
            sql = query["sql"]
            if sql.lstrip("(").startswith("SELECT") and f'FROM "{table}"' in sql:
                cursor.execute(f"{explain} {sql}")
                plans.append("\n".join(str(row[-1]) for row in cursor.fetchall()))
    return plans


HISTORY = 3000


@pytest.fixture
def indexed_plans(org_a):
    """A table shaped like a real one: many old articles, each with its report, then fresh
    statistics (PostgreSQL plans by them; on a near-empty table any plan is as cheap)."""
    feed = make_feed(org_a, "https://old.example/feed.xml")
    long_ago = timezone.now() - timedelta(days=30)
    articles = Article.objects.bulk_create(
        Article(
            organization=org_a,
            canonical_url=f"https://old.example/{n}",
            url_hash=f"old{n:061d}",
            original_url=f"https://old.example/{n}",
            text=f"old text {n}",
            content_hash=f"old{n:061x}",
            status=ArticleStatus.EXTRACTED,
            fetched_at=long_ago,
        )
        for n in range(HISTORY)
    )
    Report.objects.bulk_create(
        Report(
            organization=org_a,
            article=article,
            extractor="rules",
            status=ReportStatus.DONE,
            analysed_at=long_ago,
        )
        for article in articles
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE feeds_article")
            cursor.execute("ANALYZE reports_report")
    return feed


def extracted(org, feed, n: int, *, fetched_ago: timedelta, status=ArticleStatus.EXTRACTED):
    article = stored_article(org, feed, n, n, status=status)
    Article.objects.filter(pk=article.pk).update(fetched_at=timezone.now() - fetched_ago)
    return article


def report_for(article: Article, **values) -> Report:
    return Report.objects.create(
        organization=article.organization,
        article=article,
        extractor="rules",
        status=ReportStatus.DONE,
        analysed_at=timezone.now(),
        **values,
    )


def test_the_safety_net_finds_recent_articles_without_a_report_and_nothing_else(org_a):
    feed = make_feed(org_a, "https://site.example/feed.xml")
    hour = timedelta(hours=1)
    lost = extracted(org_a, feed, 1, fetched_ago=hour)
    unreadable = extracted(org_a, feed, 2, fetched_ago=hour, status=ArticleStatus.FAILED)
    report_for(extracted(org_a, feed, 3, fetched_ago=hour))
    extracted(org_a, feed, 4, fetched_ago=hour, status=ArticleStatus.PENDING)
    copy = extracted(org_a, feed, 5, fetched_ago=hour)
    Article.objects.filter(pk=copy.pk).update(duplicate_of=lost)
    extracted(org_a, feed, 6, fetched_ago=UNREPORTED_WINDOW + hour)  # Left to job runs.

    assert unreported_article_ids() == [lost.pk, unreadable.pk]


def test_the_safety_net_reads_only_the_windows_articles_from_their_index(org_a, indexed_plans):
    feed = indexed_plans
    extracted(org_a, feed, 1, fetched_ago=timedelta(hours=1))

    with CaptureQueriesContext(connection) as queries:
        unreported_article_ids()

    [plan] = plans_reading("feeds_article", queries)
    assert "article_status_fetched_idx" in plan, plan
    if connection.vendor == "postgresql":
        # The window bounds the index range: only recent articles are read.
        assert "Index Cond" in plan and "fetched_at >=" in plan, plan
        assert "Seq Scan on feeds_article" not in plan, plan
    else:
        assert "INDEX article_status_fetched_idx (status=? AND fetched_at>?)" in plan, plan


def test_the_llm_catch_up_reads_only_pending_reports_from_their_partial_index(
    org_a, settings, monkeypatch, indexed_plans
):
    settings.OPENAI_API_KEY = "sk-test"  # Configured: the catch-up looks for work.
    analysed: list[int] = []

    def reports_analyse(*, article_ids: list[int], options: object) -> list[int]:
        analysed.extend(article_ids)  # No LLM here: only which reports were picked matters.
        return article_ids

    monkeypatch.setattr(tasks, "reports_analyse", reports_analyse)
    feed = indexed_plans
    waiting = extracted(org_a, feed, 1, fetched_ago=timedelta(hours=1))
    report_for(waiting, llm_pending=True)
    report_for(extracted(org_a, feed, 2, fetched_ago=timedelta(hours=1)))

    with CaptureQueriesContext(connection) as queries:
        analyse_llm_pending()

    assert analysed == [waiting.pk]
    plans = plans_reading("reports_report", queries)
    assert plans, [q["sql"] for q in queries.captured_queries]
    for plan in plans:
        assert "llm_pending_idx" in plan, plan
        assert "report_org_analysed_idx" not in plan, plan
        assert "Seq Scan on reports_report" not in plan, plan
