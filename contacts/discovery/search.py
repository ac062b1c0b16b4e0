"""The web-search provider: public profile listings found through a search API.

Speaks the Brave Search API shape (``GET {SEARCH_API_URL}?q=...&count=...`` with the key in
``X-Subscription-Token``, results in ``web.results[].title/url/description``); any API that
answers the same way can stand in for it. One request per brand, through the shared client
and the search policy; the profile pages are never requested.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings

from contacts.discovery.base import Candidate, Findings, RateLimited
from contacts.discovery.names import keyword_pattern
from contacts.discovery.ratelimit import rate_acquire
from contacts.discovery.serp import parse_result, search_query
from contacts.models import ContactSource
from outbound import fetch
from reports.models import Brand
from resilience import (
    ProviderError,
    ProviderQuotaExhausted,
    QuotaRule,
    RetryPolicy,
    call_search,
    provider_disabled,
    raise_for_status,
)

PROVIDER = "web-search"  # the name its quota pause and circuit breaker go by
LABEL = "The web search API"
MAX_RESPONSE_BYTES = 2 * 1024 * 1024
# A discovery run is interactive: a short budget, so a struggling API gives a clear message
# within half a minute instead of after the general policy's two.
SEARCH_POLICY = RetryPolicy(max_attempts=3, max_elapsed=30.0, initial_wait=1.0, max_wait=8.0)
# Brave answers 429 for both its per-second limit (RATE_LIMITED, retried) and a used-up plan
# (QUOTA_LIMITED); 402 for an account without credit. Its X-RateLimit-Reset lists several
# windows ("1, 1419704"), which is not one number, so the pause falls back to Retry-After or
# the default hour.
SEARCH_QUOTA = QuotaRule(
    label=LABEL,
    statuses=frozenset({402, 429}),
    codes=frozenset(
        {"quota_limited", "quota_exceeded", "insufficient_quota", "resource_exhausted", "quota"}
    ),
    reset_headers=("retry-after",),
    default_pause=timedelta(hours=1),
)


class WebSearchProvider:
    name = ContactSource.WEB_SEARCH
    label = "Web search"

    def unavailable_reason(self, brand: Brand) -> str | None:
        if not settings.SEARCH_API_KEY:
            return "off: no search API key is configured (SEARCH_API_KEY)."
        return None

    def find(self, brand: Brand, role_keywords: list[str]) -> Findings:
        disabled = provider_disabled(PROVIDER)
        if disabled is not None:
            return Findings(stopped=disabled.reason or f"{LABEL} is paused for a while.")
        try:
            rate_acquire(
                name=PROVIDER, per_minute=settings.DISCOVERY_SEARCH_PER_MINUTE, label=LABEL
            )
            payload = self._search(brand, search_query(brand.name, role_keywords))
        except ProviderError as error:  # RateLimited too
            return Findings(stopped=_explain(error))
        results = _results(payload)
        if results is None:
            return Findings(stopped=f"{LABEL} answered with something other than search results.")
        candidates = self._candidates(brand, role_keywords, results)
        plural = "" if len(results) == 1 else "s"
        return Findings(
            candidates=candidates,
            summary=f"{len(results)} result{plural} read, {len(candidates)} in matching roles.",
        )

    def _search(self, brand: Brand, query: str) -> Any:
        base = settings.SEARCH_API_URL
        url = (
            base
            + ("&" if "?" in base else "?")
            + urlencode({"q": query, "count": settings.DISCOVERY_SEARCH_RESULTS})
        )
        timeout = float(settings.DISCOVERY_SEARCH_TIMEOUT)
        headers = {"Accept": "application/json", "X-Subscription-Token": settings.SEARCH_API_KEY}
        response = call_search(
            lambda: raise_for_status(
                fetch(
                    url,
                    headers=headers,
                    timeout=timeout,
                    read_timeout=timeout,
                    max_bytes=MAX_RESPONSE_BYTES,
                )
            ),
            provider=PROVIDER,
            rule=SEARCH_QUOTA,
            policy=SEARCH_POLICY,
            context={"organization_id": brand.organization_id, "brand_id": brand.pk},
        )
        try:
            return json.loads(response.body)
        except ValueError:
            return None

    def _candidates(
        self, brand: Brand, role_keywords: list[str], results: list[dict[str, Any]]
    ) -> list[Candidate]:
        pattern = keyword_pattern(role_keywords)
        found: dict[str, Candidate] = {}
        for result in results:
            candidate = parse_result(
                title=str(result.get("title") or ""),
                url=str(result.get("url") or ""),
                description=str(result.get("description") or ""),
                brand_name=brand.name,
                role_pattern=pattern,
            )
            if candidate is not None:
                found.setdefault(candidate.linkedin_url, candidate)
        return list(found.values())


def _explain(error: ProviderError) -> str:
    """The policy's message, said about the search API (its own words name no service)."""
    if isinstance(error, ProviderQuotaExhausted | RateLimited):
        return error.message
    if error.status == 429:
        return (
            f"{LABEL} is limiting how fast we search (429 Too Many Requests); "
            "try again in a minute."
        )
    if error.status in (401, 403):
        return f"{LABEL} refused our API key ({error.status}); check SEARCH_API_KEY."
    return f"{LABEL} could not be used: {error.message}"


def _results(payload: Any) -> list[dict[str, Any]] | None:
    if not isinstance(payload, dict):
        return None
    web = payload.get("web", {})
    if not isinstance(web, dict):
        return None
    results = web.get("results", [])
    if not isinstance(results, list):
        return None
    return [item for item in results if isinstance(item, dict)]
