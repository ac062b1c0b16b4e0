"""Error classes per provider: what to retry, what to give up on, what counts as ill health.

Each classifier maps one failed attempt to a :class:`~resilience.decision.Decision`, or to
None for an exception it does not know (a bug in our code propagates untouched).

- :func:`classify_openai` for the official ``openai`` client (also used for any
  OpenAI-compatible server);
- :func:`classify_fetch` for feed hosts and article pages reached through ``outbound.fetch``
  (raise :class:`HTTPStatusError` for a status you treat as a failure, or use
  :func:`response_decision` on the response directly);
- :func:`search_classifier` for web-search APIs, whose quota errors disable the provider.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http import HTTPStatus

import openai

from outbound import FetchResponse
from outbound.errors import ConnectionFailed, FetchError, FetchTimeout
from resilience.decision import Classify, Decision, local_time, retry_after_seconds


def status_text(status: int) -> str:
    """``"429 Too Many Requests"``; just the number for statuses without a name."""
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


# -- OpenAI ---------------------------------------------------------------------------------

LLM = "The LLM service"
QUOTA_MESSAGE = (
    f"{LLM} says the account has run out of quota (insufficient_quota). Add credit or raise "
    "the spending limit in the provider's billing settings; LLM calls are paused meanwhile "
    "and will be tried again later."
)
# Statuses the openai client itself would retry (408, 409 lock timeouts, 429, 5xx).
_OPENAI_RETRY_STATUSES = frozenset({408, 409, 429})


def classify_openai(error: BaseException) -> Decision | None:
    """The rules for the ``openai`` client (created with ``max_retries=0``: we retry).

    - ``insufficient_quota`` (a 429 too) stops: not retried, the provider is disabled and the
      message is shown to the organization;
    - 429 and 408/409/5xx are retried, waiting what ``retry-after-ms`` / ``Retry-After`` say;
      the server's ``x-should-retry`` header, when present, overrides the status;
    - timeouts and connection errors are retried;
    - 400/401/403/404 and other 4xx fail at once with a message saying what to fix;
    - a body that is not JSON (``json.JSONDecodeError`` from the client, or
      ``APIResponseValidationError``) is retried once: a truncated reply from a proxy is
      usually transient, but a server that always answers garbage should not cost more.
    """
    if isinstance(error, openai.APIStatusError):
        return _openai_status(error)
    if isinstance(error, openai.APITimeoutError):
        return Decision.retry(f"{LLM} did not answer in time.", code="timeout")
    if isinstance(error, openai.APIConnectionError):
        cause = error.__cause__ or error.__context__
        detail = f" ({type(cause).__name__})" if cause else ""
        return Decision.retry(f"Could not connect to the LLM service{detail}.", code="connection")
    if isinstance(error, openai.APIResponseValidationError | json.JSONDecodeError):
        return Decision.retry(
            f"{LLM} sent a response that is not valid JSON.", code="invalid_json", max_attempts=2
        )
    return None


def _openai_status(error: openai.APIStatusError) -> Decision:
    status = error.status_code
    code = error.code or ""
    body = error.body if isinstance(error.body, Mapping) else {}
    if code == "insufficient_quota" or body.get("type") == "insufficient_quota":
        return Decision.stop_provider(QUOTA_MESSAGE, status=status, code="insufficient_quota")
    headers = error.response.headers
    detail = str(body.get("message") or error.message)[:300]
    should_retry = (headers.get("x-should-retry") or "").strip().lower()
    retryable = status in _OPENAI_RETRY_STATUSES or status >= 500
    if should_retry in ("true", "false"):
        retryable = should_retry == "true"
    if retryable:
        if status == 429:
            message = f"{LLM} is rate limiting our requests ({status_text(status)})."
        else:
            message = f"{LLM} had a problem ({status_text(status)}): {detail}"
        return Decision.retry(message, status=status, code=code, delay=retry_after_seconds(headers))
    hint = {
        400: "it rejected the request as invalid",
        401: "it rejected the API key; check OPENAI_API_KEY",
        403: "it refused the request",
        404: "it does not know this model or address; check OPENAI_MODEL and OPENAI_BASE_URL",
    }.get(status, "it refused the request")
    return Decision.fail(
        f"{LLM} answered {status_text(status)}: {hint}. {detail}", status=status, code=code
    )


# -- Feed hosts and pages (outbound.fetch) ---------------------------------------------------


class HTTPStatusError(Exception):
    """A response whose status the caller counts as a failure, raised inside the call so the
    policy can classify it. ``response`` is the :class:`~outbound.FetchResponse`."""

    def __init__(self, response: FetchResponse) -> None:
        super().__init__(f"{response.url} answered {status_text(response.status)}")
        self.response = response


def raise_for_status(response: FetchResponse) -> FetchResponse:
    """Return ``response`` if its status is below 400, else raise :class:`HTTPStatusError`."""
    if response.status >= 400 or response.status < 200:
        raise HTTPStatusError(response)
    return response


def response_decision(response: FetchResponse, now: datetime | None = None) -> Decision | None:
    """The feed-host rules for a response; None when it is not a failure (2xx, 3xx, 304).

    429/503 with ``Retry-After``: reschedule at that time (the feed refresh does exactly this);
    429/503 without it, 408 and other 5xx: retry; other 4xx: not retried.
    """
    status = response.status
    if 200 <= status < 400:
        return None
    message = f"The server answered {status_text(status)}."
    hint = retry_after_seconds(response.headers, now)
    if status in (429, 503) and hint is not None:
        return Decision.reschedule(message, delay=hint, status=status)
    if status in (408, 429) or status >= 500:
        return Decision.retry(message, status=status)
    return Decision.fail(message, status=status)


def classify_fetch(error: BaseException) -> Decision | None:
    """Feed hosts and pages: timeouts and connection failures are retried (and count against
    the host); refused addresses, bad URLs, redirect loops, oversize or undecodable bodies are
    not retried; statuses follow :func:`response_decision`."""
    if isinstance(error, HTTPStatusError):
        return response_decision(error.response)
    if isinstance(error, FetchTimeout):
        return Decision.retry(error.message, code="timeout")
    if isinstance(error, ConnectionFailed):
        return Decision.retry(error.message, code="connection")
    if isinstance(error, FetchError):
        return Decision.fail(error.message, code=type(error).__name__)
    return None


# -- Search APIs (contact discovery) ---------------------------------------------------------


@dataclass(frozen=True)
class QuotaRule:
    """How one search API says "your quota is used up", and when it resets.

    A response whose status is in ``statuses`` is a quota error when its JSON body carries
    one of ``codes`` (in ``code``, ``type``, ``status`` or ``error``, also nested under
    ``error``; compared case-insensitively), or always when ``codes`` is empty. The reset
    time comes from the first of ``reset_headers`` present (epoch seconds, seconds from now,
    or ``Retry-After``), else ``default_pause`` from now.
    """

    label: str = "The search provider"
    statuses: frozenset[int] = frozenset({402, 429})
    codes: frozenset[str] = frozenset(
        {"quota_exceeded", "insufficient_quota", "resource_exhausted", "quota"}
    )
    reset_headers: tuple[str, ...] = ("x-ratelimit-reset", "retry-after")
    default_pause: timedelta = timedelta(hours=1)


def search_classifier(rule: QuotaRule | None = None) -> Classify:
    """A classifier for a search API: quota errors stop (disable) the provider until the
    reset; everything else follows :func:`classify_fetch`."""
    rule = rule or QuotaRule()

    def classify(error: BaseException) -> Decision | None:
        if isinstance(error, HTTPStatusError) and _is_quota_error(error.response, rule):
            now = datetime.now(UTC)
            until = _reset_time(error.response, rule, now) or now + rule.default_pause
            return Decision.stop_provider(
                f"{rule.label} quota is used up; searches resume at {local_time(until)}.",
                status=error.response.status,
                code="quota",
                until=until,
            )
        return classify_fetch(error)

    return classify


def _is_quota_error(response: FetchResponse, rule: QuotaRule) -> bool:
    if response.status not in rule.statuses:
        return False
    if not rule.codes:
        return True
    try:
        body = json.loads(response.body)
    except ValueError:
        return False
    wanted = {code.lower() for code in rule.codes}
    return not wanted.isdisjoint(_codes(body))


def _codes(body: object) -> set[str]:
    found: set[str] = set()
    if isinstance(body, Mapping):
        for name in ("code", "type", "status", "error"):
            value = body.get(name)
            if isinstance(value, str | int) and not isinstance(value, bool):
                found.add(str(value).lower())
        if isinstance(body.get("error"), Mapping):
            found |= _codes(body["error"])
    return found


def _reset_time(response: FetchResponse, rule: QuotaRule, now: datetime) -> datetime | None:
    for name in rule.reset_headers:
        if name.lower() == "retry-after":
            seconds = retry_after_seconds({"retry-after": response.headers.get(name, "")}, now)
            if seconds is not None:
                return now + timedelta(seconds=seconds)
            continue
        value = (response.headers.get(name) or "").strip()
        try:
            number = float(value)
        except ValueError:
            continue
        if number > 1_000_000_000:  # an epoch timestamp rather than "seconds from now"
            return datetime.fromtimestamp(number, UTC)
        if number >= 0:
            return now + timedelta(seconds=number)
    return None
