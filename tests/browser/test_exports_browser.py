"""The lists' Export control in Chromium at 390 and 1366 px: reached with the keyboard, it
opens the drawer, says how many rows the file has and downloads it; a large export follows
its worker on its own page to a download link."""

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from reports.exports.models import Export
from tests.reports.export_data import as_dicts, csv_rows, xlsx_rows
from tests.reports.page_data import add_mention, make_article, make_brand, make_report

pytestmark = pytest.mark.browser

WIDTHS = [390, 1366]
MAX_TABS = 60


@pytest.fixture(autouse=True)
def export_dir(settings, tmp_path: Path) -> Path:
    settings.EXPORT_DIR = tmp_path / "exports"
    return settings.EXPORT_DIR


@pytest.fixture
def stories(org_a):
    acme = make_brand(org_a, "Acme Corp")
    now = timezone.now()
    # Every story within today in the organization's time zone, whatever the clock says: the
    # export of "today" wants them all, and "now - 2 h" was yesterday from 00:00 to 02:00.
    midnight = timezone.localtime(now, ZoneInfo(org_a.time_zone)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    step = (now - midnight) / 4
    for n, sentiment in enumerate(("positive", "negative", "negative")):
        report = make_report(
            make_article(org_a, f"/{n}", title=f"Story {n}"),
            analysed_at=now - step * n,
            sentiment_label=sentiment,
        )
        add_mention(report, acme, mentioned_at=now - step * n)


def tab_to(page: Page, name: str) -> None:
    """Press Tab until the focused element is the control called ``name``."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement && document.activeElement.textContent")
        if focused and focused.strip() == name:
            return
    raise AssertionError(f"{name!r} was not reached with {MAX_TABS} presses of Tab")


def open_export(page: Page, live_server, width: int, query: str) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server.url}/reports/?{query}")
    expect(page.get_by_role("heading", name="Reports", level=1)).to_be_visible()
    tab_to(page, "Export")
    page.keyboard.press("Enter")
    expect(page.locator("#drawer-root")).to_have_class("drawer-root open")


@pytest.mark.parametrize("width", WIDTHS)
def test_alice_exports_the_filtered_mentions_from_the_keyboard(
    log_in, live_server, alice, stories, width, tmp_path
):
    page = log_in("alice")
    open_export(page, live_server, width, "sentiment=negative")
    drawer = page.locator(".drawer")
    expect(drawer.get_by_role("heading", name="Export")).to_be_visible()
    expect(drawer.locator("#export-count")).to_contain_text("2 rows")
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    drawer.get_by_label("Mentions", exact=False).check()
    drawer.get_by_label("Excel (XLSX)").check()
    drawer.get_by_label("Dates").select_option("today")
    expect(drawer.locator("#export-count")).to_contain_text("(published")
    with page.expect_download() as download:
        drawer.get_by_role("button", name="Export", exact=True).click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)

    assert saved.name.startswith("mentions-") and saved.suffix == ".xlsx"
    rows = as_dicts(xlsx_rows(saved.read_bytes()))
    assert sorted(row["article_title"] for row in rows) == ["Story 1", "Story 2"]


@pytest.mark.parametrize("width", WIDTHS)
def test_a_range_ending_before_it_starts_is_explained_and_the_filters_kept(
    log_in, live_server, alice, stories, width
):
    page = log_in("alice")
    open_export(page, live_server, width, "sentiment=negative")
    drawer = page.locator(".drawer")
    drawer.get_by_label("Dates").select_option("custom")
    drawer.get_by_label("From").fill("2026-03-09")
    drawer.get_by_label("To (included)").fill("2026-03-05")
    expect(drawer.locator("#export-count")).to_contain_text("Fix the dates")
    drawer.get_by_role("button", name="Export", exact=True).click()

    expect(page.get_by_text("before it starts")).to_be_visible()
    assert page.locator('input[name="filters"]').input_value() == "sentiment=negative"
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", WIDTHS)
def test_a_large_export_follows_its_worker_to_a_download_link(
    log_in, live_server, alice, stories, settings, celery_worker, width, tmp_path
):
    settings.EXPORT_BACKGROUND_ROWS = 1
    page = log_in("alice")
    open_export(page, live_server, width, "")
    drawer = page.locator(".drawer")
    expect(drawer.locator("#export-count")).to_contain_text("runs in the background")
    drawer.get_by_role("button", name="Export", exact=True).click()

    expect(page.get_by_role("heading", name="Reports export", level=1)).to_be_visible()
    link = page.get_by_role("link", name="Download")
    expect(link).to_be_visible()  # the page polls until the worker is done
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    with page.expect_download() as download:
        link.click()
    saved = tmp_path / "export.csv"
    download.value.save_as(saved)
    rows = as_dicts(csv_rows(saved.read_bytes()))
    assert sorted(row["title"] for row in rows) == ["Story 0", "Story 1", "Story 2"]
    assert Export.objects.get().status == "succeeded"
