"""feed_refresh against a real local HTTP server: new entries, conditional GET, errors."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from feeds.models import Article, ArticleFeed, FetchStatus
from feeds.parsing import parse_feed
from feeds.services.refresh import feed_refresh, store_entries
from tests.feeds.builders import make_feed, rss
from tests.harness.dribble_server import HeaderDribbleServer
from tests.harness.http_server import Reply, gzip_reply, redirect

pytestmark = pytest.mark.django_db

RSS_TYPE = {"Content-Type": "application/rss+xml; charset=utf-8"}


def items(server, count: int, prefix: str = "story") -> list[dict[str, str]]:
    return [
        {"title": f"Story {n}", "link": server.url_for(f"/{prefix}-{n}?utm_source=rss&id={n}")}
        for n in range(count)
    ]


def test_a_new_feed_stores_its_entries_under_canonical_urls(http_server, org_a):
    http_server.add_route("/feed.xml", Reply(body=rss(items(http_server, 3)), headers=RSS_TYPE))
    feed = make_feed(org_a, http_server.url_for("/feed.xml"))

    result = feed_refresh(feed=feed)

    assert result.status == FetchStatus.OK
    assert len(result.new_article_ids) == 3
    urls = sorted(Article.objects.values_list("canonical_url", flat=True))
    assert urls[0] == http_server.url_for("/story-0?id=0")  # utm_source removed
    feed.refresh_from_db()
    assert (feed.kind, feed.last_status, feed.consecutive_failures) == ("rss", "ok", 0)
    assert feed.next_fetch_at > timezone.now()
    assert set(ArticleFeed.objects.values_list("feed_id", flat=True)) == {feed.pk}


def test_refreshing_again_is_idempotent(http_server, org_a):
    http_server.add_route("/feed.xml", Reply(body=rss(items(http_server, 3)), headers=RSS_TYPE))
    feed = make_feed(org_a, http_server.url_for("/feed.xml"))

    feed_refresh(feed=feed)
    second = feed_refresh(feed=feed)

    assert second.new_article_ids == []
    assert Article.objects.count() == 3
    assert ArticleFeed.objects.count() == 3


def test_a_304_not_modified_does_no_article_work(http_server, org_a, django_assert_max_num_queries):
    headers = {**RSS_TYPE, "ETag": '"v1"', "Last-Modified": "Tue, 01 Dec 2026 10:00:00 GMT"}
    http_server.add_route(
        "/feed.xml", Reply(body=rss(items(http_server, 2)), headers=headers), Reply(status=304)
    )
    feed = make_feed(org_a, http_server.url_for("/feed.xml"))
    feed_refresh(feed=feed)

    with django_assert_max_num_queries(1):  # Only the feed's own state is written.
        result = feed_refresh(feed=feed)

    assert result.status == FetchStatus.NOT_MODIFIED
    sent = http_server.requests_to("/feed.xml")[-1].headers
    assert sent["if-none-match"] == '"v1"'
    assert sent["if-modified-since"] == "Tue, 01 Dec 2026 10:00:00 GMT"
    feed.refresh_from_db()
    assert feed.etag == '"v1"'


def test_one_story_in_two_feeds_is_one_article_seen_in_both(http_server, org_a):
    shared = {"title": "Shared", "link": http_server.url_for("/shared?fbclid=abc")}
    http_server.add_route("/a.xml", Reply(body=rss([shared]), headers=RSS_TYPE))
    http_server.add_route("/b.xml", Reply(body=rss([shared]), headers=RSS_TYPE))
    feed_a = make_feed(org_a, http_server.url_for("/a.xml"), name="A")
    feed_b = make_feed(org_a, http_server.url_for("/b.xml"), name="B")

    feed_refresh(feed=feed_a)
    feed_refresh(feed=feed_b)

    article = Article.objects.get()
    assert set(article.feeds.values_list("name", flat=True)) == {"A", "B"}


def test_organizations_do_not_share_articles(http_server, org_a, org_b):
    http_server.add_route("/feed.xml", Reply(body=rss(items(http_server, 2)), headers=RSS_TYPE))
    feed_refresh(feed=make_feed(org_a, http_server.url_for("/feed.xml")))
    feed_refresh(feed=make_feed(org_b, http_server.url_for("/feed.xml")))

    assert Article.objects.filter(organization=org_a).count() == 2
    assert Article.objects.filter(organization=org_b).count() == 2


def test_storing_entries_takes_a_fixed_number_of_queries(
    http_server, org_a, django_assert_max_num_queries
):
    body = rss(items(http_server, 50)).encode()
    feed = make_feed(org_a, http_server.url_for("/feed.xml"))
    parsed = parse_feed(body, url=feed.url)

    with django_assert_max_num_queries(4):
        new_ids = store_entries(feed, parsed.entries)

    assert len(new_ids) == 50


def test_max_articles_per_run_bounds_a_huge_feed(http_server, org_a):
    http_server.add_route(
        "/huge.xml", Reply(body=rss(items(http_server, 10_000)), headers=RSS_TYPE)
    )
    feed = make_feed(org_a, http_server.url_for("/huge.xml"), max_articles_per_run=25)

    result = feed_refresh(feed=feed)

    assert len(result.new_article_ids) == 25
    assert Article.objects.count() == 25


@pytest.mark.parametrize(
    "status, expected",
    [
        (404, "The server answered 404 Not Found."),
        (410, "The server answered 410 Gone. The feed was removed for good"),
        (500, "The server answered 500 Internal Server Error."),
    ],
)
def test_an_http_error_is_recorded_with_backoff_and_nothing_is_lost(
    http_server, org_a, status, expected
):
    http_server.add_route("/ok.xml", Reply(body=rss(items(http_server, 1)), headers=RSS_TYPE))
    healthy = make_feed(org_a, http_server.url_for("/ok.xml"), name="Healthy")
    feed_refresh(feed=healthy)
    http_server.add_route("/broken.xml", Reply(status=status, body="nope"))
    broken = make_feed(org_a, http_server.url_for("/broken.xml"), name="Broken")

    first = feed_refresh(feed=broken)
    broken.refresh_from_db()
    first_delay = broken.next_fetch_at - broken.last_fetched_at
    feed_refresh(feed=broken)
    broken.refresh_from_db()
    second_delay = broken.next_fetch_at - broken.last_fetched_at

    assert first.failed and first.error.startswith(expected)
    assert broken.last_status == FetchStatus.ERROR
    assert broken.last_http_status == status
    assert broken.consecutive_failures == 2
    assert second_delay == 2 * first_delay  # Exponential backoff.
    healthy.refresh_from_db()
    assert healthy.last_status == FetchStatus.OK
    assert Article.objects.count() == 1


def test_a_429_with_retry_after_is_honoured(http_server, org_a):
    http_server.add_route("/busy.xml", Reply(status=429, headers={"Retry-After": "3600"}))
    feed = make_feed(org_a, http_server.url_for("/busy.xml"))

    feed_refresh(feed=feed)

    feed.refresh_from_db()
    assert feed.next_fetch_at - feed.last_fetched_at == timedelta(hours=1)
    assert "slow down" in feed.last_error


def test_cache_control_max_age_and_ttl_set_the_next_fetch_within_bounds(http_server, org_a):
    http_server.add_route(
        "/cached.xml",
        Reply(
            body=rss(items(http_server, 1)), headers={**RSS_TYPE, "Cache-Control": "max-age=7200"}
        ),
    )
    http_server.add_route(
        "/ttl.xml", Reply(body=rss(items(http_server, 1, "t"), ttl=1), headers=RSS_TYPE)
    )
    cached = make_feed(org_a, http_server.url_for("/cached.xml"), name="Cached")
    with_ttl = make_feed(org_a, http_server.url_for("/ttl.xml"), name="TTL")

    feed_refresh(feed=cached)
    feed_refresh(feed=with_ttl)

    cached.refresh_from_db()
    with_ttl.refresh_from_db()
    assert cached.next_fetch_at - cached.last_fetched_at == timedelta(hours=2)
    # A one-minute <ttl> is raised to the five-minute floor.
    assert with_ttl.next_fetch_at - with_ttl.last_fetched_at == timedelta(minutes=5)


def test_a_timeout_is_recorded_as_an_error(http_server, org_a):
    http_server.add_route("/slow.xml", Reply(body=rss([]), delay=3))
    feed = make_feed(org_a, http_server.url_for("/slow.xml"), fetch_timeout=1)

    result = feed_refresh(feed=feed)

    assert result.failed
    assert "timed out" in result.error


def test_a_feed_dribbling_its_headers_times_out_at_its_fetch_timeout(org_a):
    # A header byte a second never trips a per-read timeout: fetch_timeout is a wall clock.
    with HeaderDribbleServer(byte_delay=1.0, max_bytes=12) as server:
        feed = make_feed(org_a, server.url_for("/feed.xml"), fetch_timeout=2)
        started = time.monotonic()
        result = feed_refresh(feed=feed)
        elapsed = time.monotonic() - started

    assert result.failed and result.error == "timed out after 2 s"
    assert 1.9 <= elapsed < 2.6


def test_a_dead_host_is_recorded_as_an_error(org_a):
    feed = make_feed(org_a, "http://127.0.0.1:9/feed.xml")

    result = feed_refresh(feed=feed)

    assert result.failed and "refused" in result.error
    assert Article.objects.count() == 0


def test_a_malformed_feed_keeps_its_valid_entries_and_warns(http_server, org_a):
    good = rss(items(http_server, 2))
    broken = good.replace("</channel></rss>", "<item><title>Half</title><link>oops</channel>")
    http_server.add_route("/bad.xml", Reply(body=broken, headers=RSS_TYPE))
    feed = make_feed(org_a, http_server.url_for("/bad.xml"))

    result = feed_refresh(feed=feed)

    assert result.status == FetchStatus.OK
    assert len(result.new_article_ids) == 2
    feed.refresh_from_db()
    assert "not well-formed" in feed.last_warning


def test_a_billion_laughs_feed_is_not_expanded(http_server, org_a):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;">'
        '<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;">]>'
        '<rss version="2.0"><channel><title>&f;</title><item><title>&f;</title>'
        f"<link>{http_server.url_for('/x')}</link></item></channel></rss>"
    )
    http_server.add_route("/bomb.xml", Reply(body=bomb, headers=RSS_TYPE))
    feed = make_feed(org_a, http_server.url_for("/bomb.xml"))

    feed_refresh(feed=feed)

    assert not Article.objects.filter(title__contains="hahaha").exists()


def test_an_html_page_names_the_feeds_it_advertises(http_server, org_a):
    page = (
        "<!doctype html><html><head><title>News</title>"
        '<link rel="alternate" type="application/rss+xml" title="All news" href="/rss.xml">'
        "</head><body>Hello</body></html>"
    )
    http_server.add_route("/", Reply(body=page, headers={"Content-Type": "text/html"}))
    feed = make_feed(org_a, http_server.url + "/")

    result = feed_refresh(feed=feed)

    assert result.failed
    assert "web page, not a feed" in result.error
    assert http_server.url_for("/rss.xml") in result.error


def test_a_redirect_to_a_private_address_is_refused(http_server, org_a, settings, monkeypatch):
    # The first hop stands in for a public server; the redirect points at the loopback.
    from outbound import addresses

    real = addresses.refusal_reason
    monkeypatch.setattr(
        addresses, "refusal_reason", lambda ip: None if str(ip) == "127.0.0.1" else real(ip)
    )
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False
    http_server.add_route("/moved.xml", redirect(f"http://127.0.0.2:{http_server.port}/secret"))
    feed = make_feed(org_a, http_server.url_for("/moved.xml"))

    result = feed_refresh(feed=feed)

    assert result.failed and "loopback" in result.error
    assert http_server.requests_to("/secret") == []


def test_a_feed_at_the_metadata_address_is_refused(org_a, settings):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False
    feed = make_feed(org_a, "http://169.254.169.254/latest/meta-data/")

    result = feed_refresh(feed=feed)

    assert result.failed and "link-local" in result.error


def test_a_50_mb_response_is_refused_without_storing_anything(http_server, org_a, settings):
    chunk = b"<!-- padding -->" * 65536  # 1 MiB
    http_server.add_route("/big.xml", Reply(chunks=[chunk] * 50, headers=RSS_TYPE))
    feed = make_feed(org_a, http_server.url_for("/big.xml"))

    result = feed_refresh(feed=feed)

    assert result.failed and "larger than" in result.error
    assert Article.objects.count() == 0


def test_a_gzip_bomb_is_refused(http_server, org_a, settings):
    settings.OUTBOUND_MAX_BYTES = 1024 * 1024
    http_server.add_route("/bomb.xml.gz", gzip_reply(b"<rss>" + b" " * (50 * 1024 * 1024)))
    feed = make_feed(org_a, http_server.url_for("/bomb.xml.gz"))

    result = feed_refresh(feed=feed)

    assert result.failed and "larger than" in result.error


def test_a_latin1_feed_keeps_its_accents(http_server, org_a):
    body = rss([{"title": "Café crème à Zürich", "link": http_server.url_for("/cafe")}])
    latin1 = body.replace('encoding="utf-8"', 'encoding="iso-8859-1"').encode("iso-8859-1")
    http_server.add_route(
        "/latin1.xml", Reply(body=latin1, headers={"Content-Type": "application/rss+xml"})
    )
    feed = make_feed(org_a, http_server.url_for("/latin1.xml"))

    feed_refresh(feed=feed)

    assert Article.objects.get().title == "Café crème à Zürich"
