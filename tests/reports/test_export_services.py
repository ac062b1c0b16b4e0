"""Exports of reports, mentions and brands: rows, columns, cells and background runs."""

import io
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from reports import selectors
from reports.exports import services, writer
from reports.exports.models import Export, ExportStatus
from reports.exports.queries import report_filters
from reports.exports.ranges import DateRange
from reports.exports.services import (
    BROKER_DOWN,
    export_now,
    export_run,
    export_start,
    export_write,
    exports_clean_up,
)
from reports.models import BrandAlias, BrandGroup, BrandStatus, ReviewStatus
from reports.tasks import run_export
from tests.reports.export_data import MARCH, as_dicts, csv_rows, spec, xlsx_rows
from tests.reports.page_data import add_mention, make_article, make_brand, make_feed, make_report

IN_MARCH = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def export_dir(settings, tmp_path: Path) -> Path:
    settings.EXPORT_DIR = tmp_path / "exports"
    return settings.EXPORT_DIR


@pytest.fixture
def world(org_a, org_b):
    """Two reports in March, one in February, and another organization's report."""
    feed = make_feed(org_a, "Wire")
    acme = make_brand(org_a, "Acme Corp")
    globex = make_brand(org_a, "Globex")
    first = make_report(
        make_article(org_a, "/1", feeds=(feed,), title="Acme opens a plant"),
        analysed_at=IN_MARCH,
        sentiment_label="positive",
        sentiment_score=0.5,
    )
    add_mention(first, acme, mentioned_at=IN_MARCH)
    add_mention(first, globex, mentioned_at=IN_MARCH, confidence=0.6)
    second = make_report(
        make_article(org_a, "/2", title="Globex falls"),
        analysed_at=IN_MARCH + timedelta(days=1),
        sentiment_label="negative",
        sentiment_score=-0.4,
    )
    add_mention(second, globex, mentioned_at=IN_MARCH + timedelta(days=1))
    february = make_report(
        make_article(org_a, "/0", title="Old news"), analysed_at=IN_MARCH - timedelta(days=30)
    )
    add_mention(february, acme, mentioned_at=IN_MARCH - timedelta(days=30))
    other = make_report(make_article(org_b, "/b", title="Not yours"), analysed_at=IN_MARCH)
    add_mention(other, make_brand(org_b, "Acme Corp"), mentioned_at=IN_MARCH)
    return {"acme": acme, "globex": globex, "first": first, "second": second}


def _export(organization, **kwargs) -> bytes:
    out = io.BytesIO()
    export_write(organization=organization, spec=spec(**kwargs), out=out)
    return out.getvalue()


def test_a_reports_csv_starts_with_a_bom_and_holds_the_ranges_reports(org_a, world):
    rows = as_dicts(csv_rows(_export(org_a)))

    assert [row["title"] for row in rows] == ["Globex falls", "Acme opens a plant"]
    first = rows[1]
    assert first["report_id"] == str(world["first"].pk)
    assert first["url"] == "https://news.example/1"
    assert first["feed"] == "Wire"
    assert first["analysed_at"] == "2026-03-10 12:00"
    assert first["sentiment"] == "positive"
    assert first["sentiment_score"] == "0.50"
    assert first["brands"] == "Acme Corp; Globex"  # best confidence first
    assert first["status"] == "Analysed"


def test_the_export_follows_every_filter_of_the_list(org_a, world):
    query = f"sentiment=negative&brand={world['globex'].pk}&q=falls"
    rows = as_dicts(csv_rows(_export(org_a, query=query)))
    assert [row["title"] for row in rows] == ["Globex falls"]
    # The very filters the list applies (its dates aside: the range replaces them).
    filters = report_filters(org_a, query + "&date_from=2020-01-01&size=50")
    listed = selectors.report_list(org_a, filters)
    assert [report.article.title for report in listed] == ["Globex falls"]
    assert filters.date_from is None


