"""Top sources' roll-up (PostgreSQL): stories per brand, local day and feed, kept equal to a
count from the mention rows and feed links through inserts, updates and deletes of both, and
read by the chart with the very numbers the base rows give."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from feeds.models import ArticleFeed, Feed
from reports import analytics
from reports.exports.ranges import DateRange
from reports.models import Mention, Report
from reports.rollups import sources
from reports.rollups.models import RollupState, SourceDay
from reports.rollups.services import rollup_check, rollup_rebuild
from reports.services.feedback import brand_merge, mention_reassign
from tests.reports.page_data import add_mention, make_article, make_brand, make_feed, make_report

pytestmark = pytest.mark.django_db

EVENING = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)  # already 2 March in Kolkata (UTC+5:30)


def rolled(organization) -> dict:
    return {
        (brand, day, feed): n
        for brand, day, feed, n in SourceDay.objects.filter(organization=organization)
        .exclude(stories=0)
        .values_list("brand_id", "day", "feed_id", "stories")
    }


def counted(organization) -> dict:
    """From the base tables, in the roll-ups' zone: (brand, local day, feed) → stories."""
    zone = RollupState.objects.get(organization=organization).time_zone
    from zoneinfo import ZoneInfo

    counts: dict = {}
    for brand, at, feed in Mention.objects.filter(organization=organization).values_list(
        "brand_id", "mentioned_at", "report__article__articlefeed__feed_id"
    ):
        if feed is not None:
            key = (brand, at.astimezone(ZoneInfo(zone)).date(), feed)
            counts[key] = counts.get(key, 0) + 1
    return counts


def assert_equal(organization) -> None:
    assert rolled(organization) == counted(organization)
    assert rollup_check(organization=organization).source_differences == {}


@pytest.fixture(autouse=True)
def postgresql_only():
    if not sources.sources_supported():
        pytest.skip("SQLite keeps no top-sources roll-up: the chart counts the base rows")


def story(organization, path, when, feeds, *brands):
    report = make_report(make_article(organization, path, published_at=when, feeds=feeds))
    for brand in brands:
        add_mention(report, brand, mentioned_at=when)
    return report


def test_inserts_updates_and_deletes_keep_top_sources_equal_to_the_base_rows(org_a, org_b, alice):
    org_a.time_zone = "Asia/Kolkata"
    org_a.save(update_fields=["time_zone"])
    rollup_rebuild(organization=org_a)
    acme, globex, initech = (make_brand(org_a, name) for name in ("Acme", "Globex", "Initech"))
    wire, daily, local = (make_feed(org_a, name) for name in ("Wire", "Daily", "Local"))
    first = story(org_a, "/1", EVENING, (wire, daily), acme, globex)
    second = story(org_a, "/2", EVENING + timedelta(days=2), (wire,), acme, initech)
    late = story(org_a, "/3", EVENING - timedelta(days=1), (), globex)
    assert SourceDay.objects.get(brand=globex, feed=wire).day == date(2026, 3, 2)
    assert_equal(org_a)

    # A story found in another feed after its analysis; a link changed; one removed.
    ArticleFeed.objects.create(article=late.article, feed=local)
    ArticleFeed.objects.bulk_create(
        [
            ArticleFeed(article=second.article, feed=daily),
            ArticleFeed(article=late.article, feed=wire),
        ]
    )
    assert_equal(org_a)
    ArticleFeed.objects.filter(article=second.article, feed=daily).update(feed=local)
    ArticleFeed.objects.filter(article=late.article, feed=wire).delete()
    assert_equal(org_a)

    # Mention updates: a new time, a reassignment, a review (moves nothing), a merge.
    Mention.objects.filter(report=first, brand=acme).update(
        mentioned_at=EVENING - timedelta(days=10)
    )
    assert_equal(org_a)
    mention_reassign(
        mention=Mention.objects.get(report=second, brand=initech), brand=globex, actor=alice
    )
    Mention.objects.filter(organization=org_a).update(review_status="confirmed")
    assert_equal(org_a)
    brand_merge(source=globex, target=acme, actor=alice)
    assert not SourceDay.objects.filter(brand=globex).exclude(stories=0).exists()
    assert_equal(org_a)

    # Deletes and cascades: a mention, a report, a feed, a brand, an article.
    Mention.objects.filter(report=late).delete()
    Report.objects.filter(pk=first.pk).delete()
    Feed.objects.filter(pk=daily.pk).delete()
    assert_equal(org_a)
    initech.delete()
    second.article.delete()
    assert_equal(org_a)
    assert rolled(org_a) == {}

    # Another organization's stories are its own; a rebuild gives the same rows.
    other = make_brand(org_b, "Umbrella")
    story(org_b, "/b", EVENING, (make_feed(org_b, "Theirs"),), other)
    assert_equal(org_b)
    assert not SourceDay.objects.filter(organization=org_a, brand=other).exists()
    before = rolled(org_b)
    rollup_rebuild(organization=org_b)
    assert rolled(org_b) == before


def test_the_chart_reads_the_same_top_sources_from_the_roll_up_and_the_base_rows(
    org_a, monkeypatch
):
    acme, globex = make_brand(org_a, "Acme"), make_brand(org_a, "Globex")
    feeds = [make_feed(org_a, f"Feed {n}") for n in range(12)]
    for n in range(30):
        carried = {feeds[n % 12], feeds[(n * 5) % 12]} if n % 3 else {feeds[n % 12]}
        named = (acme, globex) if n % 2 else (acme,)
        story(org_a, f"/s{n}", EVENING + timedelta(days=n % 9), tuple(carried), *named)
    span = DateRange(date(2026, 3, 1), date(2026, 3, 31), org_a.time_zone)
    results = {}
    for ids in ([acme.pk], [acme.pk, globex.pk]):
        with CaptureQueriesContext(connection) as captured:
            from_rollup = analytics.top_sources(org_a, ids, span)
        # A whole month: read from the monthly roll-up (test_rollup_months.py).
        assert "reports_sourcemonth" in captured.captured_queries[0]["sql"]
        assert not any('"reports_mention"' in q["sql"] for q in captured.captured_queries)
        with monkeypatch.context() as patched:
            # As before the roll-ups (or while they are in another zone): the base rows.
            patched.setattr(analytics, "_rolled_up", lambda *args, **kwargs: None)
            from_base = analytics.top_sources(org_a, ids, span)
        assert [(feed.pk, n) for feed, n in from_rollup] == [(feed.pk, n) for feed, n in from_base]
        results[len(ids)] = from_rollup
    assert len(results[1]) == analytics.TOP_SOURCES  # the ten busiest of twelve
    # Two brands: a story naming both counts for each.
    assert sum(n for _, n in results[2]) > sum(n for _, n in results[1])
