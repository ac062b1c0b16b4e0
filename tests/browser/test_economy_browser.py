"""Economy mode in Chromium at 390 px and 1366 px, by keyboard: the organization's setting and
a report waiting for its batch."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from accounts.models import AnalysisMode
from reports.economy.models import LLMBatchItem
from reports.models import ReportStatus
from reports.services.llm_step import BATCH_QUEUED
from tests.browser.test_drawer_phone_keyboard import DESKTOP, PHONE, open_context_page
from tests.reports.page_data import make_article, make_report

pytestmark = pytest.mark.browser


@pytest.fixture(params=[PHONE, DESKTOP], ids=["390px", "1366px"])
def screen(request, browser: Browser, live_server, alice) -> Iterator[Page]:
    yield from open_context_page(browser, live_server, request.param)


def fits(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_an_owner_chooses_economy_by_keyboard(screen, live_server, org_a):
    screen.goto(f"{live_server.url}/organization/settings/")
    screen.locator("main").get_by_role("link", name="Edit organization").focus()
    screen.keyboard.press("Enter")
    mode = screen.locator("#drawer").get_by_label("LLM analysis mode")
    expect(mode).to_have_value("standard")

    mode.focus()
    screen.keyboard.type("E")  # a focused select picks the option starting with E
    expect(mode).to_have_value("economy")
    screen.locator("#drawer").get_by_role("button", name="Save").focus()
    screen.keyboard.press("Enter")

    expect(screen.get_by_test_id("org-analysis-mode")).to_contain_text("Economy (batch")
    assert fits(screen)
    org_a.refresh_from_db()
    assert org_a.analysis_mode == AnalysisMode.ECONOMY


def test_a_report_waiting_for_its_batch_says_so(screen, live_server, org_a):
    article = make_article(org_a, "/plant", title="Acme opens a plant near Lyon")
    report = make_report(article, status=ReportStatus.FALLBACK, error=BATCH_QUEUED)
    LLMBatchItem.objects.create(organization=org_a, report=report, model="gpt-4o-mini")

    screen.goto(f"{live_server.url}{report.get_absolute_url()}")

    expect(screen.get_by_test_id("report-batch-waiting")).to_be_visible()
    expect(screen.get_by_text("within 24 hours")).to_be_visible()
    assert fits(screen)
