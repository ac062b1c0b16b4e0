"""The export control of the reports and brands lists, the export page and the download."""

from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from reports.exports.admin import BomCSV
from reports.exports.models import Export, ExportStatus
from reports.models import Report
from tests.harness.waiting import ceiling, wait_for
from tests.reports.export_data import as_dicts, csv_rows
from tests.reports.page_data import add_mention, make_article, make_brand, make_report

NOW = timezone.now()


@pytest.fixture(autouse=True)
def export_dir(settings, tmp_path: Path) -> Path:
    settings.EXPORT_DIR = tmp_path / "exports"
    return settings.EXPORT_DIR


@pytest.fixture
def reports(org_a, org_b):
    acme = make_brand(org_a, "Acme Corp")
    made = []
    for n, sentiment in enumerate(("positive", "negative", "negative")):
        report = make_report(
            make_article(org_a, f"/{n}", title=f"Story {n}"),
            analysed_at=NOW - timedelta(hours=n),
            sentiment_label=sentiment,
        )
        add_mention(report, acme, mentioned_at=NOW - timedelta(hours=n))
        made.append(report)
    make_report(make_article(org_b, "/b", title="Not yours"), analysed_at=NOW)
    return made


def _post(client, **data):
    values = {"page": "reports", "kind": "reports", "format": "csv", "range": "7d", **data}
    return client.post(reverse("reports:export"), values)


def test_the_reports_list_offers_an_export_of_what_it_shows(client_for, alice, reports):
    response = client_for(alice).get(reverse("reports:list"), {"sentiment": "negative"})
    link = f"{reverse('reports:export')}?page=reports&amp;filters={quote('sentiment=negative')}"
    assert f'href="{link}"' in response.content.decode()


def test_the_brands_list_offers_an_export_too(client_for, alice, reports):
    response = client_for(alice).get(reverse("brands:list"), {"status": "tracked"})
    link = f"{reverse('reports:export')}?page=brands&amp;filters={quote('status=tracked')}"
    assert f'href="{link}"' in response.content.decode()


