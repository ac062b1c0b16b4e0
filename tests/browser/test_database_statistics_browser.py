"""The Database statistics page in Chromium at 390 px and 1366 px: reached from the System
health page, every part shown, wide tables scroll inside their box (by keyboard too), the
page no wider than the screen, no Content-Security-Policy violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_system_health_browser import operator_page  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def test_an_operator_reads_the_database_statistics_from_the_health_page(operator_page):  # noqa: F811
    page = operator_page.page

    page.get_by_role("link", name="System health").click()
    page.get_by_role("link", name="Database statistics").click()

    expect(page.get_by_role("heading", name="Database statistics", level=1)).to_be_visible()
    for title in (
        "Database",
        "Vacuum and analyze advice",
        "Largest tables",
        "Index use",
        "Slowest statements",
    ):
        expect(page.get_by_role("heading", name=title, level=2)).to_be_visible()
    expect(page.locator("#stats-tables tbody tr").first).to_be_visible()
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    rights = page.locator(".health-item").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().right)"
    )
    assert max(rights) <= width + 1
    # The table scrolls inside its box, which takes the keyboard's focus to do so.
    scroller = page.locator("#stats-tables .stats-scroll")
    scroller.focus()
    expect(scroller).to_be_focused()
    assert operator_page.violations() == []
