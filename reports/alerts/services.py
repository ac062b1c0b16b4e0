"""Alert rules, evaluation, notifications and mutes: the writes, each atomic.

Evaluation claims a rule by locking its row, so two evaluations at once (beat, and the one
queued after an analysis) never raise the same alert twice; the cool-down is read under that
lock. Deliveries are created with the alert and sent after the commit (reports.alerts.delivery).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Membership, Organization
from reports.alerts.detection import Incident, find_incidents
from reports.alerts.models import (
    Alert,
    AlertDelivery,
    AlertMute,
    AlertNotification,
    AlertRule,
    DeliveryChannel,
    DeliveryStatus,
)

logger = logging.getLogger(__name__)

RULE_FIELDS = (
    "name",
    "kind",
    "group",
    "enabled",
    "spike_factor",
    "min_mentions",
    "baseline_days",
    "cluster_size",
    "window_hours",
    "negative_threshold",
    "min_confidence",
    "cooldown_hours",
    "webhook_url",
)
# An evaluation queued after an analysis waits this long for the next one to join it.
EVALUATE_SOON_SECONDS = 60


def _require_manager(actor: Membership, organization_id: int) -> None:
    if actor.organization_id != organization_id or not actor.can_manage_members:
        raise PermissionDenied("Only owners and admins can change alert rules.")


def _recipients_of(organization: Organization, users: Iterable[AbstractBaseUser]) -> list[Any]:
    users = list(users)
    members = set(
        Membership.objects.filter(organization=organization, user__in=users).values_list(
            "user_id", flat=True
        )
    )
    strangers = [user for user in users if user.pk not in members]
    if strangers:
        raise ValidationError({"email_recipients": "Choose members of your organization."})
    return users


def _save_rule(rule: AlertRule, values: dict[str, Any], recipients: Iterable[Any]) -> AlertRule:
    for name, value in values.items():
        setattr(rule, name, value.strip() if isinstance(value, str) else value)
    rule.full_clean()
    rule.save()
    rule.email_recipients.set(_recipients_of(rule.organization, recipients))
    return rule


@transaction.atomic
def alert_rule_create(
    *,
    organization: Organization,
    actor: Membership,
    recipients: Iterable[Any] = (),
    **values: Any,
) -> AlertRule:
    _require_manager(actor, organization.pk)
    unknown = set(values) - set(RULE_FIELDS)
    if unknown:
        raise TypeError(f"unknown rule fields: {sorted(unknown)}")
    rule = AlertRule(organization=organization, created_by=actor.user)
    return _save_rule(rule, values, recipients)


@transaction.atomic
def alert_rule_update(
    *, rule: AlertRule, actor: Membership, recipients: Iterable[Any] = (), **values: Any
) -> AlertRule:
    _require_manager(actor, rule.organization_id)
    unknown = set(values) - set(RULE_FIELDS)
    if unknown:
        raise TypeError(f"unknown rule fields: {sorted(unknown)}")
    return _save_rule(rule, values, recipients)


@transaction.atomic
def alert_rule_new_secret(*, rule: AlertRule, actor: Membership) -> str:
    from reports.alerts.models import new_webhook_secret

    _require_manager(actor, rule.organization_id)
    rule.webhook_secret = new_webhook_secret()
    rule.save(update_fields=["webhook_secret", "updated_at"])
    return rule.webhook_secret


@transaction.atomic
def alert_rule_delete(*, rule: AlertRule, actor: Membership) -> None:
    _require_manager(actor, rule.organization_id)
    rule.delete()


# --- Evaluation ----------------------------------------------------------------------------------


def _cooling(rule: AlertRule, now: datetime) -> set[int]:
    """Brands this rule alerted about within its cool-down."""
    recent = Alert.objects.filter(rule=rule, created_at__gt=now - rule.cooldown)
    return set(recent.values_list("brand_id", flat=True))


@dataclass
class _Audience:
    """Who hears of this rule's alerts, read once per evaluation."""

    notified: list[int]
    emails: list[str]

    @classmethod
    def of(cls, rule: AlertRule) -> _Audience:
        mutes = AlertMute.objects.filter(organization_id=rule.organization_id)
        muted = set(
            mutes.filter(Q(rule__isnull=True) | Q(rule=rule)).values_list("user_id", flat=True)
        )
        members = Membership.objects.filter(organization_id=rule.organization_id)
        notified = [pk for pk in members.values_list("user_id", flat=True) if pk not in muted]
        # Only members (one who left is sent nothing), with an address, not muted.
        emails = (
            rule.email_recipients.filter(memberships__organization_id=rule.organization_id)
            .exclude(pk__in=muted)
            .exclude(email="")
            .values_list("email", flat=True)
            .distinct()
        )
        return cls(notified, sorted(emails))


