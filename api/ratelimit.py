"""Requests per minute per API key and per organization, shared by every web process.

The organization's budget is its plan's "API calls a minute" (accounts.quotas, the
organization's override first), else ``API_ORG_REQUESTS_PER_MINUTE``; each key's is
``API_KEY_REQUESTS_PER_MINUTE``, lowered to the plan's number when that is smaller (one key
may use the whole plan, never more). Both are read from the rows the key was loaded with:
no query is added per request.

The schedule is the GCRA of ``resilience.budget`` (one number per key, in Redis or, embedded,
the budget file), used without waiting: a request is answered at once when its slot is no
further ahead than the burst allowance, and refused with ``Retry-After`` otherwise. So a key
may send :data:`BURST_SECONDS` worth of its budget at once, then its steady rate.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from django.conf import settings
from redis.exceptions import RedisError

from accounts.models import Organization
from accounts.quotas import Usage, quota_limit
from resilience.budget import Limit, default_store

logger = logging.getLogger("api")

# How far ahead of now a request's slot may be and still be answered: 10 s of budget, so a
# key of 120 requests a minute may send ~20 at once.
BURST_SECONDS = 10.0
KEY_PREFIX = "mh:api"


# A request admitted this far into the burst has used 80 % of it: the owners are warned.
WARN_AT = 0.8 * BURST_SECONDS


class RateLimited(Exception):
    def __init__(self, retry_after: int, plan_limit: int | None = None) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after
        self.plan_limit = plan_limit

    @property
    def plan_note(self) -> str:
        if self.plan_limit is None:
            return ""
        return f" Your plan allows {self.plan_limit:,} API calls a minute."


@dataclass(frozen=True)
class Budgets:
    per_key: int  # 0: no limit
    per_organization: int
    plan: int | None  # the plan's (or override's) API calls a minute, when it has one

    @property
    def plan_binds(self) -> bool:
        """Whether every refusal is at the plan's rate (so the owners are told about it): the
        key's budget is the plan's too, or the key has none of its own."""
        return self.plan is not None and self.per_key in (0, self.plan)


def budgets(organization: Organization) -> Budgets:
    plan = quota_limit(organization, "api_calls")
    per_key = settings.API_KEY_REQUESTS_PER_MINUTE
    if plan is None:
        return Budgets(per_key, settings.API_ORG_REQUESTS_PER_MINUTE, None)
    return Budgets(min(per_key, plan) if per_key else plan, plan, plan)


def check(*, key_id: int, organization: Organization) -> None:
    """Take one request from the key's and the organization's budgets, or raise
    :class:`RateLimited`. A store that does not answer lets the request through (logged):
    the limiter protects capacity, and refusing every request while Redis restarts would be
    the outage it is there to prevent."""
    budget = budgets(organization)
    limits = []
    if budget.per_key:
        limits.append(Limit(f"{KEY_PREFIX}:key:{key_id}", budget.per_key))
    if budget.per_organization:
        limits.append(Limit(f"{KEY_PREFIX}:org:{organization.pk}", budget.per_organization))
    if not limits:
        return
    try:
        start, now_or_wait = default_store().reserve(limits, BURST_SECONDS, {})
    except (RedisError, OSError) as error:
        logger.warning("API rate limit not checked, the shared store did not answer: %s", error)
        return
    if start < 0:
        if budget.plan_binds:
            _warn(organization, budget, 100)
        # The slot is ``wait`` seconds ahead: it may be taken once it is within the burst.
        raise RateLimited(max(1, math.ceil(now_or_wait - BURST_SECONDS)), budget.plan)
    if budget.plan_binds and start - now_or_wait >= WARN_AT:
        _warn(organization, budget, 80)


def _warn(organization: Organization, budget: Budgets, percent: int) -> None:
    """The owners' warning, once a day per threshold (accounts.quota_warnings): a cache read
    on the requests at the burst's edge, a database write once a day. Never fails the call."""
    from accounts.quota_warnings import quota_warn

    limit = budget.plan or 0
    try:
        quota_warn(
            organization=organization,
            usage=Usage("api_calls", math.ceil(limit * percent / 100), limit),
        )
    except Exception:
        logger.warning("API quota warning not recorded", exc_info=True)