def test_a_bad_filter_value_is_left_out_as_the_list_leaves_it_out(org_a, world):
    rows = as_dicts(csv_rows(_export(org_a, query="brand=abc&min_confidence=5")))
    assert len(rows) == 2


def test_mentions_follow_the_mention_filters_themselves(org_a, world):
    query = f"brand={world['globex'].pk}"
    rows = as_dicts(csv_rows(_export(org_a, kind="mentions", query=query)))
    # Globex's two mentions, not Acme's mention in the report that also names Globex.
    assert [(row["brand"], row["article_title"]) for row in rows] == [
        ("Globex", "Globex falls"),
        ("Globex", "Acme opens a plant"),
    ]
    assert rows[1]["confidence"] == "0.60"
    assert rows[1]["evidence"] == "The plant will build parts for Globex."
    confident = as_dicts(csv_rows(_export(org_a, kind="mentions", query="min_confidence=0.8")))
    assert {row["brand"] for row in confident} == {"Acme Corp", "Globex"}
    assert len(confident) == 2


def test_mentions_of_ignored_brands_are_left_out_as_in_the_list(org_a, world):
    world["globex"].status = BrandStatus.IGNORED
    world["globex"].save(update_fields=["status"])
    rows = as_dicts(csv_rows(_export(org_a, kind="mentions")))
    assert [row["brand"] for row in rows] == ["Acme Corp"]


def test_brands_carry_their_mentions_in_the_range_groups_and_aliases(org_a, world):
    group = BrandGroup.objects.create(organization=org_a, name="Clients")
    world["acme"].groups.add(group)
    BrandAlias.objects.create(
        organization=org_a, brand=world["acme"], alias="ACME", normalized="acme"
    )
    rows = as_dicts(csv_rows(_export(org_a, kind="brands")))
    assert [(row["name"], row["mentions"]) for row in rows] == [("Acme Corp", "1"), ("Globex", "2")]
    assert (rows[0]["groups"], rows[0]["aliases"]) == ("Clients", "ACME")
    grouped = as_dicts(csv_rows(_export(org_a, kind="brands", query=f"group={group.pk}")))
    assert [row["name"] for row in grouped] == ["Acme Corp"]


def test_a_filter_matching_nothing_gives_the_headers_only(org_a, world):
    for format, read in (("csv", csv_rows), ("xlsx", xlsx_rows)):
        rows = read(_export(org_a, query="q=nothingmatchesthis", format=format))
        assert rows[0][:3] == ["report_id", "analysed_at", "published_at"]
        assert rows[1:] == []


def test_cells_that_would_run_as_formulas_are_written_as_text(org_a, world):
    article = world["first"].article
    article.title = '=HYPERLINK("https://evil.example","click")'
    article.save(update_fields=["title"])
    world["acme"].name = "+Acme"
    world["acme"].save(update_fields=["name"])

    csv_row = as_dicts(csv_rows(_export(org_a)))[1]
    assert csv_row["title"] == "'" + article.title
    assert csv_row["brands"] == "'+Acme; Globex"
    xlsx_row = as_dicts(xlsx_rows(_export(org_a, format="xlsx")))[1]
    assert xlsx_row["title"] == "'" + article.title


def test_xlsx_keeps_numbers_and_times_and_drops_control_characters(org_a, world):
    article = world["first"].article
    article.title = "Acme\x0b opens\x1f a plant"
    article.save(update_fields=["title"])
    row = as_dicts(xlsx_rows(_export(org_a, format="xlsx")))[1]
    assert row["title"] == "Acme opens a plant"
    assert row["sentiment_score"] == 0.5
    assert row["analysed_at"] == datetime(2026, 3, 10, 12, 0)


