"""Adding a feed in Chromium: the drawer, "Test feed", saving, and the source switch."""

import pytest
from playwright.sync_api import Page, expect

from feeds.models import Feed
from tests.feeds.builders import rss
from tests.harness.http_server import Reply

pytestmark = pytest.mark.browser

RSS_TYPE = {"Content-Type": "application/rss+xml; charset=utf-8"}
ENTRIES = ["Acme opens a plant in Lyon", "Globex buys Initech", "Umbrella recalls a drug"]


def open_add_feed_drawer(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/feeds/")
    expect(page.get_by_role("heading", name="Feeds", level=1)).to_be_visible()
    page.get_by_role("link", name="Add feed").first.click()
    expect(page.locator("#drawer-root")).to_have_class("drawer-root open")
    expect(page.get_by_role("heading", name="Add a feed")).to_be_visible()


def test_alice_tests_a_feed_then_adds_it(log_in, live_server, http_server, alice, org_a):
    items = [
        {"title": title, "link": http_server.url_for(f"/s{n}")} for n, title in enumerate(ENTRIES)
    ]
    http_server.add_route("/feed.xml", Reply(body=rss(items, title="Wire"), headers=RSS_TYPE))
    feed_url = http_server.url_for("/feed.xml")
    page = log_in("alice")
    open_add_feed_drawer(page, live_server)

    drawer = page.locator(".drawer")
    drawer.get_by_label("Name").fill("Business wire")
    drawer.get_by_label("Feed URL").fill(feed_url)
    drawer.get_by_role("button", name="Test feed").click()

    entries = drawer.locator(".preview-entries li a")
    expect(entries).to_have_text(ENTRIES)
    expect(drawer.locator(".preview")).to_contain_text("“Wire” with 3 entries")
    expect(drawer.get_by_label("Name")).to_have_value("Business wire")
    assert Feed.objects.count() == 0  # Testing saves nothing.

    drawer.locator(".drawer-footer").get_by_role("button", name="Add feed").click()

    expect(page.locator("#drawer-root")).to_be_hidden()
    expect(page.locator(".toast")).to_contain_text("Feed “Business wire” added")
    row = page.locator(".feeds-table tbody tr", has_text="Business wire")
    expect(row).to_contain_text(feed_url)
    expect(row).to_contain_text("new")
    feed = Feed.objects.get()
    assert (feed.organization, feed.name, feed.url) == (org_a, "Business wire", feed_url)


def test_the_source_switch_shows_the_fields_of_each_kind(log_in, live_server, alice):
    page = log_in("alice")
    open_add_feed_drawer(page, live_server)
    drawer = page.locator(".drawer")
    url_field = drawer.get_by_label("Feed URL")
    search_fields = [drawer.get_by_label(label) for label in ("Keywords", "Language", "Country")]

    expect(drawer.get_by_label("Feed address")).to_be_checked()
    expect(url_field).to_be_visible()
    for field in search_fields:
        expect(field).to_be_hidden()

    drawer.get_by_label("Keyword search").check()
    expect(url_field).to_be_hidden()
    for field in search_fields:
        expect(field).to_be_visible()

    drawer.get_by_label("Feed address").check()
    expect(url_field).to_be_visible()
    for field in search_fields:
        expect(field).to_be_hidden()


def test_a_keyword_search_is_added_from_the_drawer(log_in, live_server, alice, org_a):
    page = log_in("alice")
    open_add_feed_drawer(page, live_server)
    drawer = page.locator(".drawer")

    drawer.get_by_label("Name").fill("EV news")
    drawer.get_by_label("Keyword search").check()
    drawer.get_by_label("Keywords").fill("electric cars")
    drawer.get_by_label("Language").fill("en")
    drawer.get_by_label("Country").fill("US")
    drawer.locator(".drawer-footer").get_by_role("button", name="Add feed").click()

    expect(page.locator(".toast")).to_contain_text("Feed “EV news” added")
    feed = Feed.objects.get(organization=org_a)
    assert (feed.kind, feed.keywords, feed.country) == ("search", "electric cars", "US")
