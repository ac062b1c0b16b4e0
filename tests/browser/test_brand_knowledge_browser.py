"""The brand page's Wikidata link and the Brands page's knowledge-base line, phone and desktop."""

import pytest
from playwright.sync_api import expect

from tests.reports.page_data import make_brand

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [390, 1366])
def test_a_linked_brand_shows_its_wikidata_link_at_every_width(
    log_in, live_server, alice, org_a, width
):
    brand = make_brand(
        org_a,
        "Tesco",
        wikidata_id="Q487494",
        website="https://www.tescoplc.com/investors/reports-results-and-presentations/",
    )
    page = log_in("alice")
    page.set_viewport_size({"width": width, "height": 800})

    page.goto(f"{live_server.url}{brand.get_absolute_url()}")

    link = page.get_by_role("link", name="Wikidata Q487494")
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", "https://www.wikidata.org/wiki/Q487494")
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [390, 1366])
def test_the_brands_page_says_whether_a_knowledge_base_is_loaded(
    log_in, live_server, alice, org_a, width
):
    make_brand(org_a, "Tesco")
    page = log_in("alice")
    page.set_viewport_size({"width": width, "height": 800})

    page.goto(f"{live_server.url}/brands/")

    expect(page.get_by_text("The brand knowledge base is not loaded")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