def test_the_drawer_says_how_many_rows_the_export_has(client_for, alice, reports):
    response = client_for(alice).get(
        reverse("reports:export"),
        {"page": "reports", "filters": "sentiment=negative"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>2 rows</strong>" in html
    assert 'value="mentions"' in html and 'value="brands"' not in html
    assert "<html" not in html  # the drawer partial only


def test_a_filter_matching_nothing_says_the_file_has_headers_only(client_for, alice, reports):
    response = client_for(alice).get(
        reverse("reports:export_count"),
        {
            "page": "reports",
            "kind": "reports",
            "format": "csv",
            "range": "today",
            "filters": "q=nothingmatches",
        },
    )
    assert "No rows match" in response.content.decode()
    assert "column headers only" in response.content.decode()


def test_the_drawer_starts_from_the_lists_own_dates(client_for, alice, reports):
    response = client_for(alice).get(
        reverse("reports:export"),
        {"page": "reports", "filters": "date_from=2026-01-01&date_to=2026-01-31"},
    )
    html = response.content.decode()
    assert 'value="custom" selected' in html
    assert 'value="2026-01-01"' in html and 'value="2026-01-31"' in html


def test_a_small_export_downloads_at_once_with_the_lists_filters(client_for, alice, reports):
    response = _post(client_for(alice), filters="sentiment=negative")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = as_dicts(csv_rows(b"".join(response.streaming_content)))
    assert [row["title"] for row in rows] == ["Story 1", "Story 2"]
    assert not Export.objects.exists()


@pytest.mark.parametrize(
    ("dates", "message"),
    [
        ({}, "The range is empty"),
        ({"date_from": "2026-03-09", "date_to": "2026-03-05"}, "before it starts"),
        ({"date_from": "2016-01-01", "date_to": "2025-12-31"}, "spans 3,653 days"),
        ({"date_from": "2026-13-45"}, "Enter a valid date."),
    ],
)
def test_a_bad_range_is_refused_with_what_to_change(client_for, alice, reports, dates, message):
    response = _post(client_for(alice), range="custom", filters="sentiment=negative", **dates)
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    # What was chosen stays in the form.
    assert 'name="filters" value="sentiment=negative"' in html
    assert not Export.objects.exists()


def test_a_large_export_runs_in_the_background(
    client_for, alice, reports, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_BACKGROUND_ROWS = 2
    client = client_for(alice)
    with django_capture_on_commit_callbacks(execute=False) as sent:
        response = _post(client, kind="mentions", format="xlsx")
    export = Export.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:export_detail", args=[export.pk])
    assert (export.kind, export.format, export.requested_by) == ("mentions", "xlsx", alice)
    assert len(sent) == 1
    page = client.get(response["Location"]).content.decode()
    assert "runs in the background" in page
    assert "Waiting for a worker" in page
    assert 'hx-trigger="every 2s"' in page


def test_another_organizations_export_is_not_found(client_for, alice, charlie, reports):
    export = Export.objects.create(
        organization=reports[0].organization,
        kind="reports",
        format="csv",
        date_from=NOW.date(),
        date_to=NOW.date(),
        time_zone="UTC",
        status=ExportStatus.SUCCEEDED,
        file_name="x.csv",
        expires_at=NOW + timedelta(hours=1),
    )
    client = client_for(charlie)
    assert client.get(reverse("reports:export_detail", args=[export.pk])).status_code == 404
    assert client.get(reverse("reports:export_download", args=[export.pk])).status_code == 404


def test_an_expired_link_says_so_and_gives_no_file(client_for, alice, reports, export_dir):
    folder = export_dir / str(reports[0].organization_id)
    folder.mkdir(parents=True)
    (folder / "1-a.csv").write_text("report_id\n")
    export = Export.objects.create(
        organization=reports[0].organization,
        kind="reports",
        format="csv",
        date_from=NOW.date(),
        date_to=NOW.date(),
        time_zone="UTC",
        status=ExportStatus.SUCCEEDED,
        file_name=f"{reports[0].organization_id}/1-a.csv",
        expires_at=timezone.now() - timedelta(seconds=1),
    )
    response = client_for(alice).get(reverse("reports:export_download", args=[export.pk]))
    assert response.status_code == 410
    assert "This download link expired" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_worker_writes_the_background_export_and_the_page_links_to_it(
    client_for, alice, reports, settings, celery_worker
):
    """With the project's broker, whichever it is (filesystem, or Redis with REDIS_URL)."""
    settings.EXPORT_BACKGROUND_ROWS = 1
    client = client_for(alice)
    response = _post(client, kind="mentions", filters="sentiment=negative")
    export = Export.objects.get()
    assert response.status_code == 302

    def finished() -> bool:
        export.refresh_from_db()
        return export.is_finished

    assert wait_for(finished, timeout=ceiling(60)), export.status
    assert (export.status, export.total_rows) == (ExportStatus.SUCCEEDED, 2)
    page = client.get(reverse("reports:export_detail", args=[export.pk])).content.decode()
    download = reverse("reports:export_download", args=[export.pk])
    assert f'href="{download}"' in page
    assert 'hx-trigger="every 2s"' not in page  # polling stops once finished
    response = client.get(download)
    rows = as_dicts(csv_rows(b"".join(response.streaming_content)))
    assert [row["article_title"] for row in rows] == ["Story 1", "Story 2"]


@pytest.fixture
def ops(client_for):
    return client_for(User.objects.create_superuser("ops", "ops@example.com", "x"))


def test_the_admin_exports_reports_with_a_bom_following_its_filters(ops, org_a, org_b, reports):
    report_admin = admin.site._registry[Report]
    formats = report_admin.get_export_formats()
    index = next(i for i, f in enumerate(formats) if f is BomCSV)
    resource = report_admin.get_export_resource_classes(None)[0]
    fields = {f"{resource.__name__.lower()}_{name}": "on" for name in resource().get_export_order()}
    url = reverse("admin:reports_report_export") + f"?organization__id__exact={org_a.pk}"

    response = ops.post(url, {"format": index, "resource": 0, **fields})

    assert response.status_code == 200
    rows = as_dicts(csv_rows(response.content))
    assert {row["organization"] for row in rows} == {org_a.slug}
    assert sorted(row["title"] for row in rows) == ["Story 0", "Story 1", "Story 2"]
    assert {row["brands"] for row in rows} == {"Acme Corp"}


def test_filters_too_long_to_export_are_explained(client_for, alice, reports):
    response = _post(client_for(alice), filters="q=" + "x" * 2100)
    assert response.status_code == 400
    assert "too long to export" in response.content.decode()


def _admin_export(ops, model, format_class, query: str = "") -> bytes:
    model_admin = admin.site._registry[model]
    index = next(i for i, f in enumerate(model_admin.get_export_formats()) if f is format_class)
    resource = model_admin.get_export_resource_classes(None)[0]
    fields = {f"{resource.__name__.lower()}_{name}": "on" for name in resource().get_export_order()}
    url = reverse(f"admin:reports_{model._meta.model_name}_export") + query
    response = ops.post(url, {"format": index, "resource": 0, **fields})
    assert response.status_code == 200
    return response.content


def test_the_admin_exports_mentions_as_xlsx_with_formulas_as_text(ops, org_a, reports):
    from import_export.formats.base_formats import XLSX

    from reports.models import Brand, Mention
    from tests.reports.export_data import xlsx_rows

    Brand.objects.filter(organization=org_a).update(name="=cmd|' /C calc'!A0")
    rows = as_dicts(xlsx_rows(_admin_export(ops, Mention, XLSX)))
    assert len(rows) == 3
    assert {row["brand"] for row in rows} == {"'=cmd|' /C calc'!A0"}
    assert {row["organization"] for row in rows} == {org_a.slug}


def test_the_admin_exports_brands_with_their_mention_counts(ops, org_a, reports):
    from reports.models import Brand

    rows = as_dicts(csv_rows(_admin_export(ops, Brand, BomCSV)))
    assert [(row["organization"], row["name"], row["mentions"]) for row in rows] == [
        (org_a.slug, "Acme Corp", "3")
    ]
