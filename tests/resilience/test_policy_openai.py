"""The retry policy against the scripted local OpenAI server, on a fake clock.

Every test counts the requests the server received: the policy is the only retry layer
(the client has ``max_retries=0``), so requests == attempts.
"""

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import openai
import pytest
import tenacity

from resilience import (
    PermanentFailure,
    ProviderQuotaExhausted,
    ProviderUnavailable,
    RetryPolicy,
    TemporaryFailure,
    call_openai,
    provider_disabled_until,
)
from tests.harness.openai_server import error_reply, text_completion

POLICY = RetryPolicy(max_attempts=4, max_elapsed=120, initial_wait=1, max_wait=30)
SERVER_ERROR = error_reply(500, "The server had an error.", error_type="server_error")


@pytest.fixture(autouse=True)
def _breaker_out_of_the_way(settings):
    # These tests are about retries; the breaker has its own tests below and in test_breaker.
    settings.BREAKER_FAIL_MAX = 1000


@pytest.fixture
def client(openai_server):
    return openai.OpenAI(base_url=openai_server.base_url, api_key="test", max_retries=0, timeout=2)


def ask(client):
    return lambda: client.chat.completions.create(
        model="gpt-test", messages=[{"role": "user", "content": "Which brands?"}]
    )


def answer(completion) -> str:
    return completion.choices[0].message.content


def test_a_429_waits_what_retry_after_says_then_succeeds(openai_server, client, clock):
    openai_server.rate_limited(retry_after=7)
    openai_server.reply_text("ok")

    completion = call_openai(ask(client), policy=POLICY, sleep=clock.sleep, clock=clock)

    assert answer(completion) == "ok"
    assert len(openai_server.requests) == 2
    assert clock.sleeps == [7.0]


def test_retry_after_ms_is_preferred_to_retry_after(openai_server, client, clock):
    openai_server.rate_limited(retry_after=7, retry_after_ms=1500)
    openai_server.reply_text("ok")

    call_openai(ask(client), policy=POLICY, sleep=clock.sleep, clock=clock)

    assert len(openai_server.requests) == 2
    assert clock.sleeps == [1.5]


def test_retry_after_as_an_http_date_is_honoured(openai_server, client, clock):
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    openai_server.enqueue(
        error_reply(429, "Slow down.", error_type="requests", headers={"Retry-After": when})
    )
    openai_server.reply_text("ok")

    call_openai(ask(client), policy=POLICY, sleep=clock.sleep, clock=clock)

    assert len(clock.sleeps) == 1
    assert 27 <= clock.sleeps[0] <= 30


def test_server_errors_back_off_with_full_jitter_within_growing_bounds(
    openai_server, client, clock
):
    for _ in range(3):
        openai_server.server_error(500)
    openai_server.reply_text("ok")

    completion = call_openai(ask(client), policy=POLICY, sleep=clock.sleep, clock=clock)

    assert answer(completion) == "ok"
    assert len(openai_server.requests) == 4
    assert len(clock.sleeps) == 3
    for retry, slept in enumerate(clock.sleeps):
        assert 0 <= slept <= POLICY.initial_wait * 2**retry


@pytest.mark.parametrize(
    "pick, expected",
    [
        (lambda low, high: high, [1.0, 2.0, 4.0]),  # the window doubles each time
        (lambda low, high: low, [0.0, 0.0, 0.0]),  # full jitter: anywhere from zero
    ],
)
def test_the_jitter_window_doubles_and_starts_at_zero(
    openai_server, client, clock, monkeypatch, pick, expected
):
    monkeypatch.setattr(tenacity.wait.random, "uniform", pick)
    for _ in range(3):
        openai_server.server_error(503)
    openai_server.reply_text("ok")

    call_openai(ask(client), policy=POLICY, sleep=clock.sleep, clock=clock)

    assert clock.sleeps == expected