def test_times_and_days_are_the_organizations(org_a, world):
    org_a.time_zone = "Asia/Tokyo"
    org_a.save(update_fields=["time_zone"])
    # 20:00 UTC on 31 March is 1 April in Tokyo: outside a Tokyo March.
    late = make_report(
        make_article(org_a, "/late", title="Late"),
        analysed_at=datetime(2026, 3, 31, 20, 0, tzinfo=UTC),
    )
    tokyo_march = DateRange(MARCH.start, MARCH.end, "Asia/Tokyo")
    out = io.BytesIO()
    export_write(organization=org_a, spec=spec(span=tokyo_march), out=out)
    rows = as_dicts(csv_rows(out.getvalue()))
    assert "Late" not in [row["title"] for row in rows]
    assert rows[-1]["analysed_at"] == "2026-03-10 21:00"  # 12:00 UTC
    april = DateRange(MARCH.end + timedelta(days=1), MARCH.end + timedelta(days=1), "Asia/Tokyo")
    out = io.BytesIO()
    export_write(organization=org_a, spec=spec(span=april), out=out)
    assert [row["report_id"] for row in as_dicts(csv_rows(out.getvalue()))] == [str(late.pk)]


def test_a_small_export_is_a_file_read_from_its_start(org_a, world):
    with export_now(organization=org_a, spec=spec(format="xlsx")) as file:
        rows = xlsx_rows(file.read())
    assert len(rows) == 3


