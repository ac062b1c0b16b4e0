"""Providers disabled until their quota resets, in the cache every worker shares."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from outbound import fetch
from resilience import (
    ProviderQuotaExhausted,
    QuotaRule,
    RetryPolicy,
    call_search,
    disable_provider,
    enable_provider,
    provider_disabled,
    provider_disabled_until,
    raise_for_status,
)
from tests.harness.http_server import Reply

POLICY = RetryPolicy(max_attempts=3, max_elapsed=60, initial_wait=1, max_wait=10)


def test_a_disabled_provider_reports_until_when_and_why():
    until = datetime.now(UTC) + timedelta(hours=2)
    disable_provider("acme-search", until, "Daily quota used up.")

    disabled = provider_disabled("acme-search")
    assert disabled is not None
    assert (disabled.until, disabled.reason) == (until, "Daily quota used up.")
    assert provider_disabled_until("acme-search") == until
    assert provider_disabled_until("other-search") is None


def test_a_pause_ends_by_itself_at_its_time():
    until = datetime.now(UTC) + timedelta(minutes=5)
    disable_provider("acme-search", until, "quota")

    assert provider_disabled("acme-search", now=until - timedelta(seconds=1)) is not None
    assert provider_disabled("acme-search", now=until) is None


def test_an_operator_can_lift_a_pause_early():
    disable_provider("acme-search", datetime.now(UTC) + timedelta(hours=1), "quota")
    enable_provider("acme-search")
    assert provider_disabled_until("acme-search") is None


def test_a_time_in_the_past_disables_nothing_and_naive_times_are_refused():
    disable_provider("acme-search", datetime.now(UTC) - timedelta(seconds=1), "old news")
    assert provider_disabled_until("acme-search") is None
    with pytest.raises(ValueError):
        disable_provider("acme-search", datetime.now() + timedelta(hours=1), "naive")


def test_a_search_quota_error_disables_the_provider_for_later_calls(http_server, clock):
    reset = int((datetime.now(UTC) + timedelta(hours=3)).timestamp())
    body = json.dumps({"error": {"code": "quota_exceeded", "message": "Monthly quota"}})
    http_server.add_route(
        "/search",
        Reply(status=402, body=body, headers={"X-RateLimit-Reset": str(reset)}),
        Reply(body='{"results": []}', headers={"Content-Type": "application/json"}),
    )
    url = http_server.url_for("/search?q=acme")

    def search():
        return raise_for_status(fetch(url))

    rule = QuotaRule(label="Acme Search")
    with pytest.raises(ProviderQuotaExhausted) as raised:
        call_search(
            search, provider="acme", rule=rule, policy=POLICY, sleep=clock.sleep, clock=clock
        )

    assert len(http_server.requests) == 1
    assert raised.value.until == datetime.fromtimestamp(reset, UTC)
    assert provider_disabled_until("acme") == raised.value.until

    with pytest.raises(ProviderQuotaExhausted):
        call_search(
            search, provider="acme", rule=rule, policy=POLICY, sleep=clock.sleep, clock=clock
        )
    assert len(http_server.requests) == 1  # refused without a request

    enable_provider("acme")
    response = call_search(
        search, provider="acme", rule=rule, policy=POLICY, sleep=clock.sleep, clock=clock
    )
    assert response.status == 200
    assert len(http_server.requests) == 2
