"""Economy analysis in the pages: the organization's setting, a job's override, the report
page, the dashboard's usage figure, the admin's batches."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import html

from accounts.models import AnalysisMode, UsageDaily
from jobs.models import Job
from reports.economy.models import BatchItemStatus, LLMBatch, LLMBatchItem
from reports.models import ReportMode
from reports.services.analyse import report_analyse
from tests.feeds.builders import make_feed
from tests.reports.analysis_data import make_article

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def doc(response):
    return html.fromstring(response.content.decode())


def by_testid(page, name: str) -> str:
    [node] = page.xpath(f'//*[@data-testid="{name}"]')
    return " ".join(node.text_content().split())


def test_an_owner_chooses_economy_mode_and_the_settings_page_says_so(client_for, alice, org_a):
    client = client_for(alice)
    form = doc(client.get(reverse("accounts:edit"), **HTMX))
    options = form.xpath('//select[@name="analysis_mode"]/option/@value')
    assert options == ["standard", "economy"]

    response = client.post(
        reverse("accounts:edit"),
        {"name": "Organization A", "time_zone": "UTC", "analysis_mode": "economy"},
        **HTMX,
    )

    assert response.headers["HX-Redirect"] == reverse("accounts:settings")
    org_a.refresh_from_db()
    assert org_a.analysis_mode == AnalysisMode.ECONOMY
    page = doc(client.get(reverse("accounts:settings")))
    assert by_testid(page, "org-analysis-mode").startswith("Economy (batch")


def test_an_unknown_mode_is_refused_in_place_and_nothing_is_saved(client_for, alice, org_a):
    response = client_for(alice).post(
        reverse("accounts:edit"),
        {"name": "Renamed", "time_zone": "UTC", "analysis_mode": "turbo"},
        **HTMX,
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    org_a.refresh_from_db()
    assert (org_a.name, org_a.analysis_mode) == ("Organization A", AnalysisMode.STANDARD)


def test_a_member_cannot_change_the_mode(client_for, bob, org_a):
    response = client_for(bob).post(
        reverse("accounts:edit"),
        {"name": "Organization A", "time_zone": "UTC", "analysis_mode": "economy"},
        **HTMX,
    )

    assert response.status_code in (403, 404)
    org_a.refresh_from_db()
    assert org_a.analysis_mode == AnalysisMode.STANDARD


def test_a_job_overrides_the_organization_mode(client_for, alice, org_a, settings):
    settings.OPENAI_BASE_URL = "http://127.0.0.1:9/v1"
    make_feed(org_a, "https://news.example/feed.xml", name="Wire")
    data = {
        "name": "Overnight",
        "schedule_kind": "interval",
        "interval_every": "1",
        "interval_unit": "hours",
        "timezone": "UTC",
        "enabled": "on",
        "use_llm": "on",
        "analysis_mode": "economy",
    }

    response = client_for(alice).post(reverse("jobs:create"), data, HTTP_HX_REQUEST="true")

    assert response.headers.get("HX-Redirect") == reverse("jobs:list")
    job = Job.objects.get()
    assert job.analysis_mode == AnalysisMode.ECONOMY
    page = doc(client_for(alice).get(job.get_absolute_url()))
    assert by_testid(page, "job-mode").startswith("economy")


def test_the_report_page_says_it_waits_for_the_batch_then_which_mode_produced_it(
    client_for, alice, org_a, openai_server
):
    org_a.analysis_mode = AnalysisMode.ECONOMY
    org_a.save(update_fields=["analysis_mode"])
    report = report_analyse(article=make_article(org_a))

    page = doc(client_for(alice).get(report.get_absolute_url()))
    assert "waiting for the economy batch" in by_testid(page, "report-batch-waiting")
    assert not page.xpath('//*[@data-testid="report-mode"]')

    LLMBatchItem.objects.update(status=BatchItemStatus.APPLIED)
    report.__class__.objects.filter(pk=report.pk).update(mode=ReportMode.ECONOMY, extractor="llm")
    page = doc(client_for(alice).get(report.get_absolute_url()))
    assert by_testid(page, "report-mode") == "economy (batch)"
    assert not page.xpath('//*[@data-testid="report-batch-waiting"]')


def test_another_organizations_waiting_report_is_a_404(client_for, charlie, org_a, openai_server):
    org_a.analysis_mode = AnalysisMode.ECONOMY
    org_a.save(update_fields=["analysis_mode"])
    report = report_analyse(article=make_article(org_a))

    assert client_for(charlie).get(report.get_absolute_url()).status_code == 404


def test_the_dashboard_usage_figure_shows_what_economy_mode_saved(client_for, alice, org_a):
    UsageDaily.objects.create(
        organization=org_a,
        date=timezone.now().date(),
        tokens_in=2000,
        cost=Decimal("1.50"),
        batch_calls=10,
        batch_saved=Decimal("1.25"),
    )

    page = doc(client_for(alice).get(reverse("dashboard")))

    cards = [" ".join(c.text_content().split()) for c in page.xpath("//div[@class='figure-card']")]
    [usage] = [card for card in cards if card.startswith("LLM tokens this month")]
    assert "economy mode saved $1.25; standard mode would have cost $2.75" in usage


def test_the_admin_lists_batches_with_their_items(admin_client, org_a, openai_server):
    org_a.analysis_mode = AnalysisMode.ECONOMY
    org_a.save(update_fields=["analysis_mode"])
    report = report_analyse(article=make_article(org_a))
    batch = LLMBatch.objects.create(organization=org_a, model="gpt-4o-mini", provider_id="b_1")
    LLMBatchItem.objects.filter(report=report).update(batch=batch)

    listing = admin_client.get(reverse("admin:reports_llmbatch_changelist"))
    detail = admin_client.get(reverse("admin:reports_llmbatch_change", args=[batch.pk]))

    assert listing.status_code == 200 and "b_1" in listing.content.decode()
    assert f"report-{report.pk}-item-" in detail.content.decode()
