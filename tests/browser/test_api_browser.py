"""The API from a browser: a key made in the settings drawer by keyboard at 390 px and
1366 px works against the live API, and the Swagger UI at /api/docs renders from our static
files under the Content-Security-Policy."""

import json
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_content_security_policy_browser import (
    DESKTOP,
    PHONE,
    RECORD_VIOLATIONS,
    PolicyWatch,
)
from tests.conftest import PASSWORD
from tests.harness.waiting import ceiling

pytestmark = pytest.mark.browser


@pytest.fixture(params=[PHONE, DESKTOP], ids=["390px", "1366px"])
def watched_page(request, browser: Browser) -> Iterator[tuple[Page, PolicyWatch]]:
    phone = request.param["width"] < 640
    context = browser.new_context(viewport=request.param, is_mobile=phone, has_touch=phone)
    context.set_default_timeout(15_000)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    try:
        yield page, PolicyWatch(page)
    finally:
        context.close()


def _log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_an_owner_makes_a_key_by_keyboard_and_it_works(live_server, alice, watched_page):
    page, watch = watched_page
    _log_in(page, live_server.url)
    page.goto(f"{live_server.url}/organization/settings/")
    page.get_by_role("link", name="New API key").focus()
    page.keyboard.press("Enter")
    drawer = page.locator("#drawer")
    expect(drawer.get_by_role("heading", name="New API key")).to_be_visible()
    drawer.get_by_label("Name").focus()
    page.keyboard.type("CRM sync")
    drawer.get_by_label("Reports and mentions: read").focus()
    page.keyboard.press("Space")
    # Submitting without an expiry change keeps the default; Enter in a text field submits.
    drawer.get_by_label("Name").focus()
    page.keyboard.press("Enter")
    token_field = drawer.get_by_test_id("api-key-token")
    expect(token_field).to_be_visible()
    expect(drawer.get_by_text("will not be shown again")).to_be_visible()
    token = token_field.input_value()
    assert token.startswith("mh_")
    request = urllib.request.Request(
        f"{live_server.url}/api/reports", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert json.load(response) == {"items": [], "next_cursor": None}
    drawer.get_by_role("link", name="Done").click()
    keys = page.get_by_test_id("api-keys")
    expect(keys).to_contain_text("CRM sync")
    expect(keys).not_to_contain_text(token)
    assert watch.violations() == []


def test_the_api_docs_render_from_static_files_under_the_policy(live_server, db, watched_page):
    page, watch = watched_page
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server.url}/api/docs")
    # Swagger UI parses a 1.5 MB bundle before it draws anything: on a loaded CI machine that
    # took more than the 10 s every other page gets (a red run), so this wait gets a minute.
    expect(page.get_by_text("Marketing Hunting API").first).to_be_visible(
        timeout=ceiling(60) * 1000
    )
    expect(page.get_by_text("/api/reports/{report_id}").first).to_be_attached()
    expect(page.get_by_role("button", name="Authorize")).to_be_visible()
    assert all(url.startswith(live_server.url) for url in requested), requested
    assert watch.violations() == []
