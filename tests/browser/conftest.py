from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD


@pytest.fixture
def log_in(live_server, page: Page) -> Callable[[str], Page]:
    """Log in through the real login form, as a person would."""

    def do(username: str) -> Page:
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        return page

    return do
