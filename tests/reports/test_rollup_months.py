"""The monthly roll-ups (reports/rollups/months.py): each daily roll-up summed by local month,
kept equal to counts from the base rows through inserts, updates, deletes, cascades, a
deferred story recount, a rebuild and the repair, on both databases (SQLite keeps the
mentions' months only, as it keeps their days only); and read by the charts for the whole
months of a range with the very numbers the mention rows give."""

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from feeds.models import ArticleFeed, Feed
from reports import analytics, tasks
from reports.exports.ranges import DateRange
from reports.models import Brand, Mention, Report
from reports.rollups import comentions, months, sources
from reports.rollups.models import CoMentionMonth, MentionMonth, RollupState, SourceMonth
from reports.rollups.services import rollup_check, rollup_rebuild, rollups_repair
from reports.services.feedback import brand_merge, mention_reassign
from tests.reports.page_data import (
    add_mention,
    make_article,
    make_brand,
    make_feed,
    make_industry,
    make_report,
)

pytestmark = pytest.mark.django_db

# 20:00 UTC on 31 January is already 1 February in Kolkata (UTC+5:30): the month is local.
EVENING = datetime(2026, 1, 31, 20, 0, tzinfo=UTC)
POSTGRESQL = "postgresql"


def _month(day: date) -> date:
    return day.replace(day=1)


def rolled(model, organization, extra: str | None = None) -> dict:
    value = "mentions" if model is MentionMonth else "stories"
    columns = ["brand_id", "month", *([extra] if extra else []), value]
    return {
        tuple(row[:-1]): row[-1]
        for row in model.objects.filter(organization=organization)
        .exclude(**{value: 0})
        .values_list(*columns)
    }


def counted_mentions(organization) -> dict:
    """(brand, local month) → mentions, from the mention rows in Python."""
    zone = ZoneInfo(RollupState.objects.get(organization=organization).time_zone)
    return dict(
        Counter(
            (brand, _month(at.astimezone(zone).date()))
            for brand, at in Mention.objects.filter(organization=organization).values_list(
                "brand_id", "mentioned_at"
            )
        )
    )


def _by_month(counts: dict) -> dict:
    summed: Counter = Counter()
    for (brand, day, extra), n in counts.items():
        summed[(brand, _month(day), extra)] += n
    return {key: n for key, n in summed.items() if n}


def assert_months_equal(organization) -> None:
    """Every monthly roll-up equals a count from the base rows (not from the days)."""
    assert rolled(MentionMonth, organization) == counted_mentions(organization)
    if connection.vendor == POSTGRESQL:
        everything = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
        assert rolled(SourceMonth, organization, "feed_id") == _by_month(
            sources.counted_sources(organization.pk, *everything)
        )
        assert rolled(CoMentionMonth, organization, "industry_key") == _by_month(
            comentions.counted_co_mentions(organization.pk, *everything)
        )
    assert rollup_check(organization=organization).month_differences == {}


def story(organization, path, when, feeds, *brands) -> Report:
    report = make_report(make_article(organization, path, published_at=when, feeds=feeds))
    for brand, sentiment in brands:
        add_mention(report, brand, sentiment=sentiment, mentioned_at=when)
    return report


@pytest.mark.parametrize(
    ("start", "end", "days", "whole"),
    [
        # A year of whole months: no day read.
        (date(2025, 1, 1), date(2025, 12, 31), [], (date(2025, 1, 1), date(2025, 12, 1))),
        # 90 days from the 1st: two whole months and 28 days.
        (
            date(2025, 7, 1),
            date(2025, 9, 28),
            [(date(2025, 9, 1), date(2025, 9, 28))],
            (date(2025, 7, 1), date(2025, 8, 1)),
        ),
        # Mid-month to mid-month, across a year's end.
        (
            date(2025, 11, 15),
            date(2026, 2, 10),
            [(date(2025, 11, 15), date(2025, 11, 30)), (date(2026, 2, 1), date(2026, 2, 10))],
            (date(2025, 12, 1), date(2026, 1, 1)),
        ),
        # Within a month, and a whole February of a leap year.
        (date(2025, 3, 2), date(2025, 3, 30), [(date(2025, 3, 2), date(2025, 3, 30))], None),
        (date(2024, 2, 1), date(2024, 2, 29), [], (date(2024, 2, 1), date(2024, 2, 1))),
    ],
)
def test_a_range_is_split_into_whole_months_and_the_days_around_them(start, end, days, whole):
    assert months.split(start, end) == months.Split(days, whole)


