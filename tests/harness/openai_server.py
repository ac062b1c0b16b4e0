"""A local OpenAI-compatible API for tests, scripted reply by reply.

The app reaches the LLM through the official ``openai`` client pointed at ``OPENAI_BASE_URL``,
so tests point that setting here and script what "the model" answers, including the
failures our retry and quota policies must handle (429s, quota, 5xx, timeouts, bad JSON).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from dataclasses import replace
from typing import Any

from tests.harness.http_server import LocalHTTPServer, RecordedRequest, Reply, Responder

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


class FakeOpenAIServer:
    """Scripted OpenAI-compatible server. Use ``base_url`` as the client's ``base_url``.

    Each scripting method queues one reply for the next chat completion request and returns
    it; when the queue is empty ``default_reply`` answers (a JSON completion of ``{}``).
    """

    def __init__(
        self, default_reply: Responder | None = None, models: tuple[str, ...] = ()
    ) -> None:
        self.http = LocalHTTPServer()
        self.default_reply: Responder = default_reply or json_completion({})
        self.models = models or ("gpt-test",)
        self._lock = threading.Lock()
        self._queue: deque[Responder] = deque()
        self._requests: list[dict[str, Any]] = []
        for path in CHAT_PATHS:
            self.http.add_route(path, self._answer_chat)
        for path in MODEL_PATHS:
            self.http.add_route(path, self._answer_models)

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
        with self._lock:
            self._requests.append(_request_json(request))
            responder = self._queue.popleft() if self._queue else self.default_reply
        return _resolve(responder, request)

    def _answer_models(self, request: RecordedRequest) -> Reply:
        data = [
            {"id": name, "object": "model", "created": 0, "owned_by": "test"}
            for name in self.models
        ]
        return _json_reply(200, {"object": "list", "data": data})


def _resolve(responder: Responder, request: RecordedRequest) -> Reply:
    return responder(request) if callable(responder) else responder
