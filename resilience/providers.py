"""One-line entry points for the provider calls the app makes.

The LLM caller (reports) wraps each bare API request::

    client = openai.OpenAI(..., timeout=settings.LLM_TIMEOUT, max_retries=0)
    completion = call_openai(
        lambda: client.chat.completions.create(model=..., messages=...),
        context={"organization_id": org.pk, "execution_id": execution.pk},
    )

and lets :class:`~resilience.errors.ProviderQuotaExhausted` stop the job with its message,
:class:`~resilience.errors.TemporaryFailure` (and ``ProviderUnavailable``) reschedule it
after ``retry_after``, and :class:`~resilience.errors.PermanentFailure` fail it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TypeVar

from resilience.breaker import OPENAI, SEARCH, get_breaker
from resilience.classify import QuotaRule, classify_openai, search_classifier
from resilience.policy import RetryPolicy, call_with_policy

T = TypeVar("T")


def call_openai(
    fn: Callable[[], T],
    *,
    endpoint: str = "chat.completions",
    context: Mapping[str, object] | None = None,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    scope: str = "default",
) -> T:
    """``fn()`` (one request with the openai client) under the policy and the ``openai``
    breaker of ``scope``; a quota stop disables the provider ``"openai"`` for every worker.

    ``scope`` is ``"default"`` for the installation's connection and ``"org-<id>"`` for an
    organization's own: its own breaker and its own quota stop (``openai:org-<id>``), so one
    organization's broken key never pauses the others'."""
    return call_with_policy(
        fn,
        provider=OPENAI,
        classify=classify_openai,
        endpoint=endpoint,
        policy=policy,
        breaker=get_breaker(OPENAI, scope),
        context=context,
        sleep=sleep,
        clock=clock,
        quota_key=OPENAI if scope == "default" else f"{OPENAI}:{scope}",
    )


def call_search(
    fn: Callable[[], T],
    *,
    provider: str,
    rule: QuotaRule | None = None,
    endpoint: str = "search",
    context: Mapping[str, object] | None = None,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """``fn()`` (one request to the search API ``provider``, raising
    :class:`~resilience.classify.HTTPStatusError` for error statuses, e.g. through
    ``raise_for_status(fetch(...))``) under the policy and the provider's breaker. A quota
    error (see :class:`QuotaRule`) disables ``provider`` until its reset time."""
    return call_with_policy(
        fn,
        provider=provider,
        classify=search_classifier(rule),
        endpoint=endpoint,
        policy=policy,
        breaker=get_breaker(SEARCH, provider),
        context=context,
        sleep=sleep,
        clock=clock,
    )
