"""The base layout at phone and desktop widths."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_at_desktop_width_the_navigation_is_always_visible(log_in, alice):
    page = log_in("alice")

    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Dashboard")).to_be_visible()
    expect(nav.get_by_role("link", name="Feeds")).to_be_visible()
    expect(page.get_by_text("Menu")).to_be_hidden()


def test_at_phone_width_the_menu_button_reveals_the_navigation(log_in, alice):
    page = log_in("alice")
    page.set_viewport_size({"width": 375, "height": 740})

    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_be_hidden()
    page.get_by_text("Menu").click()
    expect(nav.get_by_role("link", name="Feeds")).to_be_visible()
    # Nothing overflows sideways at 375 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_the_organization_switcher_changes_the_current_organization(
    log_in, live_server, alice, org_b, charlie
):
    from accounts.models import Membership

    Membership.objects.create(organization=org_b, user=alice, role="member")
    page = log_in("alice")
    expect(page.get_by_role("heading", level=1)).to_have_text("Organization A")

    page.get_by_label("Organization").select_option(label="Organization B")

    expect(page.get_by_role("heading", level=1)).to_have_text("Organization B")
    expect(page.locator(".toast")).to_contain_text("Switched to Organization B.")


def test_messages_appear_as_toasts_that_can_be_dismissed(
    log_in, live_server, alice, org_b, charlie
):
    from accounts.models import Membership

    Membership.objects.create(organization=org_b, user=alice, role="member")
    page = log_in("alice")
    page.get_by_label("Organization").select_option(label="Organization B")
    toast = page.locator(".toast")
    expect(toast).to_be_visible()

    toast.get_by_role("button", name="Dismiss").click()

    expect(toast).to_have_count(0)


@pytest.mark.parametrize(
    "path", ["/contacts/", "/contacts/suggestions/", "/contacts/drafts/", "/contacts/privacy/"]
)
def test_the_contacts_pages_fit_a_phone_screen(log_in, live_server, alice, path):
    page = log_in("alice")
    page.set_viewport_size({"width": 375, "height": 740})

    page.goto(f"{live_server.url}{path}")

    expect(page.get_by_role("navigation", name="Contacts sections")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
