"""Share links in Chromium at 390 and 1366 px, by keyboard only: Share on the Analytics page,
create the link, copy it, open it; then the link in a browser with no session shows the
charts and fits the screen."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.reports.page_data import add_mention, make_article, make_brand, make_feed, make_report

pytestmark = pytest.mark.browser

WIDTHS = [390, 1366]
MAX_TABS = 60


def tab_to(page: Page, text: str) -> None:
    script = "(() => { const e = document.activeElement; return e ? e.textContent.trim() : ''; })()"
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate(script) == text:
            return
    raise AssertionError(f"{text!r} was not reached with {MAX_TABS} presses of Tab")


@pytest.mark.parametrize("width", WIDTHS)
def test_share_copy_and_open_with_the_keyboard(log_in, live_server, browser, alice, org_a, width):
    acme = make_brand(org_a, "Acme Corporation International Holdings")
    wire = make_feed(org_a, "Wire")
    for n in range(3):
        when = timezone.now() - timedelta(days=n, hours=1)
        add_mention(
            make_report(make_article(org_a, f"/s{n}", published_at=when, feeds=(wire,))),
            acme,
            mentioned_at=when,
        )
    page = log_in("alice")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/analytics/?range=30d")
    expect(page.locator("#chart-mentions svg[role=img]")).to_be_visible()

    tab_to(page, "Share")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Share by link")).to_be_visible()
    tab_to(page, "Create link")
    page.keyboard.press("Enter")
    field = page.locator("#share-url")
    expect(field).to_be_visible()
    url = field.input_value()
    assert url.startswith(f"{live_server.url}/s/")
    tab_to(page, "Copy link")
    page.keyboard.press("Enter")
    expect(page.locator("[data-copy-status]")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == url
    tab_to(page, "Open")
    with page.context.expect_page() as opened:
        page.keyboard.press("Enter")
    expect(opened.value.locator("#chart-mentions svg[role=img]")).to_be_visible()

    # A browser with no session: the charts, no navigation, nothing wider than the screen.
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        client = context.new_page()
        refused: list[str] = []
        client.on(
            "console",
            lambda message: (
                refused.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        client.goto(url)
        expect(client.locator("#chart-mentions svg[role=img]")).to_be_visible()
        expect(client.locator("#chart-sources svg[role=img]")).to_be_visible()
        expect(client.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Analytics, "))
        assert client.locator("nav, form, a").count() == 0
        assert refused == []  # the page runs under the app's CSP and needs nothing more
        assert client.evaluate("document.documentElement.scrollWidth") <= width
        client.goto(f"{live_server.url}/analytics/")
        expect(client).to_have_url(f"{live_server.url}/login/?next=/analytics/")
    finally:
        context.close()
