"""A local OpenAI-compatible API for tests, scripted reply by reply.

The app reaches the LLM through the official ``openai`` client pointed at ``OPENAI_BASE_URL``,
so tests point that setting here and script what "the model" answers, including the
failures our retry and quota policies must handle (429s, quota, 5xx, timeouts, bad JSON).
The Files + Batches endpoints (economy analysis) are in ``openai_batches``.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, replace
from typing import Any

from tests.harness.http_server import LocalHTTPServer, RecordedRequest, Reply, Responder
from tests.harness.openai_batches import FakeBatchAPI

CHAT_PATHS = ("/v1/chat/completions", "/chat/completions")
MODEL_PATHS = ("/v1/models", "/models")

_ids = itertools.count(1)


def _json_reply(status: int, payload: object, headers: dict[str, str] | None = None) -> Reply:
    return Reply(
        status=status,
        body=json.dumps(payload),
        # The client reads x-request-id into ``_request_id``; real responses always carry one.
        headers={
            "Content-Type": "application/json",
            "x-request-id": f"req_test_{next(_ids)}",
            **(headers or {}),
        },
    )


def text_completion(
    content: str,
    *,
    prompt_tokens: int = 10,
    completion_tokens: int = 5,
    model: str | None = None,
    finish_reason: str = "stop",
) -> Responder:
    """A well-formed ``chat.completion``; ``model=None`` echoes the model the request named."""

    def respond(request: RecordedRequest) -> Reply:
        requested = _request_json(request).get("model")
        payload = {
            "id": f"chatcmpl-test{next(_ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model or requested or "gpt-test",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": None},
                    "logprobs": None,
                    "finish_reason": finish_reason,
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
        return _json_reply(200, payload)

    return respond


def json_completion(obj: object, **kwargs: Any) -> Responder:
    """A completion whose ``message.content`` is ``json.dumps(obj)`` (JSON mode output)."""
    return text_completion(json.dumps(obj), **kwargs)


def error_reply(
    status: int,
    message: str,
    *,
    error_type: str,
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """An error in OpenAI's shape: ``{"error": {"message", "type", "param", "code"}}``."""
    error = {"message": message, "type": error_type, "param": None, "code": code}
    return _json_reply(status, {"error": error}, headers)


def _request_json(request: RecordedRequest) -> dict[str, Any]:
    try:
        data = request.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


@dataclass
class ProviderLimits:
    """A provider's per-minute budget as the scripted server enforces it: at most
    ``requests_per_minute`` requests (and ``tokens_per_minute`` prompt tokens, counted as the
    ``usage.prompt_tokens`` the replies report) in any sliding 60 s; beyond, a 429 (with
    ``Retry-After`` when ``retry_after``). Every reply carries OpenAI's ``x-ratelimit-*``
    headers (``reset`` in OpenAI's "1.5s" form)."""

    requests_per_minute: int
    tokens_per_minute: int | None = None
    retry_after: bool = True
    window: float = 60.0


