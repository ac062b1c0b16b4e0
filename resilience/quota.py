"""Providers disabled until their quota resets, shared by every worker.

The flag lives in Django's cache: Redis when ``REDIS_URL`` is set, the file cache under
``VAR_DIR`` in embedded mode; both are shared by all local processes. An entry expires on
its own at ``until``, so a provider comes back without anyone having to re-enable it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.cache import cache

_KEY = "resilience:disabled:{name}"


@dataclass(frozen=True)
class DisabledProvider:
    name: str
    until: datetime
    reason: str  # shown to the organization: why the provider is off


def disable_provider(name: str, until: datetime, reason: str = "") -> None:
    """Refuse calls to ``name`` from every worker until ``until`` (an aware datetime)."""
    if until.tzinfo is None:
        raise ValueError("until must be an aware datetime")
    seconds = (until - datetime.now(UTC)).total_seconds()
    if seconds <= 0:
        return
    value = {"until": until.astimezone(UTC).isoformat(), "reason": reason}
    cache.set(_KEY.format(name=name), value, timeout=math.ceil(seconds))


def enable_provider(name: str) -> None:
    """Lift a pause early, e.g. after an operator added credit to the account."""
    cache.delete(_KEY.format(name=name))


def provider_disabled(name: str, now: datetime | None = None) -> DisabledProvider | None:
    """Why and until when ``name`` is disabled, or None if it may be called."""
    value = cache.get(_KEY.format(name=name))
    if not isinstance(value, dict):
        return None
    try:
        until = datetime.fromisoformat(value["until"])
    except (KeyError, TypeError, ValueError):
        return None
    if until <= (now or datetime.now(UTC)):
        return None
    return DisabledProvider(name, until, str(value.get("reason", "")))


def provider_disabled_until(name: str) -> datetime | None:
    disabled = provider_disabled(name)
    return disabled.until if disabled else None
