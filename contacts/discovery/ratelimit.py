"""Per-provider request budgets shared by every worker process.

A fixed one-minute window per provider, counted in Django's cache: Redis in production (``add``
is SET NX and ``incr`` is INCR, both atomic), the file cache under ``VAR_DIR`` in embedded
mode. Both are shared by all local processes, so two workers together stay within the
budget. The file cache's ``incr`` is a read-then-write, so processes racing within the same
instant can undercount by a request or two: good enough for politeness, and embedded mode
runs few workers.
"""

from __future__ import annotations

import math
import time

from django.core.cache import cache

from contacts.discovery.base import RateLimited

WINDOW_SECONDS = 60
_KEY = "discovery:rate:{name}:{window}"


def rate_take(*, name: str, per_minute: int, now: float | None = None) -> bool:
    """Count one request against ``name``'s budget; False when this minute's budget is spent."""
    window = int((time.time() if now is None else now) // WINDOW_SECONDS)
    key = _KEY.format(name=name, window=window)
    # Kept for two windows so a slow clock in one process still finds the counter.
    cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr: this request starts the window again
        cache.add(key, 1, timeout=WINDOW_SECONDS * 2)
        count = 1
    return count <= per_minute


def rate_acquire(*, name: str, per_minute: int, label: str, now: float | None = None) -> None:
    """Take one request from the budget or raise :class:`RateLimited` (nothing is sent)."""
    if rate_take(name=name, per_minute=per_minute, now=now):
        return
    current = time.time() if now is None else now
    wait = math.ceil(WINDOW_SECONDS - current % WINDOW_SECONDS)
    raise RateLimited(
        f"{label} reached its limit of {per_minute} requests a minute (shared by all "
        f"workers), so it stopped here; try again in {wait} s.",
        provider=name,
        retry_after=float(wait),
    )
