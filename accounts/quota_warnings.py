"""Warnings to an organization's owners at 80 % and 100 % of a quota, once per threshold
per period, and the ``quota_threshold_crossed`` signal (billing webhooks listen to it).

Once is kept by a row (``QuotaWarning``) with a unique constraint: whoever inserts it sends
the email and the signal after the transaction commits; a concurrent or repeated check finds
the row and sends nothing. Periods: the UTC month for monthly quotas, the UTC day for API
calls a minute (a per-minute period would mail every minute), none for counts, whose rows
are deleted when the use is back under the threshold, so the next crossing warns again.

Where it is checked, and why both ways:

- where use grows, cheaply: a creation passing :func:`accounts.quotas.quota_check` (the new
  count is known: no extra query below 80 %), an analysis deciding whether the LLM may run
  (the month's use was just read), a discovery search, the API limiter at its burst's edge.
  A monthly row found once is remembered in the cache, so later articles skip the database;
- hourly by beat (:func:`quota_warnings_sweep`): a check made *before* the use grows cannot
  see the last growth of the month (the article whose tokens cross 100 % is the last one
  checked), and lowering a plan crosses thresholds without any use growing.
"""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string

from accounts.models import Membership, Organization, QuotaWarning, Role
from accounts.quotas import MEASURED, QUOTAS, Usage, quota_limit, quota_used, utc_today
from accounts.signals import quota_threshold_crossed
from marketing_hunting.single_line import one_line

logger = logging.getLogger(__name__)

THRESHOLDS = (80, 100)
CACHE_SECONDS = 24 * 60 * 60


def quota_period(resource: str, today: date) -> str:
    kind = QUOTAS[resource].kind  # type: ignore[index]
    if kind == "monthly":
        return f"{today:%Y-%m}"
    if kind == "rate":
        return today.isoformat()
    return ""


def _cache_key(organization_id: int, resource: str, period: str, threshold: int) -> str:
    return f"quota-warned:{organization_id}:{resource}:{period}:{threshold}"


def quota_warn(*, organization: Organization, usage: Usage, today: date | None = None) -> list[int]:
    """Record and send the warnings ``usage`` has crossed that were not sent this period;
    re-arm a count quota's thresholds it is back under. Returns the thresholds warned now."""
    limit = usage.limit
    if limit is None:
        return []
    today = today or utc_today()
    resource = usage.resource
    period = quota_period(resource, today)
    counted = QUOTAS[resource].kind == "count"
    crossed = [t for t in THRESHOLDS if usage.used * 100 >= t * limit]
    if counted:
        below = [t for t in THRESHOLDS if t not in crossed]
        if below:
            QuotaWarning.objects.filter(
                organization=organization, resource=resource, period="", threshold__in=below
            ).delete()
    warned = []
    for threshold in crossed:
        key = _cache_key(organization.pk, resource, period, threshold)
        # Counts are re-armed by deleting rows, which the cache would not see.
        if not counted and cache.get(key):
            continue
        _row, created = QuotaWarning.objects.get_or_create(
            organization=organization,
            resource=resource,
            period=period,
            threshold=threshold,
            defaults={"used": usage.used, "limit": limit},
        )
        if not counted:
            # After commit: a rolled-back row must not keep later checks from warning.
            transaction.on_commit(lambda key=key: cache.set(key, 1, CACHE_SECONDS))
        if created:
            warned.append(threshold)
            transaction.on_commit(
                lambda threshold=threshold: _announce(organization, usage, threshold, today),
                robust=True,
            )
    return warned


def _announce(organization: Organization, usage: Usage, threshold: int, today: date) -> None:
    """The email to the owners, then the signal (after commit: only what happened)."""
    owners = list(
        Membership.objects.filter(organization=organization, role=Role.OWNER)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    context = {
        "organization": organization,
        "usage": usage,
        "threshold": threshold,
        "reached": usage.used >= usage.limit,  # type: ignore[operator]
        "explanation": _explanation(usage, today),
        "site_url": settings.SITE_URL,
        "once": {
            "count": f"until the use drops back under {threshold} %",
            "monthly": "a month (UTC)",
            "rate": "a day (UTC)",
        }[QUOTAS[usage.resource].kind],
    }
    if owners:
        subject = (
            f"{organization}: the plan's limit of {usage.limit:,} {usage.label} is reached"
            if threshold >= 100
            else f"{organization}: {threshold} % of the plan's {usage.label} used"
        )
        send_mail(
            one_line(f"[Marketing Hunting] {subject}"),
            render_to_string("accounts/emails/quota_warning.txt", context),
            None,
            owners,
            fail_silently=True,
        )
    quota_threshold_crossed.send(
        sender=QuotaWarning,
        organization=organization,
        resource=usage.resource,
        used=usage.used,
        limit=usage.limit,
        percent=threshold,
    )


def _explanation(usage: Usage, today: date) -> str:
    """ "Your plan allows 50 feeds; you have 40 (80 %). At the limit, …" or, at it, what the
    pages and the API say."""
    from accounts.quotas import first_of_next_month, quota_message

    quota = QUOTAS[usage.resource]
    limit = usage.limit or 0
    if quota.kind == "rate":
        return (
            f"Your plan allows {limit:,} {quota.label}; your API keys sent faster today: "
            f"{quota.consequence}."
        )
    if usage.used >= limit:
        return quota_message(usage.resource, limit, usage.used, today)
    if quota.kind == "count":
        at_limit = "new ones are refused; nothing is deleted"
    else:
        at_limit = quota.consequence.format(reset=f"{first_of_next_month(today):%-d %B %Y}")
    return (
        f"Your plan allows {limit:,} {quota.label}; you have "
        f"{'used ' if quota.kind == 'monthly' else ''}{usage.used:,} ({usage.percent} %). "
        f"At the limit, {at_limit}."
    )


def organizations_with_quotas():  # type: ignore[no-untyped-def]
    """Organizations with a plan or an override of any limit."""
    overrides = Q(plan__isnull=False)
    for resource in MEASURED:
        overrides |= Q(**{f"{QUOTAS[resource].override_field}__isnull": False})
    return Organization.objects.filter(overrides).select_related("plan").order_by("pk")


def quota_warnings_sweep(*, today: date | None = None) -> int:
    """Check every measured quota of every organization with limits; returns warnings sent.
    Each organization in its own transaction, so one failure does not hold back the rest."""
    today = today or utc_today()
    sent = 0
    for organization in organizations_with_quotas().iterator(chunk_size=200):
        try:
            with transaction.atomic():
                for resource in MEASURED:
                    limit = quota_limit(organization, resource)
                    if limit is None:
                        continue
                    usage = Usage(resource, quota_used(organization, resource, today), limit)
                    sent += len(quota_warn(organization=organization, usage=usage, today=today))
        except Exception:
            logger.exception("Quota warnings of organization %s not checked", organization.pk)
    return sent
