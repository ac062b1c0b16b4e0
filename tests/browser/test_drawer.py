"""The shared slide-out drawer, driven in Chromium through organization settings."""

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Invitation, Organization

pytestmark = pytest.mark.browser


def open_edit_drawer(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/organization/settings/")
    page.get_by_role("link", name="Edit organization").click()
    expect(page.locator("#drawer-root")).to_have_class("drawer-root open")
    expect(page.get_by_role("dialog")).to_be_visible()


def drawer_width_ratio(page: Page) -> float:
    box = page.locator(".drawer").bounding_box()
    return box["width"] / page.viewport_size["width"]


def test_the_drawer_slides_in_from_the_right_over_the_page(log_in, live_server, alice):
    page = log_in("alice")
    open_edit_drawer(page, live_server)

    drawer = page.locator(".drawer")
    # Fully in view at the right edge, with the page still visible behind the backdrop.
    expect(drawer).to_have_css("transform", "matrix(1, 0, 0, 1, 0, 0)")
    box = drawer.bounding_box()
    assert box["x"] + box["width"] == pytest.approx(page.viewport_size["width"], abs=1)
    expect(page.get_by_role("heading", name="Organization settings")).to_be_visible()
    assert drawer_width_ratio(page) == pytest.approx(0.45, abs=0.01)
    # Save and Cancel are pinned to the bottom of the drawer.
    footer = page.locator(".drawer-footer").bounding_box()
    assert footer["y"] + footer["height"] == pytest.approx(box["y"] + box["height"], abs=1)
    expect(page.get_by_label("Name")).to_be_focused()


@pytest.mark.parametrize("how", ["escape", "backdrop", "cancel", "close button"])
def test_the_drawer_closes_without_saving(log_in, live_server, alice, org_a, how):
    page = log_in("alice")
    open_edit_drawer(page, live_server)
    page.get_by_label("Name").fill("Not saved")
    # Typed input is unsaved: the drawer asks before it drops it; here the answer is yes.
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))

    if how == "escape":
        page.keyboard.press("Escape")
    elif how == "backdrop":
        page.mouse.click(20, 400)  # Outside the drawer, on the dimmed page.
    elif how == "cancel":
        page.get_by_role("link", name="Cancel").click()
    else:
        page.get_by_role("link", name="Close").click()

    expect(page.locator("#drawer-root")).to_be_hidden()
    expect(page.locator("#drawer")).to_be_empty()
    assert asked == ["Discard the changes you made in this form?"]
    org_a.refresh_from_db()
    assert org_a.name == "Organization A"


def test_closing_before_the_slide_in_starts_leaves_the_drawer_closed(log_in, live_server, alice):
    # A close in the same frame as the open: the slide-in has not started, so no transition
    # runs and no transitionend arrives. The drawer must still close, and stay closed when
    # the pending slide-in frame comes round (it used to reopen and stay open).
    page = log_in("alice")
    page.goto(f"{live_server.url}/organization/settings/")
    page.evaluate(
        """() => {
            document.getElementById("drawer").innerHTML = "<p>Opened and closed at once</p>";
            window.MarketingHunting.openDrawer();
            window.MarketingHunting.closeDrawer();
        }"""
    )

    expect(page.locator("#drawer-root")).to_be_hidden()
    expect(page.locator("#drawer")).to_be_empty()
    expect(page.locator("#drawer-root")).not_to_have_class("drawer-root open")


def test_escape_while_the_drawer_slides_in_still_closes_it(log_in, live_server, alice):
    page = log_in("alice")
    page.goto(f"{live_server.url}/organization/settings/")
    page.get_by_role("link", name="Edit organization").click()
    page.locator("#drawer-root.open").wait_for(state="attached")
    page.keyboard.press("Escape")  # Mid-transition, or before it started: either must close.

    expect(page.locator("#drawer-root")).to_be_hidden()
    expect(page.locator("#drawer")).to_be_empty()


def test_a_form_with_errors_stays_in_the_drawer_keeping_what_was_typed(
    log_in, live_server, alice, org_a
):
    page = log_in("alice")
    open_edit_drawer(page, live_server)
    page.get_by_label("Name").fill("   ")
    page.get_by_label("Time zone").select_option("Europe/Paris")
    page.get_by_role("button", name="Save").click()

    error = page.locator(".drawer .field.has-error .field-error")
    expect(error).to_have_text("This field is required.")
    expect(page.get_by_label("Name")).to_have_value("   ")
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Paris")
    expect(page.locator("#drawer-root")).to_have_class("drawer-root open")
    org_a.refresh_from_db()
    assert (org_a.name, org_a.time_zone) == ("Organization A", "UTC")


def test_saving_closes_the_drawer_updates_the_page_and_shows_a_toast(
    log_in, live_server, alice, org_a
):
    page = log_in("alice")
    open_edit_drawer(page, live_server)
    page.get_by_label("Name").fill("Acme PR Team")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_test_id("org-name")).to_have_text("Acme PR Team")
    expect(page.locator(".toast")).to_contain_text("Organization settings saved.")
    expect(page.locator("#drawer-root")).to_be_hidden()
    assert Organization.objects.get(pk=org_a.pk).name == "Acme PR Team"


def test_inviting_a_member_from_the_drawer(log_in, live_server, alice, org_a, mailoutbox):
    page = log_in("alice")
    page.goto(f"{live_server.url}/organization/settings/")
    page.get_by_role("link", name="Invite member").click()
    # In the drawer: the page's "Members and roles" section is labelled "…roles" too.
    drawer = page.locator("#drawer")
    drawer.get_by_label("Email").fill("dora@example.com")
    drawer.get_by_label("Role").select_option("admin")
    page.get_by_role("button", name="Send invitation").click()

    expect(page.locator(".toast")).to_contain_text("Invitation sent to dora@example.com.")
    expect(page.get_by_role("cell", name="dora@example.com")).to_be_visible()
    invitation = Invitation.objects.get(organization=org_a)
    assert (invitation.email, invitation.role) == ("dora@example.com", "admin")
    assert invitation.get_absolute_url() in mailoutbox[0].body


@pytest.mark.parametrize("width, ratio", [(1440, 0.45), (900, 0.85), (375, 1.0)])
def test_the_drawer_width_follows_the_screen(log_in, live_server, alice, width, ratio):
    page = log_in("alice")
    page.set_viewport_size({"width": width, "height": 800})
    open_edit_drawer(page, live_server)

    assert drawer_width_ratio(page) == pytest.approx(ratio, abs=0.01)


def test_without_javascript_the_form_is_a_page_of_its_own(browser, live_server, alice, org_a):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Username").fill("alice")
        page.get_by_label("Password").fill("correct horse battery staple")
        page.get_by_role("button", name="Log in").click()
        page.goto(f"{live_server.url}/organization/settings/")
        page.get_by_role("link", name="Edit organization").click()

        assert page.url.endswith("/organization/settings/edit/")
        page.get_by_label("Name").fill("Plain HTML Works")
        page.get_by_role("button", name="Save").click()

        expect(page.get_by_test_id("org-name")).to_have_text("Plain HTML Works")
    finally:
        context.close()
