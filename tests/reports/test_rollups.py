"""The daily mention roll-ups: kept equal to the mention rows by every way mentions are
written, rebuilt idempotently, checked, and read by the charts with the very numbers the
mention rows give — days counted in the organization's time zone, a half-hour one included."""

import random
import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports import analytics
from reports.exports.ranges import DateRange
from reports.models import Brand, BrandStatus, Mention, Report
from reports.rollups.models import MentionDay, RollupState
from reports.rollups.services import (
    rollup_check,
    rollup_rebuild,
    rollup_zone,
    rollups_repair,
)
from reports.services.feedback import brand_merge, mention_reassign
from reports.services.report_versions import report_mentions_replace
from tests.reports.page_data import (
    add_mention,
    make_article,
    make_brand,
    make_industry,
    make_report,
)

pytestmark = pytest.mark.django_db


def assert_equal_to_mentions(organization) -> None:
    check = rollup_check(organization=organization)
    assert check.time_zone == organization.time_zone
    assert check.differences == {}


def set_zone(organization, zone: str) -> None:
    organization.time_zone = zone
    organization.save(update_fields=["time_zone"])


def story(organization, path, when, *mentions):
    report = make_report(make_article(organization, path, published_at=when))
    for brand, sentiment in mentions:
        add_mention(report, brand, sentiment=sentiment, mentioned_at=when)
    return report


def test_a_new_organization_has_roll_ups_in_its_time_zone(org_a):
    assert RollupState.objects.get(organization=org_a).time_zone == org_a.time_zone
    assert rollup_zone(org_a) == org_a.time_zone


def test_every_way_of_writing_mentions_keeps_the_roll_ups_equal(org_a, org_b, alice):
    # Kolkata is UTC+5:30: 20:00 UTC is already the next local day, and hourly UTC buckets
    # could not be summed into its days.
    set_zone(org_a, "Asia/Kolkata")
    rollup_rebuild(organization=org_a)
    acme, globex, initech = (make_brand(org_a, name) for name in ("Acme", "Globex", "Initech"))
    evening = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)
    first = story(org_a, "/1", evening, (acme, 0.5), (globex, -0.5))
    second = story(org_a, "/2", evening + timedelta(hours=5), (acme, 0.05), (initech, -0.05))
    assert MentionDay.objects.get(brand=globex).day == date(2026, 3, 2)
    assert_equal_to_mentions(org_a)

    # Many at once (analysis and imports), and a change of sentiment (re-analysis).
    third = make_report(make_article(org_a, "/3", published_at=evening))
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
                mentioned_at=evening,
            )
            for brand in (acme, globex)
        ]
    )
    assert_equal_to_mentions(org_a)
    kept = Mention.objects.get(report=first, brand=acme)
    fresh = Mention(brand=initech, sentiment=-0.9, mentioned_at=evening - timedelta(days=3))
    fresh.organization_id, fresh.report = org_a.pk, first
    moved = Mention(brand=acme, sentiment=-0.8, mentioned_at=evening - timedelta(days=3))
    for field in ("surface", "confidence", "evidence", "evidence_start", "evidence_end"):
        setattr(moved, field, getattr(kept, field))
        setattr(fresh, field, getattr(kept, field))
    moved.source = fresh.source = "rules"
    report_mentions_replace(report=first, mentions=[moved, fresh], version=None)
    assert_equal_to_mentions(org_a)

    # The heat table's counts follow the industry and status of every brand of a story.
    cars = make_industry(org_a, "Automotive")
    initech.industry = cars
    initech.save()
    assert_equal_to_mentions(org_a)
    Brand.objects.filter(pk=globex.pk).update(industry=cars, status=BrandStatus.IGNORED)
    assert_equal_to_mentions(org_a)
    Brand.objects.filter(pk=globex.pk).update(status=BrandStatus.TRACKED)
    cars.delete()
    assert_equal_to_mentions(org_a)

    # A review changes no count; a reassignment and a merge move counts between brands.
    mention_reassign(
        mention=Mention.objects.get(report=second, brand=initech), brand=globex, actor=alice
    )
    assert_equal_to_mentions(org_a)
    brand_merge(source=globex, target=acme, actor=alice)
    assert MentionDay.objects.filter(brand=globex).exclude(mentions=0).count() == 0
    assert_equal_to_mentions(org_a)

    # Deletes, cascades included: a report, then a brand.
    Report.objects.filter(pk=second.pk).delete()
    initech.delete()
    assert_equal_to_mentions(org_a)
    # Another organization's writes are its own.
    other = make_brand(org_b, "Umbrella")
    story(org_b, "/b", evening, (other, 0.0))
    assert_equal_to_mentions(org_b)
    assert not MentionDay.objects.filter(organization=org_a, brand=other).exists()


