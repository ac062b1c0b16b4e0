"""The feed refresh goes through its host's circuit breaker (real local HTTP server)."""

from datetime import timedelta

import pytest

from feeds.models import FetchStatus
from feeds.services.refresh import feed_refresh
from resilience import FEED_HOST, breaker_states, get_breaker
from resilience.decision import local_time
from tests.feeds.builders import make_feed, rss
from tests.harness.http_server import Reply

pytestmark = pytest.mark.django_db

RSS_TYPE = {"Content-Type": "application/rss+xml; charset=utf-8"}


def feed_reply(server) -> Reply:
    items = [{"title": "Story", "link": server.url_for("/story-1")}]
    return Reply(body=rss(items), headers=RSS_TYPE)


def test_a_failing_host_is_paused_without_requests_and_recovers_by_itself(
    http_server, org_a, breaker_clock
):
    http_server.add_route("/feed.xml", *[Reply(status=500)] * 5, feed_reply(http_server))
    feed = make_feed(org_a, http_server.url_for("/feed.xml"))
    host = f"127.0.0.1:{http_server.port}"

    for _ in range(5):
        failed = feed_refresh(feed=feed)
        assert failed.failed and "500 Internal Server Error" in failed.error
    assert len(http_server.requests_to("/feed.xml")) == 5

    paused = feed_refresh(feed=feed)

    assert len(http_server.requests_to("/feed.xml")) == 5  # no request was sent
    until = breaker_clock.now + timedelta(seconds=60)
    assert paused.failed
    assert paused.error == f"The host {host} is failing; paused until {local_time(until)}."
    feed.refresh_from_db()
    assert feed.last_error == paused.error
    assert feed.last_http_status is None
    assert feed.consecutive_failures == 6
    assert feed.next_fetch_at - feed.last_fetched_at >= timedelta(seconds=60)

    # Every feed on that host is paused, not just the one that failed.
    other = make_feed(org_a, http_server.url_for("/other.xml"), name="Other")
    assert feed_refresh(feed=other).error == paused.error
    assert http_server.requests_to("/other.xml") == []
    assert [(s.name, s.state) for s in breaker_states()] == [(host, "open")]

    breaker_clock.advance(61)  # the cooldown is over: the next refresh is the trial request
    recovered = feed_refresh(feed=feed)

    assert recovered.status == FetchStatus.OK
    assert len(recovered.new_article_ids) == 1
    assert len(http_server.requests_to("/feed.xml")) == 6
    assert get_breaker(FEED_HOST, host).current_state == "closed"
    feed.refresh_from_db()
    assert feed.consecutive_failures == 0


def test_a_failed_trial_request_pauses_the_host_again(http_server, org_a, breaker_clock):
    http_server.add_route("/feed.xml", Reply(status=503))
    feed = make_feed(org_a, http_server.url_for("/feed.xml"))
    for _ in range(5):
        feed_refresh(feed=feed)

    breaker_clock.advance(61)
    trial = feed_refresh(feed=feed)
    again = feed_refresh(feed=feed)

    assert "503 Service Unavailable" in trial.error
    assert "is failing; paused until" in again.error
    assert len(http_server.requests_to("/feed.xml")) == 6


@pytest.mark.parametrize("status", [404, 410, 403])
def test_client_errors_do_not_pause_the_host(http_server, org_a, status):
    http_server.add_route("/gone.xml", Reply(status=status))
    feed = make_feed(org_a, http_server.url_for("/gone.xml"))

    for _ in range(7):
        result = feed_refresh(feed=feed)
        assert f"answered {status}" in result.error

    assert len(http_server.requests_to("/gone.xml")) == 7


def test_a_host_that_does_not_answer_in_time_counts_as_failing(http_server, org_a, settings):
    settings.BREAKER_FAIL_MAX = 2
    http_server.add_route("/slow.xml", Reply(delay=2.0, body="late"))
    feed = make_feed(org_a, http_server.url_for("/slow.xml"), fetch_timeout=1)

    assert "timed out" in feed_refresh(feed=feed).error
    assert "timed out" in feed_refresh(feed=feed).error
    assert "is failing; paused until" in feed_refresh(feed=feed).error
    assert len(http_server.requests_to("/slow.xml")) == 2
