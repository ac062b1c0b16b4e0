"""An owner connects the organization's own LLM in Chromium, at 390 px and 1366 px, by
keyboard: the key is saved, never shown again, and Test connection says it works."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from accounts.llm_connection import connection_for
from tests.accounts.llm_data import ORG_KEY, new_fernet_key
from tests.browser.test_drawer_phone_keyboard import DESKTOP, PHONE, open_context_page
from tests.harness.openai_server import FakeOpenAIServer

pytestmark = pytest.mark.browser


@pytest.fixture(params=[PHONE, DESKTOP], ids=["390px", "1366px"])
def screen(request, browser: Browser, live_server, alice, settings) -> Iterator[Page]:
    settings.FIELD_ENCRYPTION_KEYS = [new_fernet_key()]
    yield from open_context_page(browser, live_server, request.param)


def fits(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_an_owner_connects_and_tests_the_orgs_own_llm_by_keyboard(screen, live_server, org_a):
    with FakeOpenAIServer() as server:
        screen.goto(f"{live_server.url}/organization/settings/")
        screen.get_by_role("link", name="Edit LLM connection").focus()
        screen.keyboard.press("Enter")
        drawer = screen.locator("#drawer")
        # The drawer puts focus on its first field, the checked choice; an arrow picks the next.
        expect(drawer.get_by_label("The installation's LLM connection")).to_be_focused()
        screen.keyboard.press("ArrowDown")
        expect(drawer.get_by_label("This organization's own LLM connection")).to_be_checked()
        screen.keyboard.press("Tab")
        expect(drawer.get_by_label("Base URL")).to_be_focused()
        screen.keyboard.type(server.base_url)
        screen.keyboard.press("Tab")
        screen.keyboard.type("org-model")
        screen.keyboard.press("Tab")
        expect(drawer.get_by_label("API key")).to_be_focused()
        screen.keyboard.type(ORG_KEY)
        drawer.get_by_role("button", name="Save").focus()
        screen.keyboard.press("Enter")

        expect(screen.locator("#toasts").get_by_text("LLM connection saved")).to_be_visible()
        card = screen.get_by_test_id("llm-connection")
        expect(card.get_by_test_id("llm-key")).to_contain_text("ends in abcd")
        assert ORG_KEY not in screen.content()
        assert fits(screen)

        card.get_by_role("button", name="Test connection").focus()
        screen.keyboard.press("Enter")

        toasts = screen.locator("#toasts")
        expect(toasts.get_by_text("Connected: this organization's own connection")).to_be_visible()
        expect(screen.get_by_test_id("llm-test")).to_contain_text("works")
        assert len(server.requests) == 1
        assert fits(screen)
    assert connection_for(org_a).api_key == ORG_KEY