class FakeOpenAIServer:
    """Scripted OpenAI-compatible server. Use ``base_url`` as the client's ``base_url``.

    Each scripting method queues one reply for the next chat completion request and returns
    it; when the queue is empty ``default_reply`` answers (a JSON completion of ``{}``).

    ``latency`` makes every chat request take that long in the server (the handler thread
    waits; ``in_flight_peak`` records how many waited at once). ``limits`` enforces a
    :class:`ProviderLimits`; ``refused`` counts the 429s it sent. ``arrivals`` are the
    ``time.monotonic()`` at which chat requests came in. ``keep_alive`` speaks HTTP/1.1 and
    keeps connections open, as real providers do (benchmarks).
    """

    def __init__(
        self,
        default_reply: Responder | None = None,
        models: tuple[str, ...] = (),
        *,
        latency: float = 0.0,
        limits: ProviderLimits | None = None,
        keep_alive: bool = False,
    ) -> None:
        self.http = LocalHTTPServer(keep_alive=keep_alive)
        self.default_reply: Responder = default_reply or json_completion({})
        self.models = models or ("gpt-test",)
        self.latency = latency
        self.limits = limits
        self._lock = threading.Lock()
        self._queue: deque[Responder] = deque()
        self._requests: list[dict[str, Any]] = []
        self._arrivals: list[float] = []
        self._accepted: deque[tuple[float, int]] = deque()  # (time, prompt tokens) in window
        self._in_flight = 0
        self.in_flight_peak = 0
        self.refused = 0
        for path in CHAT_PATHS:
            self.http.add_route(path, self._answer_chat)
        for path in MODEL_PATHS:
            self.http.add_route(path, self._answer_models)
        # Files + Batches (economy analysis): ``batches.plan(...)`` scripts the next batch.
        self.batches = FakeBatchAPI(self)

    # -- addresses and records --------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self.http.url + "/v1"

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Parsed JSON bodies of chat completion requests, oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def arrivals(self) -> list[float]:
        with self._lock:
            return list(self._arrivals)

    def most_in_window(self, seconds: float = 60.0) -> int:
        """The most chat requests that arrived within any ``seconds`` (a sliding window)."""
        times = self.arrivals
        most, first = 0, 0
        for last, now in enumerate(times):
            while now - times[first] >= seconds:
                first += 1
            most = max(most, last - first + 1)
        return most

    def reset_records(self) -> None:
        """Forget requests, arrivals, the provider's window and the counters (benchmarks
        reuse one server for several runs)."""
        with self._lock:
            self._requests.clear()
            self._arrivals.clear()
            self._accepted.clear()
            self.in_flight_peak = self._in_flight
            self.refused = 0

    @property
    def pending(self) -> int:
        """Scripted replies not yet consumed; lets a test assert its script was used up."""
        with self._lock:
            return len(self._queue)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> FakeOpenAIServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- scripting --------------------------------------------------------------------------

    def enqueue(self, responder: Responder) -> Responder:
        with self._lock:
            self._queue.append(responder)
        return responder

    def reply_json(self, obj: object, **kwargs: Any) -> Responder:
        return self.enqueue(json_completion(obj, **kwargs))

    def reply_text(self, content: str, **kwargs: Any) -> Responder:
        return self.enqueue(text_completion(content, **kwargs))

    def rate_limited(
        self,
        retry_after: float | None = 2,
        retry_after_ms: int | None = None,
        code: str = "rate_limit_exceeded",
    ) -> Responder:
        headers: dict[str, str] = {}
        if retry_after is not None:
            headers["Retry-After"] = f"{retry_after:g}"
        if retry_after_ms is not None:
            headers["retry-after-ms"] = str(retry_after_ms)
        message = "Rate limit reached for requests. Please try again later."
        return self.enqueue(
            error_reply(429, message, error_type="requests", code=code, headers=headers)
        )

    def insufficient_quota(self) -> Responder:
        # Also a 429, but retrying cannot help: callers must tell it apart by error.code.
        message = "You exceeded your current quota, please check your plan and billing details."
        reply = error_reply(
            429, message, error_type="insufficient_quota", code="insufficient_quota"
        )
        return self.enqueue(reply)

    def server_error(self, status: int = 500) -> Responder:
        message = "The server had an error while processing your request."
        return self.enqueue(error_reply(status, message, error_type="server_error"))

    def status(self, status: int, message: str | None = None, code: str | None = None) -> Responder:
        """A client error such as 400 (bad request), 401 (bad key) or 403 (forbidden)."""
        defaults = {
            401: ("Incorrect API key provided.", "invalid_api_key"),
            403: ("You are not allowed to perform this request.", "unsupported_country"),
        }
        default_message, default_code = defaults.get(status, ("Invalid request.", None))
        reply = error_reply(
            status,
            message or default_message,
            error_type="invalid_request_error",
            code=code or default_code,
        )
        return self.enqueue(reply)

    def invalid_json(self, body: str = '{"id": "chatcmpl-broken", "choices": [') -> Responder:
        """A 200 that claims to be JSON but is not (a truncated or broken proxy response)."""
        return self.enqueue(Reply(body=body, headers={"Content-Type": "application/json"}))

    def slow(self, seconds: float, then: Responder | None = None) -> Responder:
        """Wait ``seconds`` before answering with ``then`` (default: ``default_reply``).

        Build ``then`` with the module functions (``json_completion`` ...), not with the
        ``reply_*`` methods, which would queue it a second time.
        """
        inner = then

        def respond(request: RecordedRequest) -> Reply:
            resolved = _resolve(inner or self.default_reply, request)
            return replace(resolved, delay=seconds)

        return self.enqueue(respond)

    # -- route handlers ---------------------------------------------------------------------

    def _answer_chat(self, request: RecordedRequest) -> Reply:
        if request.method != "POST":
            return error_reply(405, "Use POST.", error_type="invalid_request_error")
        now = time.monotonic()
        with self._lock:
            self._requests.append(_request_json(request))
            self._arrivals.append(now)
            refusal = self._over_limits(now)
            if refusal is not None:
                self.refused += 1
                return refusal
            responder = self._queue.popleft() if self._queue else self.default_reply
            self._in_flight += 1
            self.in_flight_peak = max(self.in_flight_peak, self._in_flight)
        try:
            if self.latency:
                self.http._sleep(self.latency)
            reply = _resolve(responder, request)
        finally:
            with self._lock:
                self._in_flight -= 1
        return self._with_limit_headers(reply, now)

    def answer_batch_request(self, body: dict[str, Any]) -> Reply:
        """A batch's request answered by the chat script (next scripted reply, else the
        default), recorded with the chat requests."""
        request = RecordedRequest(
            method="POST", path=CHAT_PATHS[0], headers={}, body=json.dumps(body).encode()
        )
        with self._lock:
            self._requests.append(body)
            responder = self._queue.popleft() if self._queue else self.default_reply
        return _resolve(responder, request)

    # -- the provider's budget --------------------------------------------------------------

    def _window_state(self, now: float) -> tuple[int, int]:
        """(requests, tokens) accepted in the window ending now; drops older ones."""
        assert self.limits is not None
        while self._accepted and now - self._accepted[0][0] >= self.limits.window:
            self._accepted.popleft()
        return len(self._accepted), sum(tokens for _, tokens in self._accepted)

    def _reset_after(self, now: float) -> float:
        assert self.limits is not None
        return self.limits.window - (now - self._accepted[0][0]) if self._accepted else 0.0

    def _over_limits(self, now: float) -> Reply | None:
        if self.limits is None:
            return None
        requests, tokens = self._window_state(now)
        full = requests >= self.limits.requests_per_minute or (
            self.limits.tokens_per_minute is not None and tokens >= self.limits.tokens_per_minute
        )
        if not full:
            self._accepted.append((now, 0))
            return None
        wait = max(0.001, self._reset_after(now))
        headers = self._limit_headers(now)
        if self.limits.retry_after:
            headers["Retry-After"] = str(max(1, round(wait)))
        message = "Rate limit reached for requests. Please try again later."
        return error_reply(
            429, message, error_type="requests", code="rate_limit_exceeded", headers=headers
        )

    def _limit_headers(self, now: float) -> dict[str, str]:
        assert self.limits is not None
        requests, tokens = self._window_state(now)
        reset = f"{self._reset_after(now):.3f}s"
        headers = {
            "x-ratelimit-limit-requests": str(self.limits.requests_per_minute),
            "x-ratelimit-remaining-requests": str(
                max(0, self.limits.requests_per_minute - requests)
            ),
            "x-ratelimit-reset-requests": reset,
        }
        if self.limits.tokens_per_minute is not None:
            headers["x-ratelimit-limit-tokens"] = str(self.limits.tokens_per_minute)
            headers["x-ratelimit-remaining-tokens"] = str(
                max(0, self.limits.tokens_per_minute - tokens)
            )
            headers["x-ratelimit-reset-tokens"] = reset
        return headers

    def _with_limit_headers(self, reply: Reply, arrived: float) -> Reply:
        if self.limits is None:
            return reply
        with self._lock:
            try:
                used = int(json.loads(reply.body).get("usage", {}).get("prompt_tokens", 0))
            except (ValueError, AttributeError, TypeError):
                used = 0
            # The request's tokens count from when it came in.
            for index, (when, _) in enumerate(self._accepted):
                if when == arrived:
                    self._accepted[index] = (when, used)
                    break
            headers = {**reply.headers, **self._limit_headers(time.monotonic())}
        return replace(reply, headers=headers)

    def _answer_models(self, request: RecordedRequest) -> Reply:
        data = [
            {"id": name, "object": "model", "created": 0, "owned_by": "test"}
            for name in self.models
        ]
        return _json_reply(200, {"object": "list", "data": data})


def _resolve(responder: Responder, request: RecordedRequest) -> Reply:
    return responder(request) if callable(responder) else responder
