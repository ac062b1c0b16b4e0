"""What every signed-in page recomputed on each request, cached and dropped on change.

Measured on the load benchmark (docs/benchmarks.md, "Per-request work cached"): every page
read the session row, the user, the user's memberships with their organizations (the
organization's settings: quota, time zone, analysis mode) and counted the unread alerts of the
nav bar's bell; list pages also built their filter choices and checked the LLM quota. These
are the same answer for every request until something they read is written.

Two invalidation schemes, both "token read before the rows, new token after commit", so a
load that races a write can only cache what is at least as new as its token (see
``accounts.briefing_cache``). A load on a connection whose open transaction wrote such rows
reads them from the database and caches nothing: it sees its own write, and nothing that may
still roll back reaches the cache (tests that run in one transaction see every write so).

- **Per organization**: ``cached_for_organization`` keys values under the organization's
  dashboard *generation*, which every committed write of a watched model replaces (row
  signals and ``TenantQuerySet`` bulk writes). Filter choices, the quota banner, the alert
  bell and the brand page's aggregates use it.
- **Per user**: the memberships (with their organizations) live under a per-user token that
  any write of one of the user's memberships, or of an organization they belong to,
  replaces. A removed member loses access on the next request, as before.

A cache that fails costs the cache, not the page (the value is computed), as for the
dashboard. ``DASHBOARD_CACHE_SECONDS`` bounds the age of every entry anyway; 0 turns these
caches off.
"""

import hashlib
import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save
from django.urls import get_script_prefix
from django.utils import timezone, translation

from accounts import briefing_cache

logger = logging.getLogger(__name__)

T = TypeVar("T")
_MISSING = object()


def cached_for_organization(organization_id: int, name: str, compute: Callable[[], T]) -> T:
    """``compute()``, cached under the organization's current generation."""
    ttl = settings.DASHBOARD_CACHE_SECONDS
    if (
        not ttl
        or not briefing_cache.cache_available()
        or briefing_cache.changed_uncommitted(organization_id)
    ):
        return compute()
    try:
        # The token before any row (see the module's docstring).
        generation = briefing_cache.generation(organization_id)
        key = f"org-cached:{organization_id}:{generation}:{name}"
        value = cache.get(key, _MISSING)
    except Exception:
        logger.warning("Cache unavailable; computing %s", name, exc_info=True)
        briefing_cache.cache_failed()
        return compute()
    if value is _MISSING:
        value = compute()
        try:
            cache.set(key, value, ttl)
        except Exception:
            logger.warning("Could not cache %s", name, exc_info=True)
            briefing_cache.cache_failed()
    return value  # type: ignore[return-value]


def cached_markup(
    organization_id: int, name: str, compute: Callable[[], T], ids: Sequence[int] = ()
) -> T:
    """Rows' markup, ``compute()``, cached under the organization's generation and what the
    markup follows besides the rows: the active language (month names, choice labels), time
    zone (dates) and script prefix (links); and, for a page of a list, its rows' ids."""
    variant = (
        f"{translation.get_language()}:{timezone.get_current_timezone_name()}:{get_script_prefix()}"
    )
    key = f"{name}:{variant}"
    if ids:
        digest = hashlib.blake2b(",".join(map(str, ids)).encode(), digest_size=12)
        key = f"{key}:{digest.hexdigest()}"
    return cached_for_organization(organization_id, key, compute)


# --- The user's memberships --------------------------------------------------------------------


def _user_token_key(user_id: int) -> str:
    return f"memberships-generation:{user_id}"


def user_memberships(user_id: int, compute: Callable[[], list[T]]) -> list[T]:
    """The user's memberships (with their organizations) from the cache when none of them,
    nor their organizations, changed since."""
    ttl = settings.DASHBOARD_CACHE_SECONDS
    if not ttl or not briefing_cache.cache_available() or _changed_uncommitted(user_id):
        return compute()
    token_key = _user_token_key(user_id)
    try:
        token = cache.get(token_key)
        if token is None:
            cache.add(token_key, uuid.uuid4().hex, None)
            token = cache.get(token_key)
        key = f"memberships:{user_id}:{token}"
        memberships = cache.get(key)
    except Exception:
        logger.warning("Cache unavailable; reading memberships", exc_info=True)
        briefing_cache.cache_failed()
        return compute()
    if memberships is None:
        memberships = compute()
        try:
            cache.set(key, memberships, ttl)
        except Exception:
            logger.warning("Could not cache memberships", exc_info=True)
            briefing_cache.cache_failed()
    return memberships


class _ForgetUsers:
    """On commit: new tokens for these users' memberships. Several writes of one transaction
    register one callback per user set."""

    def __init__(self, user_ids: Iterable[int]) -> None:
        self.user_ids = frozenset(user_ids)

    def __call__(self) -> None:
        try:
            cache.set_many({_user_token_key(pk): uuid.uuid4().hex for pk in self.user_ids}, None)
        except Exception:  # The write is committed; the entries expire within their TTL.
            logger.warning("Could not mark memberships of %s changed", sorted(self.user_ids))
            # This process then reads memberships from the database for a while.
            briefing_cache.cache_failed()


def memberships_changed(user_ids: Iterable[int]) -> None:
    """These users' cached memberships are out of date once the transaction commits."""
    user_ids = {pk for pk in user_ids if pk is not None}
    if user_ids:
        transaction.on_commit(_ForgetUsers(user_ids))


def _changed_uncommitted(user_id: int) -> bool:
    return any(
        isinstance(callback, _ForgetUsers) and user_id in callback.user_ids
        for callback in briefing_cache.pending_on_commit()
    )


def organization_members_changed(organization_ids: Iterable[int]) -> None:
    """An organization's row changed: every member's cached copy of it is out of date."""
    from accounts.models import Membership

    organization_ids = [pk for pk in organization_ids if pk is not None]
    if organization_ids:
        memberships_changed(
            Membership.objects.filter(organization_id__in=organization_ids)
            .values_list("user_id", flat=True)
            .distinct()
        )


def _membership_written(sender: type[Model], instance: Model, **_: object) -> None:
    memberships_changed([instance.user_id])  # type: ignore[attr-defined]


def _organization_written(sender: type[Model], instance: Model, **_: object) -> None:
    organization_members_changed([instance.pk])


def _plan_written(sender: type[Model], instance: Model, **_: object) -> None:
    """A plan's limits are part of each of its organizations' cached rows and pages."""
    organization_ids = list(instance.organizations.values_list("pk", flat=True))  # type: ignore[attr-defined]
    organization_members_changed(organization_ids)
    briefing_cache.briefing_changed(*organization_ids)


def connect_signals() -> None:
    from accounts.models import Membership, Organization, Plan

    uid = "accounts.request_cache"
    post_save.connect(_membership_written, sender=Membership, dispatch_uid=f"{uid}.m.save")
    post_delete.connect(_membership_written, sender=Membership, dispatch_uid=f"{uid}.m.delete")
    post_save.connect(_organization_written, sender=Organization, dispatch_uid=f"{uid}.o.save")
    post_save.connect(_plan_written, sender=Plan, dispatch_uid=f"{uid}.p.save")
    # A deleted organization's memberships are deleted first (cascade) and say so themselves.
