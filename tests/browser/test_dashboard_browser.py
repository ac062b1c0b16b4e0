"""The dashboard in Chromium at phone and desktop widths: review a mention from the briefing,
and the getting-started checklist of a new organization."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from reports.models import BrandStatus, ReviewStatus
from tests.reports.page_data import add_mention, make_article, make_brand, make_feed, make_report

pytestmark = pytest.mark.browser

WIDTHS = [390, 1366]


def fits(page: Page, width: int) -> None:
    """Nothing stretches the page sideways (a phone would scroll or zoom out)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.fixture
def queue(org_a):
    when = timezone.now() - timedelta(hours=6)
    mentions = []
    for n, name in enumerate(("Acme Corp", "Globex")):
        brand = make_brand(org_a, name, status=BrandStatus.UNREVIEWED)
        article = make_article(
            org_a, f"/story{n}", published_at=when, title=f"{name} opens a very long named plant"
        )
        mentions.append(add_mention(make_report(article), brand, mentioned_at=when))
    make_feed(org_a)  # the checklist's first step is done
    return mentions


@pytest.mark.parametrize("width", WIDTHS)
def test_alice_reviews_mentions_from_the_dashboard_without_a_reload(
    log_in, live_server, alice, queue, width
):
    acme, globex = queue
    page = log_in("alice")
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server.url}/")
    page.evaluate("window.__sameDocument = true")
    review = page.locator("section", has=page.get_by_role("heading", name="Waiting for review"))
    expect(review).to_be_visible()
    fits(page, width)

    item = page.locator(f"#review-{acme.pk}")
    item.get_by_role("button", name="Confirm").click()

    expect(item.locator(".badge")).to_have_text("Confirmed")
    expect(item.get_by_role("button")).to_have_count(0)
    expect(page.locator(".toast")).to_contain_text("Confirmed: the article names “Acme Corp”.")

    other = page.locator(f"#review-{globex.pk}")
    other.get_by_role("button", name="Reject").click()

    expect(other.locator(".badge")).to_have_text("Rejected")
    expect(other.locator(".review-text")).to_have_css("text-decoration-line", "line-through")
    assert page.evaluate("window.__sameDocument") is True
    fits(page, width)
    acme.refresh_from_db()
    globex.refresh_from_db()
    assert (acme.review_status, globex.review_status) == (
        ReviewStatus.CONFIRMED,
        ReviewStatus.REJECTED,
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_a_new_organization_follows_the_checklist_and_can_hide_it(
    log_in, live_server, alice, queue, width, settings
):
    settings.OPENAI_API_KEY = ""
    settings.OPENAI_BASE_URL = ""
    page = log_in("alice")
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server.url}/")

    checklist = page.locator("section.getting-started")
    expect(checklist).to_contain_text("1 of 5 done")
    expect(checklist.locator("[data-step=feeds]")).to_have_class("checklist-step is-done")
    fits(page, width)

    checklist.get_by_role("link", name="Track the brands you watch").click()
    expect(page).to_have_url(f"{live_server.url}/brands/?status=tracked")
    page.go_back()
    expect(checklist).to_be_visible()

    checklist.get_by_role("button", name="Hide this checklist for the organization").click()

    expect(page.locator(".toast")).to_contain_text("checklist is hidden")
    expect(page.locator("section.getting-started")).to_have_count(0)
