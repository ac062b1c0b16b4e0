"""The organization settings portal and its audit log in Chromium, at 390 px and 1366 px, by
keyboard: the section links, the audit page's filters, and a deletion request with its banner."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from accounts.audit import audit_record
from accounts.models import AuditAction
from tests.browser.test_drawer_phone_keyboard import DESKTOP, PHONE, open_context_page

pytestmark = pytest.mark.browser


@pytest.fixture(params=[PHONE, DESKTOP], ids=["390px", "1366px"])
def screen(
    request, browser: Browser, live_server, alice, bob, settings, tmp_path
) -> Iterator[Page]:
    settings.ORGANIZATION_EXPORT_DIR = tmp_path
    yield from open_context_page(browser, live_server, request.param)


def fits(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_an_owner_finds_every_section_reads_the_audit_log_and_asks_for_deletion(
    screen, live_server, org_a, alice, bob
):
    audit_record(organization=org_a, actor=bob, action=AuditAction.LOGO_REMOVED, target="logo")
    audit_record(
        organization=org_a,
        actor=alice,
        action=AuditAction.INVITATION_SENT,
        target="dan@example.com",
    )
    screen.goto(f"{live_server.url}/organization/settings/")
    nav = screen.get_by_test_id("portal-nav")
    for name in (
        "Members and roles",
        "Invitations",
        "Plan and usage",
        "Configuration",
        "API keys",
        "Audit log",
        "Deletion",
    ):
        expect(nav.get_by_role("link", name=name)).to_be_visible()
    assert fits(screen)

    nav.get_by_role("link", name="Audit log").focus()
    screen.keyboard.press("Enter")
    section = screen.get_by_test_id("portal-audit")
    expect(section).to_be_in_viewport()
    expect(section).to_contain_text("dan@example.com")
    section.get_by_role("link", name="Open the audit log").focus()
    screen.keyboard.press("Enter")

    expect(screen.get_by_role("heading", level=1, name="Audit log")).to_be_visible()
    table = screen.get_by_test_id("audit-table")
    expect(table.locator("tbody tr")).to_have_count(2)
    screen.get_by_label("Who").focus()
    screen.keyboard.type("bob")
    screen.keyboard.press("Enter")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("Logo removed")
    assert fits(screen)

    screen.goto(f"{live_server.url}/organization/settings/#deletion")
    screen.get_by_role("link", name="Delete this organization…").focus()
    screen.keyboard.press("Enter")
    field = screen.get_by_label("Type the organization's name to confirm")
    field.focus()
    screen.keyboard.type("Organisation A")
    screen.keyboard.press("Enter")
    expect(screen.get_by_text("Type the organization's name exactly as shown")).to_be_visible()
    field = screen.get_by_label("Type the organization's name to confirm")
    field.fill("")
    field.focus()
    screen.keyboard.type("Organization A")
    screen.keyboard.press("Enter")
    expect(screen.get_by_test_id("deletion-banner")).to_be_visible()
    expect(screen.get_by_test_id("deletion-pending")).to_be_visible()
    expect(screen.get_by_test_id("deletion-cancel")).to_be_visible()
    assert fits(screen)
