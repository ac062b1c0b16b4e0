"""The feed queries beat runs every minute read the due or failing feeds from an index.

``dispatch_due_feeds`` once read every enabled feed (``next_fetch_at IS NULL OR <= now`` as
one condition: PostgreSQL used feed_due_idx for ``enabled`` only and filtered the rest) and
sorted them by name; the operator alert check read every enabled feed to find the failing
ones. Pinned on PostgreSQL (with statistics of a table of 2,000 feeds not yet due) and on
SQLite (no statistics: it follows the query's shape).
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from feeds import tasks
from feeds.models import Feed, FetchStatus
from monitoring.alert_checks import feeds_failing
from tests.feeds.builders import make_feed
from tests.reports.test_periodic_query_plans import plans_reading

pytestmark = pytest.mark.django_db

WAITING = 2000


@pytest.fixture
def many_feeds(org_a):
    """Feeds fetched a moment ago and fine: none due, none failing."""
    later = timezone.now() + timedelta(minutes=30)
    Feed.objects.bulk_create(
        Feed(
            organization=org_a,
            name=f"Site {n}",
            url=f"https://site{n}.example/feed.xml",
            next_fetch_at=later,
            last_status=FetchStatus.OK,
        )
        for n in range(WAITING)
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE feeds_feed")


def test_the_minute_sweep_enqueues_only_due_feeds_from_two_index_ranges(
    org_a, many_feeds, monkeypatch
):
    enqueued: list[int] = []
    monkeypatch.setattr(tasks.refresh_feed, "delay", enqueued.append)
    now = timezone.now()
    new = make_feed(org_a, "https://new.example/feed.xml")  # next_fetch_at NULL: due now
    due = make_feed(org_a, "https://due.example/feed.xml", next_fetch_at=now - timedelta(1))
    make_feed(org_a, "https://off.example/feed.xml", enabled=False, next_fetch_at=None)

    with CaptureQueriesContext(connection) as queries:
        dispatched = tasks.dispatch_due_feeds()

    assert sorted(dispatched) == sorted(enqueued) == sorted([new.pk, due.pk])
    # Leased: the next sweep does not enqueue them again.
    assert tasks.dispatch_due_feeds() == []
    [plan] = plans_reading("feeds_feed", queries)
    assert plan.count("feed_due_idx") == 2, plan
    if connection.vendor == "postgresql":
        assert "next_fetch_at IS NULL" in plan and "next_fetch_at <=" in plan, plan
        assert "Seq Scan" not in plan and "Sort" not in plan, plan
        for line in plan.splitlines():  # Both ranges bounded by next_fetch_at, not a filter.
            assert not line.strip().startswith("Filter:"), plan
    else:
        assert "feed_due_idx (enabled=? AND next_fetch_at=?)" in plan, plan
        assert "feed_due_idx (enabled=? AND next_fetch_at<?)" in plan, plan
        assert "TEMP B-TREE" not in plan, plan


def test_the_operator_check_reads_only_failing_feeds_from_their_partial_index(org_a, many_feeds):
    failing = make_feed(
        org_a, "https://down.example/feed.xml", last_status=FetchStatus.ERROR, last_error="503"
    )
    make_feed(org_a, "https://off.example/feed.xml", last_status=FetchStatus.ERROR, enabled=False)

    with CaptureQueriesContext(connection) as queries:
        found = feeds_failing(timezone.now(), "warning")

    assert list(found) == [f"feed:{failing.pk}"]
    [plan] = plans_reading("feeds_feed", queries)
    assert "feed_failing_idx" in plan, plan
    assert "Seq Scan on feeds_feed" not in plan and "feed_due_idx" not in plan, plan
