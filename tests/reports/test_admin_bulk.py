"""The reports console's bulk actions: delete keeps the reports people worked on (identity is
sacred) and says what goes with the others; re-analyse asks first; "Export selected" exports
exactly the ticked rows, with a log line."""

from __future__ import annotations

import logging

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.urls import reverse

from contacts.models import EmailDraft
from feeds.models import Article
from reports.exports.admin import BomCSV
from reports.models import Mention, Report, ReportVersion
from reports.services.feedback import mention_confirm
from tests.contacts.builders import make_contact
from tests.reports.export_data import as_dicts, csv_rows
from tests.reports.page_data import add_mention, make_article, make_brand, make_report

LIST = reverse("admin:reports_report_changelist")


@pytest.fixture
def ops(client_for, db):
    return client_for(User.objects.create_superuser("ops", "ops@example.com", "x"))


@pytest.fixture
def three(org_a, org_b):
    """A report nobody touched, one with a reviewed mention, one an email draft cites."""
    acme = make_brand(org_a, "Acme Corp")
    plain = make_report(make_article(org_a, "/plain", text="Acme Corp opens a plant."))
    add_mention(plain, acme)
    ReportVersion.objects.create(
        organization=org_a,
        report=plain,
        analysed_at=plain.analysed_at,
        extractor="rules",
        status="done",
    )
    reviewed = make_report(make_article(org_a, "/reviewed", text="Acme Corp hires."))
    mention_confirm(mention=add_mention(reviewed, acme), actor=None)
    globex = make_brand(org_b, "Globex")
    drafted = make_report(make_article(org_b, "/drafted", text="Globex sells."))
    EmailDraft.objects.create(
        organization=org_b,
        contact=make_contact(globex),
        report=drafted,
        subject="Hello",
        body="Body",
        template="pitch",
        tone="formal",
        generated_at=drafted.analysed_at,
    )
    return plain, reviewed, drafted


def _post(client, action: str, rows, **extra):
    data = {"action": action, "_selected_action": [r.pk for r in rows], **extra}
    return client.post(LIST, data, follow=bool(extra))


def test_deleting_keeps_reports_people_worked_on_and_says_what_goes(ops, three, caplog):
    plain, reviewed, drafted = three

    page = _post(ops, "delete_reports", three).content.decode()

    assert "Delete 3 reports?" in page
    assert (
        f"<strong>“Story /plain” (report {plain.pk})</strong> · Organization A — deleted with "
        "1 mention and 1 earlier analysis"
    ) in page
    assert "Skipped: 1 — kept: people reviewed its mentions (re-analyse it instead)" in page
    assert "Skipped: 1 — kept: an email draft cites it (re-analyse it instead)" in page
    assert "The articles stay" in page
    assert Report.objects.count() == 3  # nothing deleted before "Yes"

    with caplog.at_level(logging.INFO, logger="monitoring.bulk"):
        done = _post(ops, "delete_reports", three, post="yes").content.decode()

    assert "1 report deleted, 1 skipped: kept: " in done
    assert "1 skipped: kept: people reviewed its mentions" in done
    assert "1 skipped: kept: an email draft cites it" in done
    assert set(Report.objects.values_list("pk", flat=True)) == {reviewed.pk, drafted.pk}
    assert not Mention.objects.filter(report_id=plain.pk).exists()
    assert not ReportVersion.objects.filter(report_id=plain.pk).exists()
    assert Article.objects.filter(pk=plain.article_id).exists()  # analysed again later
    assert EmailDraft.objects.get().report_id == drafted.pk
    assert "Bulk action delete_reports on reports by ops: 1 report deleted" in caplog.text


def test_feedback_alone_keeps_a_report(ops, three, org_a):
    # A mention back to unreviewed still has its feedback history pointing at it.
    _plain, reviewed, _drafted = three
    Mention.objects.filter(report=reviewed).update(review_status="unreviewed")

    page = _post(ops, "delete_reports", [reviewed]).content.decode()

    assert "kept: feedback was given on its mentions" in page
    assert "Yes, delete" not in page  # nothing to do: no button, only the way back


def test_the_delete_link_of_one_report_follows_the_same_rule(ops, three):
    plain, reviewed, drafted = three

    refused = ops.get(reverse("admin:reports_report_delete", args=[reviewed.pk]), follow=True)
    assert "is kept: people reviewed its mentions" in refused.content.decode()
    allowed = ops.post(reverse("admin:reports_report_delete", args=[plain.pk]), {"post": "yes"})

    assert allowed.status_code == 302
    assert set(Report.objects.values_list("pk", flat=True)) == {reviewed.pk, drafted.pk}


def test_django_s_own_bulk_delete_is_not_offered_for_reports(ops, three):
    page = ops.get(LIST).content.decode()

    assert 'value="delete_reports"' in page and 'value="reanalyse"' in page
    assert 'value="export_admin_action"' in page
    assert 'value="delete_selected"' not in page


def test_reanalysing_asks_first_and_says_identity_is_kept(ops, three):
    plain, reviewed, _drafted = three

    page = _post(ops, "reanalyse", [plain, reviewed]).content.decode()

    assert "Re-analyse 2 reports?" in page
    assert "keeps its address, reviews, feedback and the drafts citing it" in page
    assert "Yes, re-analyse 2 reports" in page
    plain.refresh_from_db()
    assert plain.extractor == "rules" and plain.versions.count() == 1  # not yet analysed


def test_export_selected_exports_exactly_the_ticked_reports(ops, three, caplog):
    plain, _reviewed, drafted = three
    report_admin = admin.site._registry[Report]

    page = _post(ops, "export_admin_action", [plain, drafted]).content.decode()
    assert "Export 2 selected items." in page

    index = next(i for i, f in enumerate(report_admin.get_export_formats()) if f is BomCSV)
    resource = report_admin.get_export_resource_classes(None)[0]
    fields = {f"{resource.__name__.lower()}_{name}": "on" for name in resource().get_export_order()}
    with caplog.at_level(logging.INFO, logger="monitoring.bulk"):
        response = ops.post(
            reverse("admin:reports_report_export"),
            {"format": index, "resource": 0, "export_items": [plain.pk, drafted.pk], **fields},
        )

    assert response.status_code == 200
    titles = sorted(row["title"] for row in as_dicts(csv_rows(response.content)))
    assert titles == ["Story /drafted", "Story /plain"]
    assert "Admin export of 2 reports by ops" in caplog.text


def test_marking_brands_tracked_asks_first_and_skips_the_tracked_ones(ops, org_a, org_b):
    from reports.models import Brand, BrandStatus

    tracked = make_brand(org_a, "Acme Corp")
    new = make_brand(org_a, "Globex", status=BrandStatus.UNREVIEWED)
    ignored = make_brand(org_b, "Initech", status=BrandStatus.IGNORED)
    url = reverse("admin:reports_brand_changelist")
    ids = [tracked.pk, new.pk, ignored.pk]

    page = ops.post(url, {"action": "mark_tracked", "_selected_action": ids}).content.decode()
    assert "Mark tracked 3 brands?" in page
    assert "unreviewed → tracked" in page and "ignored → tracked" in page
    assert "Skipped: 1 — already tracked" in page
    assert Brand.objects.filter(status=BrandStatus.TRACKED).count() == 1

    done = ops.post(
        url, {"action": "mark_tracked", "_selected_action": ids, "post": "yes"}, follow=True
    ).content.decode()

    assert "2 brands marked tracked, 1 skipped: already tracked." in done
    assert Brand.objects.filter(status=BrandStatus.TRACKED).count() == 3
