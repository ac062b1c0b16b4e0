"""Digests in Chromium, on a phone (390 px) and a laptop (1366 px), by keyboard: a member
builds a template in the drawer and watches the live preview follow the sections (a template
with no section is refused in place), then schedules a weekly digest of it."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from reports.digests.models import DigestSubscription, DigestTemplate
from tests.reports.alert_builders import mention_at
from tests.reports.page_data import make_brand

pytestmark = pytest.mark.browser

WIDTHS = [390, 1366]


def no_sideways_scroll(page: Page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def toggle(page: Page, drawer, label: str) -> None:
    drawer.get_by_label(label, exact=True).focus()
    page.keyboard.press("Space")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_member_builds_a_template_with_a_live_preview_and_schedules_it(
    log_in, live_server, alice, bob, org_a, width
):
    brand = make_brand(org_a, "Acme <i>Corp</i>")
    for hours in (2, 20):
        mention_at(brand, timezone.now() - timedelta(hours=hours), title=f"Acme story {hours}")
    page = log_in("bob")
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server.url}/digests/")
    expect(page.get_by_role("heading", name="Email digests", level=1)).to_be_visible()

    page.get_by_role("link", name="New template").first.focus()
    page.keyboard.press("Enter")
    drawer = page.get_by_role("dialog")
    expect(drawer.get_by_role("heading", name="New digest template")).to_be_visible()
    expect(page.locator(".drawer")).to_have_css("transform", "matrix(1, 0, 0, 1, 0, 0)")
    box = page.locator(".drawer").bounding_box()
    assert box["x"] + box["width"] <= width + 1

    drawer.get_by_label("Name").focus()
    page.keyboard.type("Monday <b>brief</b>")
    # Every section is ticked at first; untick them all: the preview says why it is empty.
    for label in (
        "Headline numbers",
        "Top brands",
        "Movers",
        "Tracked-brand mentions",
        "Sentiment",
        "New contacts",
    ):
        toggle(page, drawer, label)
    preview = drawer.locator("#digest-preview")
    expect(preview).to_contain_text("Choose at least one section")
    drawer.get_by_role("button", name="Create template").focus()
    page.keyboard.press("Enter")
    expect(drawer.locator(".field-sections .field-error")).to_contain_text(
        "Choose at least one section"
    )
    expect(drawer.get_by_label("Name")).to_have_value("Monday <b>brief</b>")
    assert not DigestTemplate.objects.exists()

    # Focus goes to the field in error, as for every drawer form; then the keyboard goes on.
    expect(drawer.get_by_label("Headline numbers", exact=True)).to_be_focused()
    # htmx attaches the new preview's triggers as the swap settles (20 ms): a person is
    # slower than that, a test under load need not be.
    expect(page.locator(".htmx-settling, .htmx-swapping")).to_have_count(0)
    toggle(page, drawer, "Top brands")
    expect(drawer.get_by_label("Top brands", exact=True)).to_be_checked()
    expect(preview.locator("svg.hbar-chart")).to_be_visible()
    expect(preview).to_contain_text("Acme <i>Corp</i>")  # text, never markup
    expect(preview.locator("i")).to_have_count(0)
    toggle(page, drawer, "Tracked-brand mentions")
    expect(preview.get_by_role("link", name="Acme story 2", exact=True)).to_be_visible()
    drawer.get_by_role("button", name="Create template").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#drawer-root")).to_be_hidden()
    expect(page.locator(".toast")).to_contain_text("“Monday <b>brief</b>” saved")
    assert no_sideways_scroll(page)

    page.get_by_role("link", name="New digest schedule").first.focus()
    page.keyboard.press("Enter")
    expect(drawer.get_by_role("heading", name="New digest schedule")).to_be_visible()
    drawer.get_by_label("Frequency").select_option("weekly")
    drawer.get_by_label("Local time").fill("07:30")
    toggle(page, drawer, "Attach the digest as PDF")
    drawer.get_by_role("button", name="Create schedule").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#drawer-root")).to_be_hidden()
    row = page.locator("tbody tr", has_text="Monday <b>brief</b>")
    expect(row).to_contain_text("at 07:30")
    expect(row).to_contain_text("PDF attached")
    assert no_sideways_scroll(page)
    subscription = DigestSubscription.objects.get()
    assert subscription.user == bob and subscription.attach_pdf