@pytest.fixture
def seeded(org_a):
    """Six brands, ~400 mentions over 14 months, many of them within an hour of a local
    midnight, in Europe/Paris (daylight saving changes in March and October)."""
    set_zone(org_a, "Europe/Paris")
    rollup_rebuild(organization=org_a)
    rng = random.Random(13)  # noqa: S311 -- reproducible test data, not secrets
    industries = [make_industry(org_a, name) for name in ("Automotive", "Retail")]
    brands = [
        make_brand(
            org_a, f"Brand {index}", industry=industries[index % 3] if index % 3 < 2 else None
        )
        for index in range(6)
    ]
    brands.append(make_brand(org_a, "Noise", status=BrandStatus.IGNORED, industry=industries[0]))
    start = datetime(2025, 1, 1, tzinfo=UTC)
    reports = []
    for number in range(160):
        day = start + timedelta(days=rng.randrange(425))
        when = day.replace(hour=rng.choice((21, 22, 23, 0, 12)), minute=rng.randrange(60))
        reports.append(make_report(make_article(org_a, f"/s{number}", published_at=when)))
    mentions = [
        Mention(
            organization=org_a,
            report=report,
            brand=brand,
            surface=brand.name,
            confidence=0.9,
            sentiment=rng.choice((-0.5, -0.05, 0.0, 0.04, 0.05, 0.7)),
            evidence="",
            evidence_start=0,
            evidence_end=0,
            source="rules",
            mentioned_at=report.article.published_at,
        )
        for report in reports
        for brand in rng.sample(brands, rng.randint(1, 4))
    ]
    Mention.objects.bulk_create(mentions)
    return org_a, [brand.pk for brand in brands]


SPANS = [
    (date(2025, 3, 1), date(2025, 4, 15)),  # daily, across the March change
    (date(2025, 10, 20), date(2025, 10, 31)),  # daily, across the October change
    (date(2025, 1, 1), date(2025, 12, 31)),  # weekly
    (date(2025, 6, 3), date(2026, 2, 28)),  # weekly, starting mid-week
]


def _charts(organization, brand_ids, span):
    line = analytics.timeline(organization, brand_ids, span)
    top = analytics.top_brands(organization, span, brand_ids, limit=4)
    heat = analytics.industry_co_mentions(organization, brand_ids, span)
    return line, top, heat


def _tables(captured: CaptureQueriesContext) -> set[str]:
    sql = " ".join(query["sql"] for query in captured.captured_queries)
    return {table for table in ("reports_mentionday", "reports_comentionday") if table in sql}


def _from_mentions(captured: CaptureQueriesContext) -> int:
    return sum('FROM "reports_mention"' in query["sql"] for query in captured.captured_queries)


def test_the_charts_read_the_same_numbers_from_roll_ups_and_from_mentions(seeded):
    organization, brand_ids = seeded
    assert_equal_to_mentions(organization)
    from_rollups = {}
    with CaptureQueriesContext(connection) as captured:
        for start, end in SPANS:
            span = DateRange(start, end, "Europe/Paris")
            from_rollups[start] = _charts(organization, brand_ids, span)
    # The heat table's roll-up is PostgreSQL's only; SQLite counts the mentions for it.
    assert _tables(captured) == (
        {"reports_mentionday", "reports_comentionday"}
        if connection.vendor == "postgresql"
        else {"reports_mentionday"}
    )
    assert _from_mentions(captured) == (0 if connection.vendor == "postgresql" else len(SPANS))
    assert sum(line.brand_total(pk) for pk in brand_ids for line, _, _ in from_rollups.values())
    assert any(heat.counts for _, _, heat in from_rollups.values())
    # The roll-ups no longer in the organization's zone: the charts count the mentions.
    RollupState.objects.filter(organization=organization).update(time_zone="UTC")
    organization.__dict__.pop("_rollup_zone", None)
    assert rollup_zone(organization) is None
    for start, end in SPANS:
        span = DateRange(start, end, "Europe/Paris")
        line, top, heat = _charts(organization, brand_ids, span)
        rolled_line, rolled_top, rolled_heat = from_rollups[start]
        assert line.by_brand == rolled_line.by_brand
        assert line.by_tone == rolled_line.by_tone
        assert top == rolled_top
        assert heat == rolled_heat
    with CaptureQueriesContext(connection) as captured:
        _charts(organization, brand_ids, DateRange(*SPANS[0], "Europe/Paris"))
    assert _from_mentions(captured) == 3  # the timeline, the top brands and the heat table


