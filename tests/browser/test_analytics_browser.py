"""The Analytics page in Chromium at 390 and 1366 px: the charts fit the screen, the deferred
ones arrive on their own, the numbers open from the keyboard, and brands are chosen with it."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from reports.models import BrandGroup
from reports.rollups.models import RollupState
from tests.reports.page_data import (
    add_mention,
    make_article,
    make_brand,
    make_feed,
    make_industry,
    make_report,
)

pytestmark = pytest.mark.browser

WIDTHS = [390, 1366]
MAX_TABS = 80


@pytest.fixture
def mentions(org_a):
    cars = make_industry(org_a, "Automotive")
    acme = make_brand(org_a, "Acme Corporation International Holdings", industry=cars)
    globex = make_brand(org_a, "Globex")
    hostile = make_brand(org_a, "<b>Bold</b> & Co")
    group = BrandGroup.objects.create(organization=org_a, name="Rivals")
    acme.groups.add(group)
    globex.groups.add(group)
    wire = make_feed(org_a, "Wire")
    now = timezone.now()
    for n in range(6):
        when = now - timedelta(days=n, hours=1)
        report = make_report(make_article(org_a, f"/s{n}", published_at=when, feeds=(wire,)))
        add_mention(report, acme, sentiment=0.4, mentioned_at=when)
        if n % 2:
            add_mention(report, globex, sentiment=-0.4, mentioned_at=when)
        if n == 3:
            add_mention(report, hostile, mentioned_at=when)
    return {"acme": acme, "globex": globex, "hostile": hostile, "group": group}


def fits(page: Page, width: int) -> None:
    """Nothing stretches the page sideways (a phone would scroll or zoom out)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def tab_to(page: Page, accessible: str) -> None:
    """Press Tab until the focused element's label or text is ``accessible``."""
    script = (
        "(() => { const e = document.activeElement; if (!e) return '';"
        " const label = e.closest('label'); return (label || e).textContent.trim(); })()"
    )
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate(script) == accessible:
            return
    raise AssertionError(f"{accessible!r} was not reached with {MAX_TABS} presses of Tab")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_charts_fit_the_screen_and_the_deferred_ones_arrive(
    log_in, live_server, alice, mentions, width
):
    page = log_in("alice")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/analytics/")

    mentions_chart = page.locator("#chart-mentions svg[role=img]")
    expect(mentions_chart).to_be_visible()
    label = mentions_chart.get_attribute("aria-label") or ""
    assert "Acme Corporation International Holdings 6 mentions" in label
    assert "<b>Bold</b> & Co 1 mention" in label  # the markup is text, not markup
    expect(page.locator("#chart-sentiment svg[role=img]")).to_be_visible()
    # Deferred charts replace their links by themselves.
    expect(page.locator("#chart-sources svg[role=img]")).to_be_visible()
    expect(page.locator("#chart-heat table")).to_be_visible()
    expect(page.locator("#chart-heat td.heat-5").first).to_be_visible()
    tips = page.locator("#chart-sources rect.bar title").all_text_contents()
    # Three brands compared (6, 3 and 1 mentions in Wire's six stories): summed per brand.
    assert tips == ["Wire: 10 mentions"]
    # Each chart is as wide as its card, and the page as wide as the screen.
    box = mentions_chart.bounding_box()
    assert box is not None and box["width"] <= width
    fits(page, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_while_a_recount_runs_the_page_says_the_figures_are_being_updated(
    log_in, live_server, alice, org_a, mentions, width
):
    # A brand merge or an industry change whose story recount has not run yet.
    RollupState.objects.filter(organization=org_a).update(recount_requested_at=timezone.now())
    page = log_in("alice")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/analytics/")

    notice = page.locator("#figures-updating")
    expect(notice).to_be_visible()
    expect(notice).to_have_attribute("role", "status")
    # The heat table still arrives (counted from the mention rows meanwhile).
    expect(page.locator("#chart-heat td.heat-5").first).to_be_visible()
    fits(page, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_brands_are_chosen_and_numbers_read_with_the_keyboard(
    log_in, live_server, alice, mentions, width
):
    page = log_in("alice")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/analytics/")
    expect(page.locator("#chart-mentions svg[role=img]")).to_be_visible()

    tab_to(page, "Globex")
    page.keyboard.press("Space")
    tab_to(page, "Show")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(rf"[?&]brand={mentions['globex'].pk}$"))
    legend = page.locator("#chart-mentions .chart-legend li")
    expect(legend).to_have_count(1)
    expect(legend).to_contain_text("Globex")
    tab_to(page, "Show the numbers")
    page.keyboard.press("Enter")
    numbers = page.locator("#chart-mentions details table")
    expect(numbers).to_be_visible()
    expect(numbers.locator("tbody tr")).to_have_count(90)
    fits(page, width)
