"""Resilient calls to outside services: one retry policy, per-provider error classes,
circuit breakers shared by every worker, and providers disabled until their quota resets.

- :func:`call_with_policy` (and :func:`call_openai`, :func:`call_search`,
  :func:`fetch_with_policy`): tenacity retries with full-jitter backoff, a maximum elapsed
  time and attempt count, honouring ``Retry-After`` / ``retry-after-ms``;
- :mod:`resilience.classify`: what each provider's failures mean;
- :func:`get_breaker` / :func:`breaker_states`: pybreaker circuit breakers whose state lives
  in Redis when ``REDIS_URL`` is set; :func:`breaker_fetch` puts a feed host behind one;
- :func:`disable_provider` / :func:`provider_disabled_until`: quota pauses in Django's cache.

A plain package (no models, no views); settings are in the "Resilience" section.
"""

from resilience.breaker import (
    FEED_HOST,
    OPENAI,
    SEARCH,
    BreakerStatus,
    CircuitOpen,
    SharedBreaker,
    breaker_states,
    get_breaker,
    reset_breaker,
)
from resilience.classify import (
    HTTPStatusError,
    QuotaRule,
    classify_fetch,
    classify_openai,
    raise_for_status,
    response_decision,
    search_classifier,
)
from resilience.decision import Action, Classify, Decision, retry_after_seconds
from resilience.errors import (
    PermanentFailure,
    ProviderError,
    ProviderQuotaExhausted,
    ProviderUnavailable,
    TemporaryFailure,
)
from resilience.fetch import HostPaused, breaker_fetch, fetch_with_policy, host_key
from resilience.policy import FETCH_POLICY, RetryPolicy, call_with_policy
from resilience.providers import call_openai, call_search
from resilience.quota import (
    DisabledProvider,
    disable_provider,
    enable_provider,
    provider_disabled,
    provider_disabled_until,
)

__all__ = [
    "FEED_HOST",
    "FETCH_POLICY",
    "OPENAI",
    "SEARCH",
    "Action",
    "BreakerStatus",
    "CircuitOpen",
    "Classify",
    "Decision",
    "DisabledProvider",
    "HTTPStatusError",
    "HostPaused",
    "PermanentFailure",
    "ProviderError",
    "ProviderQuotaExhausted",
    "ProviderUnavailable",
    "QuotaRule",
    "RetryPolicy",
    "SharedBreaker",
    "TemporaryFailure",
    "breaker_fetch",
    "breaker_states",
    "call_openai",
    "call_search",
    "call_with_policy",
    "classify_fetch",
    "classify_openai",
    "disable_provider",
    "enable_provider",
    "fetch_with_policy",
    "get_breaker",
    "host_key",
    "provider_disabled",
    "provider_disabled_until",
    "raise_for_status",
    "reset_breaker",
    "response_decision",
    "retry_after_seconds",
    "search_classifier",
]
