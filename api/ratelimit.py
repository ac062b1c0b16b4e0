"""Requests per minute per API key and per organization, shared by every web process.

The schedule is the GCRA of ``resilience.budget`` (one number per key, in Redis or, embedded,
the budget file), used without waiting: a request is answered at once when its slot is no
further ahead than the burst allowance, and refused with ``Retry-After`` otherwise. So a key
may send :data:`BURST_SECONDS` worth of its budget at once, then its steady rate.
"""

from __future__ import annotations

import logging
import math

from django.conf import settings
from redis.exceptions import RedisError

from resilience.budget import Limit, default_store

logger = logging.getLogger("api")

# How far ahead of now a request's slot may be and still be answered: 10 s of budget, so a
# key of 120 requests a minute may send ~20 at once.
BURST_SECONDS = 10.0
KEY_PREFIX = "mh:api"


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


def check(*, key_id: int, organization_id: int) -> None:
    """Take one request from the key's and the organization's budgets, or raise
    :class:`RateLimited`. A store that does not answer lets the request through (logged):
    the limiter protects capacity, and refusing every request while Redis restarts would be
    the outage it is there to prevent."""
    limits = []
    if settings.API_KEY_REQUESTS_PER_MINUTE:
        limits.append(Limit(f"{KEY_PREFIX}:key:{key_id}", settings.API_KEY_REQUESTS_PER_MINUTE))
    if settings.API_ORG_REQUESTS_PER_MINUTE:
        limits.append(
            Limit(f"{KEY_PREFIX}:org:{organization_id}", settings.API_ORG_REQUESTS_PER_MINUTE)
        )
    if not limits:
        return
    try:
        start, wait = default_store().reserve(limits, BURST_SECONDS, {})
    except (RedisError, OSError) as error:
        logger.warning("API rate limit not checked, the shared store did not answer: %s", error)
        return
    if start < 0:
        # The slot is ``wait`` seconds ahead: it may be taken once it is within the burst.
        raise RateLimited(max(1, math.ceil(wait - BURST_SECONDS)))