def test_a_background_export_writes_its_file_with_progress_and_an_expiry(
    org_a, alice, world, export_dir, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_LINK_HOURS = 6
    with django_capture_on_commit_callbacks(execute=False):
        export = export_start(organization=org_a, actor=alice, spec=spec(kind="mentions"))
    assert export.status == ExportStatus.QUEUED

    assert export_run(export_id=export.pk) is not None
    export.refresh_from_db()
    assert export.status == ExportStatus.SUCCEEDED
    assert (export.rows_done, export.total_rows) == (3, 3)
    assert export.path.parent == export_dir / str(org_a.pk)
    assert csv_rows(export.path.read_bytes())[0][0] == "published_at"
    assert export.size_bytes == export.path.stat().st_size
    lifetime = export.expires_at - export.finished_at
    assert lifetime == timedelta(hours=6)
    # A second delivery of the task finds the export claimed and does nothing.
    assert export_run(export_id=export.pk) is None


def test_progress_is_written_as_rows_go(org_a, alice, world, monkeypatch):
    monkeypatch.setattr(writer, "PROGRESS_EVERY", 1)
    export = Export.objects.create(
        organization=org_a,
        kind="mentions",
        format="xlsx",
        date_from=MARCH.start,
        date_to=MARCH.end,
        time_zone="UTC",
    )
    progress: list[int] = []
    real = writer.write_xlsx

    def watching(resource, rows, out, report, title="Export"):
        def spy(count: int) -> None:
            report(count)
            progress.append(Export.objects.get(pk=export.pk).rows_done)

        return real(resource, rows, out, spy, title)

    monkeypatch.setattr(writer, "write_xlsx", watching)
    export_run(export_id=export.pk)
    assert progress == [1, 2, 3]


def test_when_the_queue_is_down_the_export_fails_with_a_clear_message(
    org_a, alice, world, monkeypatch, django_capture_on_commit_callbacks
):
    def refuse(*args, **kwargs):
        raise OperationalError("Connection refused")

    monkeypatch.setattr(run_export, "apply_async", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        export = export_start(organization=org_a, actor=alice, spec=spec())
    assert (export.status, export.error) == (ExportStatus.FAILED, BROKER_DOWN)
    export.refresh_from_db()
    assert (export.status, export.error) == (ExportStatus.FAILED, BROKER_DOWN)


def _finished(org, **values) -> Export:
    export = Export.objects.create(
        organization=org,
        kind="reports",
        format="csv",
        date_from=MARCH.start,
        date_to=MARCH.end,
        time_zone="UTC",
        **values,
    )
    return export


def test_the_clean_up_deletes_expired_files_and_fails_lost_exports(org_a, export_dir):
    now = timezone.now()
    folder = export_dir / str(org_a.pk)
    folder.mkdir(parents=True)
    expired = _finished(
        org_a,
        status=ExportStatus.SUCCEEDED,
        file_name=f"{org_a.pk}/1-old.csv",
        expires_at=now - timedelta(minutes=1),
    )
    fresh = _finished(
        org_a,
        status=ExportStatus.SUCCEEDED,
        file_name=f"{org_a.pk}/2-new.csv",
        expires_at=now + timedelta(hours=1),
    )
    lost = _finished(org_a, status=ExportStatus.RUNNING, file_name=f"{org_a.pk}/3-lost.csv")
    Export.objects.filter(pk=lost.pk).update(created_at=now - timedelta(hours=2))
    for name in ("1-old.csv", "2-new.csv", "3-lost.csv.part"):
        (folder / name).write_text("x")

    done = exports_clean_up(now=now)

    assert (done.expired, done.failed) == (1, 1)
    assert sorted(path.name for path in folder.iterdir()) == ["2-new.csv"]
    expired.refresh_from_db()
    fresh.refresh_from_db()
    lost.refresh_from_db()
    assert (expired.status, expired.file_name) == (ExportStatus.EXPIRED, "")
    assert fresh.status == ExportStatus.SUCCEEDED
    assert lost.status == ExportStatus.FAILED
    assert "never finished" in lost.error
    # Running it again changes nothing.
    assert exports_clean_up(now=now) == services.CleanUp(expired=0, failed=0, orphans=0)


def test_the_clean_up_deletes_old_files_no_export_accounts_for(org_a, export_dir, settings):
    settings.EXPORT_LINK_HOURS = 1
    folder = export_dir / "12345"  # An organization deleted with its exports.
    folder.mkdir(parents=True)
    old, new = folder / "7-old.xlsx", folder / "8-new.xlsx.part"
    old.write_text("x")
    new.write_text("x")
    three_hours_ago = (timezone.now() - timedelta(hours=3)).timestamp()
    os.utime(old, (three_hours_ago, three_hours_ago))
    kept = _finished(
        org_a,
        status=ExportStatus.SUCCEEDED,
        file_name=f"{org_a.pk}/9-kept.csv",
        expires_at=timezone.now() + timedelta(hours=1),
    )
    (export_dir / str(org_a.pk)).mkdir()
    kept.path.write_text("x")
    os.utime(kept.path, (three_hours_ago, three_hours_ago))

    assert exports_clean_up().orphans == 1
    # The recent one may be a file being written: it stays until it is old.
    assert (old.exists(), new.exists(), kept.path.exists()) == (False, True, True)


def test_a_failed_task_marks_the_export_failed_and_removes_its_partial_file(
    org_a, world, monkeypatch, export_dir
):
    export = _finished(org_a, status=ExportStatus.QUEUED)

    def explode(*args, **kwargs):
        (export_dir / str(org_a.pk)).mkdir(parents=True, exist_ok=True)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "write_export", explode)
    with pytest.raises(RuntimeError):
        run_export(export.pk)
    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED
    assert "unexpected error" in export.error
    assert list((export_dir / str(org_a.pk)).iterdir()) == []


def test_unreviewed_is_written_as_the_review_value(org_a, world):
    rows = as_dicts(csv_rows(_export(org_a, kind="mentions")))
    assert {row["review"] for row in rows} == {ReviewStatus.UNREVIEWED.value}


@pytest.mark.parametrize("kind", ["reports", "mentions", "brands"])
def test_the_queries_do_not_grow_with_the_rows(org_a, world, kind, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        _export(org_a, kind=kind)
    for n in range(10):  # Ten more reports, brands and mentions.
        report = make_report(make_article(org_a, f"/more{n}"), analysed_at=IN_MARCH)
        add_mention(report, make_brand(org_a, f"Brand {n}"), mentioned_at=IN_MARCH)
    with django_assert_num_queries(len(few.captured_queries)):
        _export(org_a, kind=kind)
