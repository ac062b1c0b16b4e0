"""Error classes per provider, decided without a network."""

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx2
import openai
import pytest
from urllib3 import HTTPHeaderDict

from outbound import BlockedAddress, ConnectionFailed, FetchResponse, FetchTimeout, InvalidURL
from resilience import (
    Action,
    HTTPStatusError,
    QuotaRule,
    classify_fetch,
    classify_openai,
    response_decision,
    retry_after_seconds,
    search_classifier,
)

REQUEST = httpx2.Request("POST", "https://api.openai.test/v1/chat/completions")


def openai_error(status: int, body: dict | None = None, headers: dict | None = None):
    response = httpx2.Response(status, headers=headers or {}, request=REQUEST)
    return openai.APIStatusError(f"Error code: {status}", response=response, body=body)


def fetched(status: int, headers: dict | None = None, body: bytes = b"") -> FetchResponse:
    return FetchResponse(
        url="https://news.example/feed.xml",
        status=status,
        headers=HTTPHeaderDict(headers or {}),
        body=body,
        redirects=(),
        elapsed=0.1,
    )


# -- server hints -----------------------------------------------------------------------------


def test_retry_after_ms_wins_over_retry_after():
    assert retry_after_seconds({"retry-after-ms": "250", "retry-after": "7"}) == 0.25


@pytest.mark.parametrize(
    "value, expected", [("7", 7.0), ("0", 0.0), ("1.5", 1.5), ("soon", None), ("-3", None)]
)
def test_retry_after_in_seconds(value, expected):
    assert retry_after_seconds(HTTPHeaderDict({"Retry-After": value})) == expected


def test_retry_after_as_an_http_date_counts_from_now():
    now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    headers = {"retry-after": format_datetime(now + timedelta(seconds=90), usegmt=True)}
    assert retry_after_seconds(headers, now) == 90
    past = {"retry-after": format_datetime(now - timedelta(hours=1), usegmt=True)}
    assert retry_after_seconds(past, now) == 0


def test_a_malformed_retry_after_ms_falls_back_to_retry_after():
    assert retry_after_seconds({"retry-after-ms": "nan?", "retry-after": "4"}) == 4


# -- OpenAI ------------------------------------------------------------------------------------


def test_insufficient_quota_stops_the_provider_even_though_it_is_a_429():
    error = openai_error(429, {"code": "insufficient_quota", "type": "insufficient_quota"})
    decision = classify_openai(error)
    assert decision.action is Action.STOP_PROVIDER
    assert not decision.unhealthy  # billing, not an outage: the breaker must not open


def test_a_rate_limit_is_retried_with_the_servers_hint_and_counts_as_ill_health():
    error = openai_error(429, {"code": "rate_limit_exceeded"}, {"retry-after-ms": "1200"})
    decision = classify_openai(error)
    assert (decision.action, decision.delay, decision.unhealthy) == (Action.RETRY, 1.2, True)


@pytest.mark.parametrize("status", [408, 409, 500, 502, 503, 504])
def test_server_side_statuses_are_retried(status):
    assert classify_openai(openai_error(status)).action is Action.RETRY


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_fail_and_do_not_count_against_the_provider(status):
    decision = classify_openai(openai_error(status, {"message": "Nope."}))
    assert decision.action is Action.FAIL
    assert not decision.unhealthy
    assert "Nope." in decision.message


def test_the_servers_x_should_retry_header_overrides_the_status():
    assert classify_openai(openai_error(500, headers={"x-should-retry": "false"})).action is (
        Action.FAIL
    )
    assert classify_openai(openai_error(400, headers={"x-should-retry": "true"})).action is (
        Action.RETRY
    )


def test_timeouts_and_connection_errors_are_retried():
    assert classify_openai(openai.APITimeoutError(REQUEST)).action is Action.RETRY
    assert classify_openai(openai.APIConnectionError(request=REQUEST)).action is Action.RETRY


def test_a_broken_json_body_is_retried_at_most_once():
    decision = classify_openai(json.JSONDecodeError("Expecting value", "{", 1))
    assert decision.action is Action.RETRY
    assert decision.max_attempts == 2


@pytest.mark.parametrize("error", [ValueError("ours"), KeyError("x"), RuntimeError("bug")])
def test_exceptions_that_are_not_the_providers_are_not_classified(error):
    assert classify_openai(error) is None


# -- feed hosts and pages ----------------------------------------------------------------------


@pytest.mark.parametrize("status", [200, 204, 301, 304])
def test_successful_and_not_modified_responses_are_not_failures(status):
    assert response_decision(fetched(status)) is None


@pytest.mark.parametrize("status", [429, 503])
def test_429_and_503_with_retry_after_reschedule(status):
    decision = response_decision(fetched(status, {"Retry-After": "120"}))
    assert (decision.action, decision.delay, decision.unhealthy) == (Action.RESCHEDULE, 120, True)


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503])
def test_other_overload_and_server_errors_are_retried(status):
    decision = response_decision(fetched(status))
    assert (decision.action, decision.unhealthy) == (Action.RETRY, True)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410])
def test_other_4xx_are_not_retried_and_mean_the_host_is_up(status):
    decision = response_decision(fetched(status))
    assert (decision.action, decision.unhealthy) == (Action.FAIL, False)


def test_fetch_errors_split_between_host_trouble_and_our_refusals():
    url = "https://news.example/"
    assert classify_fetch(FetchTimeout("timed out after 20 s", url)).action is Action.RETRY
    assert classify_fetch(ConnectionFailed("connection refused", url)).unhealthy
    refused = classify_fetch(BlockedAddress("news.example is a private address", url))
    assert (refused.action, refused.unhealthy) == (Action.FAIL, False)
    assert classify_fetch(InvalidURL("bad", url)).action is Action.FAIL
    assert classify_fetch(HTTPStatusError(fetched(502))).action is Action.RETRY
    assert classify_fetch(ValueError("ours")) is None


# -- search APIs -------------------------------------------------------------------------------


def test_a_search_quota_error_stops_the_provider_until_the_reset_header():
    reset = datetime(2026, 12, 1, tzinfo=UTC)
    body = json.dumps({"error": {"code": "QUOTA_EXCEEDED", "message": "Daily limit"}}).encode()
    response = fetched(402, {"X-RateLimit-Reset": str(int(reset.timestamp()))}, body)

    decision = search_classifier(QuotaRule(label="Acme Search"))(HTTPStatusError(response))

    assert decision.action is Action.STOP_PROVIDER
    assert decision.until == reset
    assert decision.message.startswith("Acme Search quota is used up")


def test_a_search_quota_error_without_a_reset_pauses_for_the_default():
    body = json.dumps({"code": "quota"}).encode()
    before = datetime.now(UTC)
    decision = search_classifier()(HTTPStatusError(fetched(429, body=body)))
    assert decision.action is Action.STOP_PROVIDER
    assert before + timedelta(minutes=59) < decision.until < before + timedelta(minutes=61)


def test_a_plain_rate_limit_from_a_search_api_is_retried_not_a_quota_stop():
    body = json.dumps({"error": {"code": "rate_limited"}}).encode()
    decision = search_classifier()(HTTPStatusError(fetched(429, body=body)))
    assert decision.action is Action.RETRY


def test_quota_statuses_and_codes_are_configurable():
    rule = QuotaRule(statuses=frozenset({403}), codes=frozenset())
    assert search_classifier(rule)(HTTPStatusError(fetched(403))).action is Action.STOP_PROVIDER
    assert search_classifier(rule)(HTTPStatusError(fetched(402))).action is Action.FAIL