def test_the_wait_never_exceeds_max_wait(openai_server, client, clock, monkeypatch):
    monkeypatch.setattr(tenacity.wait.random, "uniform", lambda low, high: high)
    openai_server.default_reply = SERVER_ERROR
    policy = RetryPolicy(max_attempts=6, max_elapsed=1000, initial_wait=1, max_wait=5)

    with pytest.raises(TemporaryFailure):
        call_openai(ask(client), policy=policy, sleep=clock.sleep, clock=clock)

    assert clock.sleeps == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_insufficient_quota_stops_at_once_and_disables_the_provider(openai_server, client, clock):
    openai_server.insufficient_quota()

    with pytest.raises(ProviderQuotaExhausted) as raised:
        call_openai(ask(client), policy=POLICY, sleep=clock.sleep, clock=clock)

    assert len(openai_server.requests) == 1
    assert clock.sleeps == []
    error = raised.value
    assert "run out of quota" in error.message and "billing" in error.message
    assert error.status == 429 and error.attempts == 1
    assert error.until is not None and provider_disabled_until("openai") == error.until

    # Every later call (any worker: the flag is in the shared cache) is refused unsent.
    with pytest.raises(ProviderQuotaExhausted) as again:
        call_openai(ask(client), policy=POLICY, sleep=clock.sleep, clock=clock)
    assert len(openai_server.requests) == 1
    assert again.value.message == error.message


@pytest.mark.parametrize(
    "status, says",
    [
        (400, "rejected the request as invalid"),
        (401, "check OPENAI_API_KEY"),
        (403, "refused the request"),
        (404, "check OPENAI_MODEL and OPENAI_BASE_URL"),
    ],
)
def test_client_errors_fail_at_once_with_a_clear_message(
    openai_server, client, clock, status, says
):
    openai_server.status(status)

    with pytest.raises(PermanentFailure) as raised:
        call_openai(ask(client), policy=POLICY, sleep=clock.sleep, clock=clock)

    assert len(openai_server.requests) == 1
    assert clock.sleeps == []
    assert raised.value.status == status
    assert says in raised.value.message
    assert isinstance(raised.value.__cause__, openai.APIStatusError)


def test_a_reply_slower_than_the_timeout_is_retried(openai_server, clock):
    client = openai.OpenAI(
        base_url=openai_server.base_url, api_key="test", max_retries=0, timeout=0.5
    )
    openai_server.slow(2.0, then=text_completion("too late"))
    openai_server.reply_text("ok")

    completion = call_openai(ask(client), policy=POLICY, sleep=clock.sleep, clock=clock)

    assert answer(completion) == "ok"
    assert len(openai_server.requests) == 2
    assert len(clock.sleeps) == 1


def test_the_maximum_elapsed_time_stops_a_server_that_keeps_failing(
    openai_server, client, clock, monkeypatch
):
    monkeypatch.setattr(tenacity.wait.random, "uniform", lambda low, high: high)
    openai_server.default_reply = SERVER_ERROR
    policy = RetryPolicy(max_attempts=50, max_elapsed=10, initial_wait=1, max_wait=30)

    with pytest.raises(TemporaryFailure) as raised:
        call_openai(ask(client), policy=policy, sleep=clock.sleep, clock=clock)

    # 1 + 2 + 4 = 7 s slept, then only 3 s were left of the budget: the last wait is cut.
    assert clock.sleeps == [1.0, 2.0, 4.0, 3.0]
    assert sum(clock.sleeps) == policy.max_elapsed
    assert len(openai_server.requests) == 5 == raised.value.attempts
    assert "Gave up after 5 attempts" in raised.value.message


def test_a_retry_after_longer_than_the_budget_gives_up_at_once_and_says_when(
    openai_server, client, clock
):
    openai_server.rate_limited(retry_after=600)

    with pytest.raises(TemporaryFailure) as raised:
        call_openai(ask(client), policy=POLICY, sleep=clock.sleep, clock=clock)

    assert len(openai_server.requests) == 1
    assert clock.sleeps == []
    assert raised.value.retry_after == 600


def _slow_500(request):
    return replace(SERVER_ERROR, delay=1.0)


