"""Self-tests of FakeOpenAIServer, checked with the real ``openai`` client.

Each scripted reply must surface in the client exactly as the real API's would, otherwise
tests of our retry and quota handling would prove nothing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from openai.types.chat import ChatCompletion

from tests.harness.openai_server import FakeOpenAIServer, json_completion, text_completion


@pytest.fixture
def fake() -> Iterator[FakeOpenAIServer]:
    # Built directly, not through the ``openai_server`` fixture, so no Django is needed.
    with FakeOpenAIServer() as server:
        yield server


def make_client(fake: FakeOpenAIServer, **kwargs: Any) -> openai.OpenAI:
    options: dict[str, Any] = {"max_retries": 0, "timeout": 5.0, **kwargs}
    return openai.OpenAI(base_url=fake.base_url, api_key="test", **options)


def ask(client: openai.OpenAI, model: str = "gpt-4o-mini") -> ChatCompletion:
    return client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": "Which brands does this article name?"}],
        response_format={"type": "json_object"},
    )


def test_reply_json_is_a_completion_with_json_content_and_usage(fake: FakeOpenAIServer) -> None:
    fake.reply_json({"brands": ["Acme"]}, prompt_tokens=120, completion_tokens=30)

    completion = ask(make_client(fake), model="gpt-4o-mini")

    assert json.loads(completion.choices[0].message.content or "") == {"brands": ["Acme"]}
    assert completion.choices[0].finish_reason == "stop"
    assert completion.model == "gpt-4o-mini"  # echoed from the request
    assert completion.usage is not None
    usage = completion.usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (120, 30, 150)
    assert completion._request_id is not None


def test_replies_are_used_in_order_then_the_configurable_default(fake: FakeOpenAIServer) -> None:
    client = make_client(fake)
    fake.reply_text("first")
    fake.reply_text("second")

    contents = [ask(client).choices[0].message.content for _ in range(3)]
    fake.default_reply = text_completion("fallback")
    later = ask(client).choices[0].message.content

    assert contents == ["first", "second", "{}"]
    assert later == "fallback"
    assert fake.pending == 0


def test_it_records_parsed_request_bodies_and_the_raw_http(fake: FakeOpenAIServer) -> None:
    ask(make_client(fake), model="gpt-test-mini")

    (body,) = fake.requests
    assert body["model"] == "gpt-test-mini"
    assert body["response_format"] == {"type": "json_object"}
    assert body["messages"][0]["content"] == "Which brands does this article name?"
    (raw,) = fake.http.requests
    assert (raw.method, raw.path) == ("POST", "/v1/chat/completions")
    assert raw.headers["authorization"] == "Bearer test"


def test_the_path_without_v1_is_answered_too(fake: FakeOpenAIServer) -> None:
    fake.reply_text("no prefix")
    client = openai.OpenAI(base_url=fake.http.url, api_key="test", max_retries=0, timeout=5)

    assert ask(client).choices[0].message.content == "no prefix"
    assert fake.http.requests[0].path == "/chat/completions"


def test_rate_limited_raises_rate_limit_error_with_retry_headers(fake: FakeOpenAIServer) -> None:
    fake.rate_limited(retry_after=2)
    fake.rate_limited(retry_after=None, retry_after_ms=1500, code="tokens")
    client = make_client(fake)

    with pytest.raises(openai.RateLimitError) as seconds:
        ask(client)
    with pytest.raises(openai.RateLimitError) as millis:
        ask(client)

    assert seconds.value.status_code == 429
    assert seconds.value.code == "rate_limit_exceeded"
    assert seconds.value.response.headers["retry-after"] == "2"
    assert millis.value.code == "tokens"
    assert millis.value.response.headers["retry-after-ms"] == "1500"
    assert "retry-after" not in millis.value.response.headers


def test_the_clients_own_retry_honours_retry_after_ms(fake: FakeOpenAIServer) -> None:
    fake.rate_limited(retry_after=None, retry_after_ms=300)
    fake.reply_text("after the wait")

    started = time.monotonic()
    completion = ask(make_client(fake, max_retries=1))

    assert completion.choices[0].message.content == "after the wait"
    assert time.monotonic() - started >= 0.3
    assert len(fake.requests) == 2


def test_insufficient_quota_is_a_429_told_apart_by_its_code(fake: FakeOpenAIServer) -> None:
    fake.insufficient_quota()

    with pytest.raises(openai.RateLimitError) as error:
        ask(make_client(fake))

    assert error.value.code == "insufficient_quota"
    assert error.value.type == "insufficient_quota"


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_error_raises_internal_server_error(fake: FakeOpenAIServer, status: int) -> None:
    fake.server_error(status=status)

    with pytest.raises(openai.InternalServerError) as error:
        ask(make_client(fake))

    assert error.value.status_code == status


@pytest.mark.parametrize(
    ("status", "error_class", "code"),
    [
        (400, openai.BadRequestError, None),
        (401, openai.AuthenticationError, "invalid_api_key"),
        (403, openai.PermissionDeniedError, "unsupported_country"),
    ],
)
def test_status_raises_the_matching_client_error(
    fake: FakeOpenAIServer, status: int, error_class: type[openai.APIStatusError], code: str | None
) -> None:
    fake.status(status)

    with pytest.raises(error_class) as error:
        ask(make_client(fake))

    assert error.value.status_code == status
    assert error.value.code == code


def test_slow_beyond_the_client_timeout_raises_api_timeout_error(
    fake: FakeOpenAIServer,
) -> None:
    fake.slow(5)

    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        ask(make_client(fake, timeout=0.5))

    assert time.monotonic() - started < 3


def test_slow_within_the_timeout_answers_with_then(fake: FakeOpenAIServer) -> None:
    fake.slow(0.3, then=json_completion({"late": True}, completion_tokens=9))

    started = time.monotonic()
    completion = ask(make_client(fake))

    assert time.monotonic() - started >= 0.3
    assert completion.choices[0].message.content == '{"late": true}'
    assert completion.usage is not None and completion.usage.completion_tokens == 9


def test_invalid_json_makes_the_client_fail_to_decode(fake: FakeOpenAIServer) -> None:
    fake.invalid_json()

    # The client does not wrap this in an openai error: callers must catch ValueError.
    with pytest.raises(json.JSONDecodeError):
        ask(make_client(fake))


def test_models_lists_the_configured_models() -> None:
    with FakeOpenAIServer(models=("gpt-a", "gpt-b")) as fake:
        models = make_client(fake).models.list()

    assert [model.id for model in models.data] == ["gpt-a", "gpt-b"]


def test_openai_server_fixture_points_django_settings_at_the_fake(
    openai_server: FakeOpenAIServer, settings: Any
) -> None:
    openai_server.reply_text("via settings")
    client = openai.OpenAI(
        base_url=settings.OPENAI_BASE_URL,
        api_key=settings.OPENAI_API_KEY,
        max_retries=0,
        timeout=5,
    )

    assert ask(client).choices[0].message.content == "via settings"
    assert settings.OPENAI_API_KEY == "test-key"
    assert openai_server.http.requests[0].headers["authorization"] == "Bearer test-key"


def test_provider_limits_refuse_beyond_the_budget_and_say_so_in_headers():
    from tests.harness.openai_server import ProviderLimits

    with FakeOpenAIServer(limits=ProviderLimits(requests_per_minute=2, retry_after=False)) as fake:
        client = make_client(fake)
        first = client.chat.completions.with_raw_response.create(
            model="gpt-test", messages=[{"role": "user", "content": "hi"}]
        )
        assert first.headers["x-ratelimit-limit-requests"] == "2"
        assert first.headers["x-ratelimit-remaining-requests"] == "1"
        ask(client)
        with pytest.raises(openai.RateLimitError) as refused:
            ask(client)

    headers = refused.value.response.headers
    assert headers["x-ratelimit-remaining-requests"] == "0"
    assert "retry-after" not in headers
    assert fake.refused == 1 and fake.most_in_window(60) == 3
