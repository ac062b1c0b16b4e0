"""What the provider's rate-limit headers do to the shared LLM budget, garbage included."""

from __future__ import annotations

import pytest

from reports.extractors.llm_budget import LLMBudget, reset_seconds
from resilience import budget


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("1s", 1.0),
        ("6m0s", 360.0),
        ("1h2m3.5s", 3723.5),
        ("20ms", 0.02),
        ("2.5", 2.5),
        ("", None),
        (None, None),
        ("soon", None),
        ("5x", None),
        ("1s later", None),
    ],
)
def test_reset_durations_are_read_as_openai_writes_them(value, seconds):
    assert reset_seconds(value) == (pytest.approx(seconds) if seconds is not None else None)


@pytest.fixture
def calls(monkeypatch):
    recorded: list[tuple[str, object, object]] = []
    monkeypatch.setattr(budget, "pause", lambda keys, s, **_: recorded.append(("pause", keys, s)))
    monkeypatch.setattr(budget, "learn", lambda key, n, **_: recorded.append(("learn", key, n)))
    return recorded


def test_headers_that_do_not_parse_change_nothing(calls, settings):
    limits = LLMBudget("m-garbage")
    headers = {
        "x-ratelimit-limit-requests": "many",
        "x-ratelimit-remaining-requests": "-3",
        "x-ratelimit-reset-requests": "whenever",
        "x-ratelimit-limit-tokens": "",
    }
    limits.observe(200, headers)
    assert calls == []


def test_a_lower_limit_is_learned_once_and_nothing_left_pauses_until_the_reset(calls):
    limits = LLMBudget("m-low")
    headers = {
        "x-ratelimit-limit-requests": "50",
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-requests": "2s",
    }
    limits.observe(200, headers)
    limits.observe(200, headers)
    assert calls.count(("learn", limits.requests.key, 50.0)) == 1
    assert calls.count(("pause", [limits.requests.key], 2.0)) == 2


def test_a_429_pauses_requests_and_tokens_for_its_hint_or_a_second(calls):
    limits = LLMBudget("m-429")
    limits.observe(429, {"retry-after-ms": "1500"})
    limits.observe(429, {})
    pauses = [(keys, seconds) for kind, keys, seconds in calls if kind == "pause"]
    assert pauses == [
        ([limits.requests.key], 1.5),
        ([limits.tokens.key], 1.5),
        ([limits.requests.key], 1.0),
        ([limits.tokens.key], 1.0),
    ]


def test_a_429_asking_for_hours_pauses_at_most_an_hour(calls):
    limits = LLMBudget("m-long")
    limits.observe(429, {"retry-after": "86400"})
    assert {seconds for _, _, seconds in calls} == {3600.0}