def _raise(rule: AlertRule, incident: Incident, audience: _Audience, now: datetime) -> Alert:
    if incident.brand is None:  # find_incidents always loads it
        raise ValueError("an incident without its brand")
    organization_id = rule.organization_id
    alert = Alert.objects.create(
        organization_id=organization_id,
        rule=rule,
        brand=incident.brand,
        kind=rule.kind,
        brand_name=incident.brand.name,
        summary=incident.summary(rule)[:500],
        observed=incident.observed,
        baseline=incident.baseline,
        window_start=incident.window_start,
        window_end=incident.window_end,
    )
    Alert.mentions.through.objects.bulk_create(
        Alert.mentions.through(alert_id=alert.pk, mention_id=pk) for pk in incident.mention_ids
    )
    AlertNotification.objects.bulk_create(
        AlertNotification(organization_id=organization_id, alert=alert, user_id=user_id)
        for user_id in audience.notified
    )
    deliveries = [
        AlertDelivery(
            organization_id=organization_id,
            alert=alert,
            channel=DeliveryChannel.EMAIL,
            recipient=email,
            next_attempt_at=now,
        )
        for email in audience.emails
    ]
    if rule.webhook_url:
        deliveries.append(
            AlertDelivery(
                organization_id=organization_id,
                alert=alert,
                channel=DeliveryChannel.WEBHOOK,
                recipient=rule.webhook_url,
                next_attempt_at=now,
            )
        )
    created = AlertDelivery.objects.bulk_create(deliveries)
    if created:
        from reports.alerts.delivery import enqueue_deliveries

        ids = [delivery.pk for delivery in created]
        transaction.on_commit(lambda: enqueue_deliveries(ids), robust=True)
    logger.info("Alert %s raised by rule %s: %s", alert.pk, rule.pk, alert.summary)
    return alert


def alert_rule_evaluate(*, rule: AlertRule, now: datetime | None = None) -> list[Alert]:
    """Raise one alert per brand for which ``rule`` holds and that is out of its cool-down."""
    now = now or timezone.now()
    with transaction.atomic():
        # The claim: a second evaluation of this rule waits here, then sees our alerts.
        locked = AlertRule.objects.select_for_update().filter(pk=rule.pk, enabled=True).first()
        if locked is None:
            return []
        incidents = find_incidents(locked, now=now, skip=_cooling(locked, now))
        if not incidents:
            return []
        audience = _Audience.of(locked)
        return [_raise(locked, incident, audience, now) for incident in incidents]


def alerts_evaluate(
    *, organization_id: int | None = None, now: datetime | None = None
) -> list[Alert]:
    """Evaluate every enabled rule (of one organization, or of all). One failing rule is
    logged and the others still run."""
    rules = AlertRule.objects.filter(enabled=True).order_by("id")
    if organization_id is not None:
        rules = rules.filter(organization_id=organization_id)
    raised: list[Alert] = []
    for rule in rules:
        try:
            raised += alert_rule_evaluate(rule=rule, now=now)
        except Exception:
            logger.exception("Alert rule %s could not be evaluated", rule.pk)
    return raised


def alerts_evaluate_soon(*, organization_ids: Iterable[int]) -> None:
    """After an analysis: queue one evaluation per organization that has enabled rules,
    at most one per EVALUATE_SOON_SECONDS (the beat schedule catches anything skipped)."""
    from reports.tasks import evaluate_alerts

    watched = set(
        AlertRule.objects.filter(organization_id__in=set(organization_ids), enabled=True)
        .values_list("organization_id", flat=True)
        .distinct()
    )
    for organization_id in watched:
        if cache.add(f"alerts:evaluate-soon:{organization_id}", 1, EVALUATE_SOON_SECONDS):
            transaction.on_commit(
                lambda pk=organization_id: evaluate_alerts.apply_async(
                    kwargs={"organization_id": pk}, countdown=5
                ),
                robust=True,
            )


# --- Notifications and mutes ---------------------------------------------------------------------


def notifications_mark_read(
    *, user: AbstractBaseUser, organization: Organization, alert_ids: Iterable[int] | None = None
) -> int:
    unread = AlertNotification.objects.filter(
        user=user, organization=organization, read_at__isnull=True
    )
    if alert_ids is not None:
        unread = unread.filter(alert_id__in=list(alert_ids))
    return unread.update(read_at=timezone.now())


@transaction.atomic
def alert_mute_set(
    *,
    user: AbstractBaseUser,
    organization: Organization,
    rule: AlertRule | None,
    muted: bool,
) -> None:
    """Mute (or unmute) one rule, or with ``rule=None`` every alert, for one member."""
    if rule is not None and rule.organization_id != organization.pk:
        raise PermissionDenied("Not a rule of this organization.")
    existing = AlertMute.objects.filter(organization=organization, user=user, rule=rule)
    if muted:
        if not existing.exists():
            AlertMute.objects.create(organization=organization, user=user, rule=rule)
    else:
        existing.delete()


def recent_failed_deliveries(organization: Organization, *, days: int = 7) -> int:
    from reports.alerts.models import DeliveryStatus

    return AlertDelivery.objects.filter(
        organization=organization,
        status=DeliveryStatus.FAILED,
        created_at__gte=timezone.now() - timedelta(days=days),
    ).count()


PURGE_BATCH = 1000


def alerts_purge(*, older_than_days: int, now: datetime | None = None) -> int:
    """Delete alerts raised more than ``older_than_days`` ago, with their notifications and
    deliveries (``ALERT_RETENTION_DAYS``). An alert with a delivery still waiting or being
    sent stays until that delivery is done. Deleted in batches, so a first purge of a large
    backlog never holds one long transaction. Returns the number of alerts deleted."""
    cutoff = (now or timezone.now()) - timedelta(days=older_than_days)
    busy = AlertDelivery.objects.filter(
        status__in=(DeliveryStatus.PENDING, DeliveryStatus.SENDING)
    ).values("alert_id")
    expired = Alert.objects.filter(created_at__lt=cutoff).exclude(pk__in=busy).order_by()
    deleted = 0
    while ids := list(expired.values_list("pk", flat=True)[:PURGE_BATCH]):
        Alert.objects.filter(pk__in=ids).delete()
        deleted += len(ids)
    return deleted
