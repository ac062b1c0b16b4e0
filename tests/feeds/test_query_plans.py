"""The ingest's hot queries use their indexes on SQLite, whatever the table's size.

Each of these once read every article of the organization (the model's default ordering or
a filter on a column outside the index made SQLite walk another index and read the rows),
so ingest slowed down as the table grew. PostgreSQL plans with statistics; SQLite, with none,
follows the query's shape, which is what these pin.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from feeds.models import ArticleStatus
from feeds.parsing import parse_feed
from feeds.services.extract import _mark_duplicates
from feeds.services.refresh import store_entries
from feeds.tasks import stalled_article_ids
from tests.feeds.builders import make_feed, rss, stored_article

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own query plans"),
]


def plans_on_articles(queries: CaptureQueriesContext) -> list[str]:
    """SQLite's plan of every captured SELECT that reads feeds_article."""
    plans = []
    for query in queries.captured_queries:
        sql = query["sql"]
        if sql.startswith("SELECT") and 'FROM "feeds_article"' in sql:
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
                plans.append(" / ".join(row[-1] for row in cursor.fetchall()))
    return plans


def test_storing_entries_looks_each_url_up_in_the_unique_index(org_a):
    feed = make_feed(org_a, "https://site.example/feed.xml")
    links = [{"title": f"Story {n}", "link": f"https://site.example/{n}"} for n in range(5)]
    parsed = parse_feed(rss(links).encode(), url=feed.url)

    with CaptureQueriesContext(connection) as queries:
        store_entries(feed, parsed.entries)

    plans = plans_on_articles(queries)
    assert len(plans) == 2  # which URLs exist, then the ids of all of them
    for plan in plans:
        assert "INDEX sqlite_autoindex_feeds_article_1 (organization_id=? AND url_hash=?)" in plan
        assert "TEMP B-TREE" not in plan


def test_the_duplicate_search_reads_hashes_and_fingerprints_from_their_indexes(org_a):
    feed, other = (make_feed(org_a, f"https://site.example/{n}.xml", name=n) for n in "ab")
    stored_article(org_a, other, 1, 0b11)
    # A whole batch: SQLite weighs an IN list of 50 hashes differently from a single one.
    batch = [
        stored_article(org_a, feed, n, 2**n, status=ArticleStatus.PENDING) for n in range(2, 52)
    ]
    for article in batch:
        article.status = ArticleStatus.EXTRACTED

    with CaptureQueriesContext(connection) as queries:
        _mark_duplicates(org_a.pk, batch)

    exact_copies, near_copies = plans_on_articles(queries)
    assert "INDEX article_org_hash_idx (organization_id=? AND content_hash=?)" in exact_copies
    # The fingerprints come from the index alone, newest first, with no sort: it stops at
    # the candidate limit instead of reading every article of the window.
    assert "INDEX article_near_copy_idx" in near_copies
    assert "TEMP B-TREE" not in exact_copies + near_copies


def test_the_stalled_extraction_sweep_reads_only_pending_articles(org_a):
    # It runs every minute; without the index it read every row of the table (18 ms at
    # 10,000 articles, growing with them).
    feed = make_feed(org_a, "https://site.example/feed.xml")
    stored_article(org_a, feed, 1, 0b1)

    with CaptureQueriesContext(connection) as queries:
        stalled_article_ids()

    [plan] = plans_on_articles(queries)
    assert "INDEX article_status_fetched_idx (status=?)" in plan
