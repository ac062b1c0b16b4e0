"""The LLM provider's request and token budgets, and the organization's, around each call.

Every request to the LLM first takes a slot in the organization's budget (when one is set),
then in the provider's (``resilience.budget``: shared by every worker through Redis, or a
file in embedded mode). The organization's comes first so that its waiting never leaves a
hole in the provider's schedule that other organizations could have used.

The provider's answers adjust the provider's budget for every worker:

- ``x-ratelimit-limit-requests`` / ``-tokens`` below our settings lower the budget to them
  (remembered for an hour; our settings stay the ceiling);
- ``x-ratelimit-remaining-requests`` / ``-tokens`` at 0 pause everyone until the matching
  ``x-ratelimit-reset-*`` ("1s", "6m0s", "20ms");
- a 429 pauses everyone for its ``retry-after-ms`` / ``Retry-After`` (else the reset header,
  else one second): the workers then come back one slot at a time instead of each retrying
  into the limit. The retry itself stays with the one retry policy.

Token costs are estimated before the call (the prompt, plus :data:`ANSWER_TOKENS` for the
answer) and settled with the usage the provider reports.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings

from resilience import budget
from resilience.budget import KEY_PREFIX, Limit
from resilience.decision import retry_after_seconds

# What an answer is assumed to cost before the provider says (a typical brand list in JSON).
ANSWER_TOKENS = 400
# A 429 that names no time still pauses everyone this long.
DEFAULT_PAUSE_SECONDS = 1.0
# The longest pause a header may impose (a provider asking for more is over quota, which the
# quota rules handle; the budget's maximum wait turns long pauses into "later" anyway).
MAX_PAUSE_SECONDS = 3600.0

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def reset_seconds(value: str | None) -> float | None:
    """OpenAI's reset durations ("1s", "6m0s", "1h2m3.5s", "20ms"), or plain seconds."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    parts = _DURATION.findall(text)
    if not parts or "".join(number + unit for number, unit in parts) != text:
        return None
    return sum(float(number) * _UNITS[unit] for number, unit in parts)


def _number(value: str | None) -> float | None:
    try:
        number = float((value or "").strip())
    except ValueError:
        return None
    return number if number >= 0 else None


def provider_name() -> str:
    """The provider's budget is per endpoint (one account) and model, as providers count."""
    endpoint = settings.OPENAI_BASE_URL or "https://api.openai.com/v1"
    return hashlib.sha256(endpoint.encode()).hexdigest()[:12]


@dataclass
class LLMBudget:
    """The budgets one model's calls for one organization draw on."""

    model: str
    organization_id: int | None = None
    # An organization's own account (``LLMConnection.account``): its own provider budget.
    account: str | None = None

    def __post_init__(self) -> None:
        base = f"{KEY_PREFIX}:llm:{self.account or provider_name()}:{self.model}"
        self.requests = Limit(f"{base}:requests", settings.LLM_REQUESTS_PER_MINUTE)
        self.tokens = Limit(f"{base}:tokens", settings.LLM_TOKENS_PER_MINUTE)
        self.org_requests: Limit | None = None
        self.org_tokens: Limit | None = None
        if self.organization_id is not None:
            org = f"{KEY_PREFIX}:llm-org:{self.organization_id}"
            if settings.LLM_ORG_REQUESTS_PER_MINUTE:
                self.org_requests = Limit(f"{org}:requests", settings.LLM_ORG_REQUESTS_PER_MINUTE)
            if settings.LLM_ORG_TOKENS_PER_MINUTE:
                self.org_tokens = Limit(f"{org}:tokens", settings.LLM_ORG_TOKENS_PER_MINUTE)

    def _org_limits(self, tokens: float) -> list[Limit]:
        limits = []
        if self.org_requests:
            limits.append(self.org_requests)
        if self.org_tokens:
            limits.append(Limit(self.org_tokens.key, self.org_tokens.per_minute, tokens))
        return limits

    def acquire(self, prompt_tokens: int) -> float:
        """Wait for this call's slots; returns the seconds waited. Raises
        :class:`~resilience.budget.BudgetUnavailable` (nothing sent) when they are too far
        away or the shared budget cannot be read."""
        cost = prompt_tokens + ANSWER_TOKENS
        max_wait = float(settings.LLM_BUDGET_MAX_WAIT_SECONDS)
        waited = 0.0
        org = self._org_limits(cost)
        if org:
            waited = budget.acquire(
                org, max_wait=max_wait, label="The LLM (this organization's budget)"
            )
        provider = [self.requests, Limit(self.tokens.key, self.tokens.per_minute, cost)]
        return waited + budget.acquire(
            provider, max_wait=max(0.0, max_wait - waited), label="The LLM"
        )

    def settle(self, prompt_tokens: int, used_tokens: int) -> None:
        """Charge the tokens the provider reported instead of the estimate."""
        if not used_tokens:
            return
        difference = used_tokens - (prompt_tokens + ANSWER_TOKENS)
        budget.settle(self.tokens, difference)
        if self.org_tokens:
            budget.settle(self.org_tokens, difference)

    def observe(self, status: int, headers: Mapping[str, str]) -> None:
        """Adjust the provider's budget from one response's status and headers."""
        pauses: list[tuple[str, float]] = []
        for kind, limit in (("requests", self.requests), ("tokens", self.tokens)):
            told = _number(headers.get(f"x-ratelimit-limit-{kind}"))
            if told and _learned.get(limit.key) != told:  # Lua and file store take the lower
                budget.learn(limit.key, told)
                _learned[limit.key] = told
            remaining = _number(headers.get(f"x-ratelimit-remaining-{kind}"))
            reset = reset_seconds(headers.get(f"x-ratelimit-reset-{kind}"))
            if remaining is not None and remaining < 1 and reset:
                pauses.append((limit.key, reset))
        if status == 429:
            hint = retry_after_seconds(headers)
            if hint is None:
                hint = max((seconds for _, seconds in pauses), default=DEFAULT_PAUSE_SECONDS)
            pauses = [(self.requests.key, hint), (self.tokens.key, hint)]
        for key, seconds in pauses:
            if seconds > 0:
                budget.pause([key], min(seconds, MAX_PAUSE_SECONDS))


# Limits learned by this process, so each response does not write the same value again.
_learned: dict[str, float] = {}
