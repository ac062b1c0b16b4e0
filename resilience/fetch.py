"""``outbound.fetch`` behind the per-host circuit breaker, with or without retries.

- :func:`breaker_fetch`: one request, any status back as a response (a drop-in for
  ``fetch``); while the host's breaker is open it raises :class:`HostPaused`, a
  ``FetchError``, without sending anything. The feed refresh uses it: it records the
  failure and reschedules itself (backoff, or ``Retry-After`` on 429/503) as before.
- :func:`fetch_with_policy`: the same plus the retry policy's small fetch budget, for pages
  and discovery requests; failures come back as ``resilience`` errors.

Timeouts, connection failures, 5xx and 429 (and 408) count against the host; other answers,
including 4xx, mean the host is up.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from outbound import FetchResponse, fetch
from outbound.addresses import parse_url
from outbound.errors import ConnectionFailed, FetchError, FetchTimeout, InvalidURL
from resilience.breaker import FEED_HOST, CircuitOpen, breaker_now, get_breaker
from resilience.classify import classify_fetch, raise_for_status, response_decision
from resilience.decision import local_time
from resilience.policy import FETCH_POLICY, RetryPolicy, call_with_policy


class HostPaused(FetchError):
    """The host's circuit breaker is open; no request was sent.

    ``retry_after`` is the number of seconds until the breaker lets a trial request through.
    """

    def __init__(self, host: str, until: datetime | None, url: str = "") -> None:
        when = f"until {local_time(until)}" if until else "for a while"
        super().__init__(f"The host {host} is failing; paused {when}.", url)
        self.host = host
        self.until = until
        now = breaker_now()
        self.retry_after = max(0.0, (until - now).total_seconds()) if until else None


def host_key(url: str) -> str | None:
    """The breaker name for ``url``: ``example.com``, or ``example.com:8080`` for a port
    other than the scheme's default. None for a URL ``fetch`` would refuse anyway."""
    try:
        return parse_url(url).host_header
    except InvalidURL:
        return None


class _UnhealthyResponse(Exception):
    def __init__(self, response: FetchResponse) -> None:
        super().__init__(response.status)
        self.response = response


def _is_host_fault(error: BaseException) -> bool:
    return isinstance(error, _UnhealthyResponse | FetchTimeout | ConnectionFailed)


def breaker_fetch(url: str, **fetch_kwargs: Any) -> FetchResponse:
    """``fetch(url, **fetch_kwargs)`` through the host's breaker. Returns any status; raises
    ``FetchError`` as ``fetch`` does, and :class:`HostPaused` while the breaker is open."""
    host = host_key(url)
    if host is None:
        return fetch(url, **fetch_kwargs)  # raises InvalidURL with fetch's own message

    def attempt() -> FetchResponse:
        response = fetch(url, **fetch_kwargs)
        decision = response_decision(response)
        if decision is not None and decision.unhealthy:
            raise _UnhealthyResponse(response)
        return response

    try:
        return get_breaker(FEED_HOST, host).protect(attempt, is_fault=_is_host_fault)
    except _UnhealthyResponse as unhealthy:
        return unhealthy.response
    except CircuitOpen as refused:
        raise HostPaused(host, refused.until, url) from None


def fetch_with_policy(
    url: str,
    *,
    policy: RetryPolicy = FETCH_POLICY,
    context: Mapping[str, object] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    **fetch_kwargs: Any,
) -> FetchResponse:
    """Fetch a page or API resource, retrying timeouts, connection failures, 408/429/5xx
    within ``policy``; returns a 2xx/3xx response.

    Raises ``TemporaryFailure`` (also for 429/503 with ``Retry-After``: come back then),
    ``ProviderUnavailable`` (host breaker open) or ``PermanentFailure`` (other 4xx, refused
    address, bad URL ...), each with a ``message`` fit for users.
    """
    host = host_key(url) or url
    return call_with_policy(
        lambda: raise_for_status(fetch(url, **fetch_kwargs)),
        provider=host,
        classify=classify_fetch,
        endpoint=fetch_kwargs.get("method", "GET"),
        policy=policy,
        breaker=get_breaker(FEED_HOST, host),
        context=context,
        sleep=sleep,
        clock=clock,
    )