def test_a_new_time_zone_is_counted_again(seeded, monkeypatch, django_capture_on_commit_callbacks):
    organization, _ = seeded
    from reports import tasks

    queued = []
    monkeypatch.setattr(tasks.rebuild_rollups, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        set_zone(organization, "America/Los_Angeles")
    assert queued == [organization.pk]
    # Until the rebuild has run, the charts count the mentions: no day in the wrong zone.
    assert rollup_zone(organization) is None
    tasks.rebuild_rollups(organization.pk)
    organization.__dict__.pop("_rollup_zone")  # a request's memo; the next request asks again
    assert rollup_zone(organization) == "America/Los_Angeles"
    assert_equal_to_mentions(organization)


def test_rebuilding_is_idempotent_and_repair_fixes_a_wrong_day(seeded, caplog):
    organization, _ = seeded
    before = sorted(MentionDay.objects.values_list("brand_id", "day", "tone", "mentions"))
    rollup_rebuild(organization=organization)
    rollup_rebuild(organization=organization)
    after = sorted(MentionDay.objects.values_list("brand_id", "day", "tone", "mentions"))
    assert [row for row in before if row[3]] == after
    row = MentionDay.objects.order_by("-day").first()
    MentionDay.objects.filter(pk=row.pk).update(mentions=row.mentions + 5)
    assert rollup_check(organization=organization).days == {row.day}
    # A range rebuild counts those days again and leaves the others as they are.
    repaired = rollups_repair(days=3, today=row.day, organizations=[organization])
    assert repaired[organization.pk] >= 1
    assert "differed from the mentions" in caplog.text
    assert_equal_to_mentions(organization)


def test_the_command_checks_and_rebuilds(seeded, capsys):
    organization, _ = seeded
    call_command("rollups", "check", "--organization", organization.slug)
    assert "equal the mentions" in capsys.readouterr().out
    MentionDay.objects.filter(organization=organization).delete()
    with pytest.raises(CommandError, match="differ"):
        call_command("rollups", "check", "--organization", organization.slug)
    assert "rolled up / counted" in capsys.readouterr().out
    call_command("rollups", "rebuild", "--organization", organization.slug, "--from", "2025-01-01")
    call_command("rollups", "rebuild", "--organization", organization.slug, "--to", "2024-12-31")
    call_command("rollups", "check", "--organization", organization.slug)
    with pytest.raises(CommandError, match="before"):
        call_command("rollups", "rebuild", "--from", "2025-02-01", "--to", "2025-01-01")
    with pytest.raises(CommandError, match="not a date"):
        call_command("rollups", "check", "--from", "yesterday")
    with pytest.raises(CommandError, match="No organization"):
        call_command("rollups", "check", "--organization", "nobody")


@pytest.mark.django_db(transaction=True)
def test_a_rebuild_waits_for_a_writer_in_flight_and_counts_its_mention_once(org_a):
    """Real concurrency on PostgreSQL: a rebuild started while an analysis has written a
    mention but not committed waits for it (the triggers' shared lock), then counts it."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: nothing can be in flight")
    from django.db import connections, transaction

    from accounts.models import Organization
    from reports.rollups.triggers import LOCK_SPACE

    acme = make_brand(org_a, "Acme")
    when = datetime(2026, 3, 1, 12, tzinfo=UTC)
    story(org_a, "/before", when, (acme, 0.5))
    report = make_report(make_article(org_a, "/in-flight", published_at=when))
    written, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def analyse() -> None:
        try:
            with transaction.atomic():
                add_mention(report, acme, sentiment=0.5, mentioned_at=when)
                written.set()
                release.wait(timeout=60)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    def rebuild() -> None:
        try:
            rollup_rebuild(organization=Organization.objects.get(pk=org_a.pk))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    writer = threading.Thread(target=analyse)
    writer.start()
    assert written.wait(timeout=60)
    rebuilder = threading.Thread(target=rebuild)
    rebuilder.start()
    deadline = time.monotonic() + 60
    waiting = 0
    while not waiting and time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                "AND classid = %s",
                [LOCK_SPACE],
            )
            waiting = cursor.fetchone()[0]
    assert waiting == 1, "the rebuild should be waiting for the writer"
    release.set()
    for thread in (writer, rebuilder):
        thread.join(timeout=120)
    assert not errors, errors
    assert MentionDay.objects.get(brand=acme).mentions == 2
    assert_equal_to_mentions(org_a)