@pytest.mark.parametrize(
    "failure",
    [
        SERVER_ERROR,
        error_reply(429, "Slow down.", error_type="requests", headers={"Retry-After": "0"}),
        error_reply(502, "Bad gateway.", error_type="server_error"),
        _slow_500,  # a timeout on every attempt
    ],
    ids=["500", "429", "502", "timeout"],
)
def test_no_call_is_retried_more_often_than_the_policy_allows(openai_server, clock, failure):
    client = openai.OpenAI(
        base_url=openai_server.base_url, api_key="test", max_retries=0, timeout=0.3
    )
    openai_server.default_reply = failure
    policy = RetryPolicy(max_attempts=3, max_elapsed=120, initial_wait=1, max_wait=30)

    with pytest.raises(TemporaryFailure) as raised:
        call_openai(ask(client), policy=policy, sleep=clock.sleep, clock=clock)

    assert len(openai_server.requests) == 3 == raised.value.attempts
    assert len(clock.sleeps) == 2


def test_a_broken_json_body_is_retried_once_only(openai_server, client, clock):
    openai_server.invalid_json()
    openai_server.invalid_json()
    openai_server.reply_text("never asked")

    with pytest.raises(TemporaryFailure) as raised:
        call_openai(ask(client), policy=POLICY, sleep=clock.sleep, clock=clock)

    assert len(openai_server.requests) == 2
    assert "not valid JSON" in raised.value.message


def test_a_broken_json_body_then_a_good_one_succeeds(openai_server, client, clock):
    openai_server.invalid_json()
    openai_server.reply_text("ok")

    assert answer(call_openai(ask(client), policy=POLICY, sleep=clock.sleep, clock=clock)) == "ok"
    assert len(openai_server.requests) == 2


def test_an_exception_that_is_not_the_providers_propagates_unchanged_and_unretried(clock):
    calls = []

    def buggy():
        calls.append(1)
        raise KeyError("our own bug")

    with pytest.raises(KeyError):
        call_openai(buggy, policy=POLICY, sleep=clock.sleep, clock=clock)
    assert len(calls) == 1


def test_every_failed_attempt_is_logged_once_with_its_context(openai_server, client, clock, caplog):
    openai_server.rate_limited(retry_after=1)
    openai_server.server_error(500)
    openai_server.status(401)
    context = {"organization_id": 7, "execution_id": 42, "feed_id": 3}

    with caplog.at_level(logging.INFO, logger="resilience"), pytest.raises(PermanentFailure):
        call_openai(ask(client), policy=POLICY, context=context, sleep=clock.sleep, clock=clock)

    records = [r for r in caplog.records if r.name == "resilience"]
    assert [r.levelname for r in records] == ["WARNING", "WARNING", "ERROR"]
    assert [r.status for r in records] == [429, 500, 401]
    assert [r.attempt for r in records] == [1, 2, 3]
    for record in records:
        assert record.provider == "openai"
        assert record.endpoint == "chat.completions"
        assert (record.organization_id, record.execution_id, record.feed_id) == (7, 42, 3)
    assert records[0].outcome == "retry" and records[0].retry_in == 1.0
    assert records[-1].outcome == "fail"


def test_a_provider_outage_opens_the_breaker_and_later_calls_send_nothing(
    openai_server, client, clock, settings
):
    settings.BREAKER_FAIL_MAX = 3
    openai_server.default_reply = SERVER_ERROR
    policy = RetryPolicy(max_attempts=5, max_elapsed=120, initial_wait=1, max_wait=30)

    with pytest.raises(ProviderUnavailable) as raised:
        call_openai(ask(client), policy=policy, sleep=clock.sleep, clock=clock)

    # The third failure opened the breaker: no sleep before a call it would refuse.
    assert len(openai_server.requests) == 3
    assert len(clock.sleeps) == 2
    assert raised.value.until is not None
    # The breaker's 60 s cooldown, less the real time since it opened: on a busy machine
    # that was over a second (58.99 once in CI), so the floor leaves room for it.
    assert 50 <= raised.value.retry_after <= 60

    with pytest.raises(ProviderUnavailable) as refused:
        call_openai(ask(client), policy=policy, sleep=clock.sleep, clock=clock)
    assert len(openai_server.requests) == 3
    assert refused.value.attempts == 0
    assert "paused until" in refused.value.message
