"""A machine without internet: the feeds page says "offline?" once, not an error per feed."""

import pytest
from django.urls import reverse
from lxml import html

from feeds.models import Feed, FetchStatus
from feeds.services.refresh import feed_refresh
from tests.feeds.builders import make_feed

pytestmark = pytest.mark.django_db

OFFLINE = "No feed could be reached: is this machine offline?"


def page(client):
    return html.fromstring(client.get(reverse("feeds:list")).content.decode())


def unreachable(org, name: str) -> Feed:
    # .invalid never resolves (RFC 2606): a real refresh fails as it does without a network.
    feed = make_feed(org, f"https://{name}.invalid/rss", name=name)
    feed_refresh(feed=feed)
    feed.refresh_from_db()
    return feed


def test_every_enabled_feed_unreachable_says_offline_once_and_keeps_the_details(
    client_for, alice, org_a
):
    feeds = [unreachable(org_a, name) for name in ("wire", "daily", "weekly")]
    assert all(f.last_status == FetchStatus.ERROR and f.unreachable for f in feeds)
    make_feed(org_a, "https://off.invalid/rss", name="Off", enabled=False)

    doc = page(client_for(alice))

    body = " ".join(doc.text_content().split())
    assert body.count(OFFLINE) == 1
    assert not doc.xpath("//span[contains(@class, 'badge') and contains(@class, 'error')]")
    assert not doc.xpath("//div[contains(@class, 'field-error')]")
    details = doc.xpath("//details[contains(@class, 'feed-error-details')]")
    assert [" ".join(d.text_content().split()) for d in details] == [
        "Details could not resolve host daily.invalid",
        "Details could not resolve host weekly.invalid",
        "Details could not resolve host wire.invalid",
    ]


def test_one_reachable_feed_means_the_errors_are_the_feeds_own(client_for, alice, org_a):
    unreachable(org_a, "wire")
    working = make_feed(org_a, "https://fine.example/rss", name="Fine")
    working.last_status = FetchStatus.OK
    working.save()

    doc = page(client_for(alice))

    assert OFFLINE not in doc.text_content()
    assert doc.xpath("//div[contains(@class, 'field-error')]/text()") == [
        "could not resolve host wire.invalid"
    ]


def test_a_server_error_on_every_feed_is_not_called_offline(client_for, alice, org_a):
    feed = make_feed(org_a, "https://wire.example/rss", name="Wire")
    feed.last_status, feed.last_error = FetchStatus.ERROR, "HTTP 503 (service unavailable)"
    feed.save()

    assert OFFLINE not in page(client_for(alice)).text_content()


def test_new_feeds_never_fetched_are_not_called_offline(client_for, alice, org_a):
    make_feed(org_a, "https://wire.example/rss", name="Wire")

    assert OFFLINE not in page(client_for(alice)).text_content()


def test_the_dashboards_failing_feeds_link_lists_only_the_enabled_failing_feeds(
    client_for, alice, org_a
):
    unreachable(org_a, "wire")
    fine = make_feed(org_a, "https://fine.example/rss", name="Fine")
    fine.last_status = FetchStatus.OK
    fine.save()
    off = make_feed(org_a, "https://off.example/rss", name="Off", enabled=False)
    off.last_status = FetchStatus.ERROR
    off.save()
    client = client_for(alice)

    doc = html.fromstring(client.get(reverse("feeds:list"), {"status": "failing"}).content)

    assert doc.xpath("//tbody/tr//strong/text()") == ["wire"]
    assert "Showing the enabled feeds whose last fetch failed (1)." in doc.text_content()


def test_with_no_failing_feed_the_filter_says_so_and_an_unknown_value_shows_all(
    client_for, alice, org_a
):
    make_feed(org_a, "https://fine.example/rss", name="Fine")
    client = client_for(alice)

    failing = client.get(reverse("feeds:list"), {"status": "failing"}).content.decode()
    assert "No feed is failing" in failing and "No feeds yet" not in failing
    anything = html.fromstring(client.get(reverse("feeds:list"), {"status": "<x>"}).content)
    assert anything.xpath("//tbody/tr//strong/text()") == ["Fine"]