def test_every_write_keeps_the_months_equal_to_the_base_rows(
    org_a, org_b, alice, monkeypatch, django_capture_on_commit_callbacks
):
    org_a.time_zone = "Asia/Kolkata"
    org_a.save(update_fields=["time_zone"])
    rollup_rebuild(organization=org_a)
    cars = make_industry(org_a, "Automotive")
    acme = make_brand(org_a, "Acme", industry=cars)
    globex, initech = make_brand(org_a, "Globex"), make_brand(org_a, "Initech", industry=cars)
    wire, daily = make_feed(org_a, "Wire"), make_feed(org_a, "Daily")
    first = story(org_a, "/1", EVENING, (wire, daily), (acme, 0.5), (globex, -0.5))
    second = story(org_a, "/2", EVENING - timedelta(days=3), (wire,), (acme, 0.0), (initech, 0.2))
    third = story(org_a, "/3", EVENING + timedelta(days=40), (), (globex, 0.1))
    assert MentionMonth.objects.get(brand=globex, month=date(2026, 2, 1)).mentions == 1
    assert_months_equal(org_a)

    # Many at once (analysis), a new time in another month, a sentiment change (its day's
    # tone moves, its month does not), a reassignment.
    Mention.objects.bulk_create(
        [
            Mention(
                organization=org_a,
                report=third,
                brand=brand,
                surface=brand.name,
                confidence=0.9,
                sentiment=0.3,
                evidence="",
                evidence_start=0,
                evidence_end=0,
                source="rules",
                mentioned_at=EVENING + timedelta(days=40),
            )
            for brand in (acme, initech)
        ]
    )
    assert_months_equal(org_a)
    Mention.objects.filter(report=first, brand=acme).update(
        mentioned_at=EVENING - timedelta(days=60)
    )
    Mention.objects.filter(report=second).update(sentiment=-0.9)
    assert_months_equal(org_a)
    mention_reassign(
        mention=Mention.objects.get(report=second, brand=initech), brand=globex, actor=alice
    )
    assert_months_equal(org_a)

    # Feed links and a brand's industry (the other brands' story counts follow).
    ArticleFeed.objects.create(article=third.article, feed=daily)
    ArticleFeed.objects.filter(article=second.article, feed=wire).update(feed=daily)
    Brand.objects.filter(pk=globex.pk).update(industry=cars)
    assert_months_equal(org_a)

    # A merge defers the story counts (PostgreSQL): the months follow the recount's days.
    queued: list[int] = []
    monkeypatch.setattr(tasks.recount_stories, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        brand_merge(source=globex, target=acme, actor=alice)
    if connection.vendor == POSTGRESQL:
        assert queued == [org_a.pk]
        assert rolled(CoMentionMonth, org_a, "industry_key") != _by_month(
            comentions.counted_co_mentions(
                org_a.pk, datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
            )
        )
        tasks.recount_stories(org_a.pk)
    assert_months_equal(org_a)

    # Deletes and cascades: a mention, a report, a feed, a brand.
    Mention.objects.filter(report=third, brand=initech).delete()
    Report.objects.filter(pk=first.pk).delete()
    Feed.objects.filter(pk=wire.pk).delete()
    assert_months_equal(org_a)
    initech.delete()
    assert_months_equal(org_a)

    # A whole rebuild gives the same months and drops those counted down to 0.
    before = rolled(MentionMonth, org_a)
    assert MentionMonth.objects.filter(organization=org_a, mentions=0).exists()
    rollup_rebuild(organization=org_a)
    assert rolled(MentionMonth, org_a) == before
    assert not MentionMonth.objects.filter(organization=org_a, mentions=0).exists()
    assert_months_equal(org_a)

    # Another organization's months are its own.
    umbrella = make_brand(org_b, "Umbrella")
    story(org_b, "/b", EVENING, (make_feed(org_b, "Theirs"),), (umbrella, 0.0))
    assert_months_equal(org_b)
    assert not MentionMonth.objects.filter(organization=org_a, brand=umbrella).exists()


def test_a_month_that_differs_from_its_days_is_found_and_summed_again(org_a, caplog):
    acme = make_brand(org_a, "Acme")
    when = datetime(2026, 3, 10, 12, tzinfo=UTC)
    story(org_a, "/1", when, (make_feed(org_a),), (acme, 0.5))
    MentionMonth.objects.filter(brand=acme).update(mentions=7)
    check = rollup_check(organization=org_a)
    assert not check.ok
    assert check.month_differences == {
        "reports_mentionmonth": {(acme.pk, date(2026, 3, 1)): (7, 1)}
    }
    assert check.months == {date(2026, 3, 1)}
    rollups_repair(days=3, today=date(2026, 3, 11), organizations=[org_a])
    assert "Monthly roll-ups of organization" in caplog.text
    assert_months_equal(org_a)
    assert rollup_check(organization=org_a).ok


@pytest.fixture
def year(org_a):
    """Five brands, ~300 mentions over 14 months, many within an hour of a local midnight (the
    last day of a month is the first of the next in UTC), in Europe/Paris."""
    org_a.time_zone = "Europe/Paris"
    org_a.save(update_fields=["time_zone"])
    rollup_rebuild(organization=org_a)
    cars, shops = make_industry(org_a, "Automotive"), make_industry(org_a, "Retail")
    brands = [
        make_brand(org_a, f"Brand {n}", industry=(cars, shops, None)[n % 3]) for n in range(5)
    ]
    feeds = [make_feed(org_a, f"Feed {n}") for n in range(4)]
    start = datetime(2025, 1, 1, 22, 30, tzinfo=UTC)
    for n in range(140):
        when = start + timedelta(days=(n * 37) % 425, minutes=(n * 13) % 120)
        named = [brands[n % 5], brands[(n * 3 + 1) % 5]][: 1 + n % 2]
        story(
            org_a,
            f"/y{n}",
            when,
            tuple({feeds[n % 4], feeds[(n * 7) % 4]}),
            *[(brand, 0.1) for brand in dict.fromkeys(named)],
        )
    return org_a, [brand.pk for brand in brands]


SPANS = [
    (date(2025, 1, 1), date(2025, 12, 31)),  # the 12-month view: whole months only
    (date(2025, 6, 3), date(2026, 2, 20)),  # partial months at both ends
    (date(2025, 7, 1), date(2025, 9, 28)),  # 90 days from a month's first day
    (date(2025, 3, 5), date(2025, 3, 25)),  # within a month: days only
]


def _figures(organization, brand_ids, span):
    return (
        analytics.top_brands(organization, span, brand_ids, limit=3),
        [(feed.pk, n) for feed, n in analytics.top_sources(organization, brand_ids, span)],
        analytics.industry_co_mentions(organization, brand_ids, span),
    )


def test_the_charts_read_whole_months_from_the_months_with_the_mention_rows_numbers(
    year, monkeypatch
):
    organization, brand_ids = year
    assert_months_equal(organization)
    for start, end in SPANS:
        span = DateRange(start, end, organization.time_zone)
        with CaptureQueriesContext(connection) as captured:
            from_rollups = _figures(organization, brand_ids, span)
        with monkeypatch.context() as patched:
            patched.setattr(analytics, "_rolled_up", lambda *args, **kwargs: None)
            from_mentions = _figures(organization, brand_ids, span)
        assert from_rollups == from_mentions, (start, end)
        assert from_rollups[0] and from_rollups[1]
        sql = " ".join(query["sql"] for query in captured.captured_queries)
        whole = months.split(start, end).months is not None
        assert ("reports_mentionmonth" in sql) == whole
        if connection.vendor == POSTGRESQL:
            assert ("reports_sourcemonth" in sql) == whole
            assert ("reports_comentionmonth" in sql) == whole
            assert from_rollups[2].counts
        if start == date(2025, 1, 1) and connection.vendor == POSTGRESQL:
            # A year of whole months reads no day of any roll-up, and no mention row (SQLite
            # keeps no story roll-ups: its heat table and top sources count the base rows).
            days = ("reports_mentionday", "reports_sourceday", "reports_comentionday")
            assert not any(table in sql for table in days)
            assert 'FROM "reports_mention"' not in sql
    # One query per chart, the days and months of a range in one (UNION ALL).
    with CaptureQueriesContext(connection) as captured:
        analytics.top_brands(organization, DateRange(*SPANS[1], "Europe/Paris"), brand_ids, limit=3)
    assert len(captured.captured_queries) == 1
    assert "UNION ALL" in captured.captured_queries[0]["sql"]
