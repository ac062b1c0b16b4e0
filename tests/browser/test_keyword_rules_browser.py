"""The keyword rule drawer in Chromium: live preview as the user types, errors in place, and
the whole thing usable from the keyboard, on a phone and on a laptop."""

import pytest
from playwright.sync_api import expect

from reports.models import KeywordRule
from tests.reports.analysis_data import make_article

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [390, 1366])
def test_a_rule_is_written_with_a_live_preview_using_only_the_keyboard(
    log_in, live_server, alice, org_a, width
):
    make_article(org_a, n=1, title="Tesla recalls 300,000 cars", text="Tesla issued a recall.")
    make_article(org_a, n=2, title="Tesla sales rise", text="Tesla sold more cars in Europe.")
    make_article(org_a, n=3, title="Bakery prices", text="Bread got dearer.")
    page = log_in("alice")
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server.url}/reports/rules/")

    page.get_by_role("link", name="New rule").first.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#drawer-root")).to_have_class("drawer-root open")
    expect(page.get_by_label("Name")).to_be_focused()
    page.keyboard.type("Tesla without recalls")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Analyse only articles matching")).to_be_focused()
    preview = page.locator("#drawer #rule-preview")

    page.keyboard.type("tesla AND")
    expect(preview.locator(".field-error")).to_contain_text(
        "AND needs a term after it (position 7)"
    )
    page.keyboard.type(" NOT recall*")
    expect(preview).to_contain_text("This rule matched 1 of the last 3 articles")
    expect(preview).to_contain_text("Tesla sales rise")
    expect(preview).not_to_contain_text("Tesla recalls")
    expect(preview.locator(".field-error")).to_have_count(0)

    # The preview settles (it asks again only when the form changes), inside the drawer,
    # and the drawer inside the screen.
    expect(preview).not_to_have_class("htmx-request")
    drawer = page.locator(".drawer").bounding_box()
    box = preview.bounding_box()
    assert drawer["x"] >= 0 and drawer["x"] + drawer["width"] <= width + 1
    assert box["x"] >= drawer["x"] and box["x"] + box["width"] <= drawer["x"] + drawer["width"]

    page.get_by_role("button", name="Create rule").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#drawer-root")).to_be_hidden()
    expect(page.locator(".rules-table")).to_contain_text("tesla AND NOT recall*")
    rule = KeywordRule.objects.get()
    assert (rule.name, rule.include) == ("Tesla without recalls", "tesla AND NOT recall*")
