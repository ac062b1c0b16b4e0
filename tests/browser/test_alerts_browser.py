"""Alerts in Chromium, on a phone (390 px) and a laptop (1366 px): an owner adds a rule in
the drawer by keyboard (a malformed webhook URL is refused in place, nothing typed is lost),
and a member finds an alert under the bell, reads its articles, and the count goes."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from reports.alerts.models import AlertKind, AlertRule
from reports.alerts.services import alerts_evaluate
from tests.reports.alert_builders import make_rule, mention_at
from tests.reports.page_data import make_brand

pytestmark = pytest.mark.browser

WIDTHS = [390, 1366]


def no_sideways_scroll(page: Page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_an_owner_adds_an_alert_rule_in_the_drawer_with_the_keyboard(
    log_in, live_server, alice, bob, org_a, width, settings
):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False
    page = log_in("alice")
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server.url}/alerts/rules/")
    expect(page.get_by_role("heading", name="Alert rules", level=1)).to_be_visible()

    new = page.get_by_role("link", name="New alert rule").first
    new.focus()
    page.keyboard.press("Enter")

    drawer = page.get_by_role("dialog")
    expect(drawer.get_by_role("heading", name="New alert rule")).to_be_visible()
    expect(page.locator(".drawer")).to_have_css("transform", "matrix(1, 0, 0, 1, 0, 0)")
    box = page.locator(".drawer").bounding_box()
    assert box["x"] + box["width"] <= width + 1  # The drawer fits the screen.
    name = drawer.get_by_label("Name")
    name.focus()
    page.keyboard.type("Client spikes <b>")
    bob_box = drawer.get_by_label("Bob <bob@example.com>")
    bob_box.focus()
    page.keyboard.press("Space")
    expect(bob_box).to_be_checked()
    url = drawer.get_by_label("Webhook URL")
    url.focus()
    page.keyboard.type("http://127.0.0.1:9/hook")
    page.keyboard.press("Enter")  # Enter in a field submits the form

    error = drawer.locator(".field-webhook_url .field-error")
    expect(error).to_contain_text("127.0.0.1")
    expect(drawer.get_by_label("Name")).to_have_value("Client spikes <b>")
    expect(drawer.get_by_label("Bob <bob@example.com>")).to_be_checked()
    assert not AlertRule.objects.exists()

    url = drawer.get_by_label("Webhook URL")
    url.focus()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    drawer.get_by_role("button", name="Create rule").focus()
    page.keyboard.press("Enter")

    expect(page.locator("#drawer-root")).to_be_hidden()
    expect(page.locator(".toast")).to_contain_text("Alert rule “Client spikes <b>” created.")
    row = page.locator("tbody tr", has_text="Client spikes <b>")
    expect(row).to_contain_text("bob@example.com")
    assert no_sideways_scroll(page)
    rule = AlertRule.objects.get()
    assert list(rule.email_recipients.values_list("username", flat=True)) == ["bob"]


@pytest.mark.parametrize("width", WIDTHS)
def test_a_member_reads_an_alert_from_the_bell(log_in, live_server, alice, bob, org_a, width):
    brand = make_brand(org_a, "Acme <i>Corp</i>")
    now = timezone.now()
    for h in range(1, 6):
        mention_at(brand, now - timedelta(hours=h), title=f"Acme story {h}")
    make_rule(org_a, name="Spikes", kind=AlertKind.SPIKE, min_mentions=5)
    [alert] = alerts_evaluate(organization_id=org_a.pk)

    page = log_in("bob")
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server.url}/")
    bell = page.locator("a.alert-bell")
    expect(bell).to_be_visible()
    expect(bell.locator(".alert-count")).to_have_text("1 unread")
    assert no_sideways_scroll(page)
    bell.focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Alerts", level=1)).to_be_visible()
    item = page.locator(f"#alert-{alert.pk}")
    expect(item).to_contain_text("Acme <i>Corp</i>")  # shown as text, not markup
    expect(item.locator("i")).to_have_count(0)
    assert no_sideways_scroll(page)
    link = item.get_by_role("link", name="Acme <i>Corp</i>")
    link.focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="The articles that caused it (5)")).to_be_visible()
    for h in range(1, 6):
        expect(page.get_by_role("link", name=f"Acme story {h}")).to_be_visible()
    assert no_sideways_scroll(page)
    expect(page.locator("a.alert-bell .alert-count")).to_have_count(0)
