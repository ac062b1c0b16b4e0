"""The Usage page in Chromium at 390 and 1366 px: reached from the user menu, its charts fit
the screen, the numbers open, and the CSV downloads."""

from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.usage.world import add_usage

pytestmark = pytest.mark.browser


def test_an_owner_reads_the_usage_charts_and_downloads_the_csv(log_in, live_server, alice):
    today = timezone.now().date()
    add_usage(
        alice.memberships.get().organization,
        today,
        articles=3,
        analysed=2,
        llm=[("gpt-4o-mini", 1200, 300, "0.02")],
        drafted=2,
        sent=1,
        users=[alice],
        economy_saved="0.30",
    )
    page = log_in("alice")
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/")
        if width == 390:
            page.get_by_text("Menu", exact=True).click()
        page.locator("details.user-menu summary").click()
        page.get_by_role("link", name="Usage", exact=True).click()
        expect(page.get_by_role("heading", level=1, name="Usage")).to_be_visible()
        for key in ("articles", "tokens", "emails", "discovery", "active"):
            chart = page.locator(f"#chart-{key} svg[role=img]")
            expect(chart).to_be_visible()
            box = chart.bounding_box()
            assert box is not None and box["width"] <= width
        label = page.locator("#chart-tokens svg[role=img]").get_attribute("aria-label") or ""
        assert "1,500 tokens gpt-4o-mini" in label
        expect(page.get_by_test_id("usage-economy")).to_contain_text("$0.30")
        page.locator("#chart-articles summary").click()
        expect(page.locator("#chart-articles details table")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width

    with page.expect_download() as download:
        page.get_by_test_id("usage-csv").click()
    path = download.value.path()
    text = Path(path).read_text(encoding="utf-8")
    assert text.startswith("\ufeff") and today.isoformat() in text
