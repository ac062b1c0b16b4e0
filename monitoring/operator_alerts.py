"""Operator alerts: the rules of the admin, evaluated every minute, open and resolve incidents
and tell operators once when one fires and once when it clears.

An evaluation reads each check the enabled rules need once (monitoring.alert_checks), then,
per rule and under that rule's row lock, compares what it found with the open incidents:

- a new problem opens an incident ("pending");
- one that has lasted the rule's ``for_minutes`` fires: ``fired_at`` is set and one
  "firing" notification is made for every incident of the rule that fired at this
  evaluation (fifty feeds failing together: one email);
- a problem gone resolves its incident; if it had fired, one "resolved" notification.

The lock, and a partial unique constraint on open incidents, make two evaluations at once
(the beat task and a fallback, or a redelivered task) harmless: the second finds the work
done. Deliveries are sent by the mail queue after the commit, with the brand alerts' retries
(outbound.deliveries), so a webhook that is down never slows an evaluation.

Query budget of an evaluation with nothing changing (the usual minute): 1 (rules) + 1 (open
incidents) + one per check read (jobs, feeds, heartbeats, beat's schedules, quota: 5 at most;
breakers and the collector are read from Redis or the cache) + 1 (last_seen) + 1
(evaluated_at) = 9 with the eight default rules, whatever the number of jobs, feeds,
organizations or open incidents (a test holds it). Only a rule with something to open, fire,
resolve or reword (a lag in seconds that moved) takes its lock (3 queries more, and the
writes).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from marketing_hunting.single_line import one_line
from monitoring.alert_checks import Findings, Readings
from monitoring.models import (
    OperatorAlertRule,
    OperatorDelivery,
    OperatorEvent,
    OperatorIncident,
    OperatorNotification,
)
from outbound import deliveries
from outbound.deliveries import DeliveryChannel, DeliveryStatus

logger = logging.getLogger(__name__)

# With no evaluation for this long, beat's watchdog or a worker's heartbeat thread runs one
# itself: the task needs a worker and beat, and "no worker" or "no beat" is what it reports.
FALLBACK_AFTER = timedelta(minutes=3)
SHOWN_INCIDENTS = 50


# --- Evaluation ----------------------------------------------------------------------------------


def operator_alerts_evaluate(
    *, now: datetime | None = None, enqueue: bool = True
) -> list[OperatorNotification]:
    """Evaluate every enabled rule; returns the notifications made (their deliveries are
    enqueued after the commit, unless the caller sends them itself)."""
    now = now or timezone.now()
    rules = list(OperatorAlertRule.objects.filter(enabled=True).order_by("id"))
    known: dict[int, dict[str, OperatorIncident]] = {rule.pk: {} for rule in rules}
    for incident in OperatorIncident.objects.filter(rule__in=rules, resolved_at=None):
        known[incident.rule_id][incident.key] = incident
    readings = Readings(now)
    made: list[OperatorNotification] = []
    unchanged: list[int] = []
    for rule in rules:
        try:
            findings = readings.findings(rule.kind, rule.level)
        except Exception:  # One check's bug must not silence the other rules.
            logger.exception("Operator alert rule %s could not read its check", rule.pk)
            continue
        if _changes(rule, findings, known[rule.pk], now):
            made += _rule_apply(rule=rule, findings=findings, now=now, enqueue=enqueue)
        else:  # the usual minute: the same problems, none due to fire; no lock needed
            unchanged += [incident.pk for incident in known[rule.pk].values()]
    if unchanged:
        OperatorIncident.objects.filter(pk__in=unchanged).update(last_seen_at=now)
    OperatorAlertRule.objects.filter(pk__in=[r.pk for r in rules]).update(evaluated_at=now)
    return made


def _changes(
    rule: OperatorAlertRule,
    findings: Findings,
    known: dict[str, OperatorIncident],
    now: datetime,
) -> bool:
    """Whether this rule has anything to open, fire, reword or resolve (read without a lock;
    _rule_apply decides again under the lock)."""
    if any(key not in known for key in findings):
        return True
    if findings.complete and any(key not in findings for key in known):
        return True
    due = now - timedelta(minutes=rule.for_minutes)
    for key, finding in findings.items():
        incident = known[key]
        if incident.fired_at is None and incident.opened_at <= due:
            return True
        if incident.reason != finding.reason or incident.subject != finding.subject[:300]:
            return True
    return False


@transaction.atomic
def _rule_apply(
    *, rule: OperatorAlertRule, findings: Findings, now: datetime, enqueue: bool
) -> list[OperatorNotification]:
    # The rule's row lock serialises evaluations of this rule (SQLite: the write transaction).
    locked = OperatorAlertRule.objects.select_for_update().filter(pk=rule.pk, enabled=True)
    if not list(locked.values_list("pk", flat=True)):  # disabled meanwhile
        return []
    open_incidents = {
        i.key: i for i in OperatorIncident.objects.filter(rule=rule, resolved_at=None)
    }
    fired: list[OperatorIncident] = []
    resolved: list[OperatorIncident] = []
    seen: list[int] = []
    for key, finding in findings.items():
        incident = open_incidents.get(key)
        if incident is None:
            incident = _incident_open(rule=rule, key=key, finding=finding, now=now)
            if incident is None:
                continue
        elif incident.reason != finding.reason or incident.subject != finding.subject[:300]:
            incident.reason, incident.subject = finding.reason, finding.subject[:300]
            incident.last_seen_at = now
            incident.save(update_fields=["reason", "subject", "last_seen_at"])
        else:
            seen.append(incident.pk)
        if incident.fired_at is None and now - incident.opened_at >= timedelta(
            minutes=rule.for_minutes
        ):
            incident.fired_at = now
            incident.save(update_fields=["fired_at"])
            fired.append(incident)
    if seen:
        OperatorIncident.objects.filter(pk__in=seen).update(last_seen_at=now)
    for key, incident in open_incidents.items():
        if key not in findings and findings.complete:
            incident.resolved_at = now
            incident.save(update_fields=["resolved_at"])
            if incident.fired_at is not None:
                resolved.append(incident)
    made = []
    for event, incidents in ((OperatorEvent.FIRING, fired), (OperatorEvent.RESOLVED, resolved)):
        if incidents:
            made.append(
                _notification_make(
                    rule=rule, event=event, incidents=incidents, now=now, enqueue=enqueue
                )
            )
    return made


def _incident_open(
    *, rule: OperatorAlertRule, key: str, finding: Any, now: datetime
) -> OperatorIncident | None:
    try:
        with transaction.atomic():
            return OperatorIncident.objects.create(
                rule=rule,
                key=key,
                subject=finding.subject[:300],
                reason=finding.reason,
                opened_at=now,
                last_seen_at=now,
            )
    except IntegrityError:  # Opened meanwhile by an evaluation that did not hold the lock.
        return None


def _notification_make(
    *,
    rule: OperatorAlertRule,
    event: str,
    incidents: list[OperatorIncident],
    now: datetime,
    enqueue: bool,
) -> OperatorNotification:
    notification = OperatorNotification.objects.create(rule=rule, event=event)
    notification.incidents.set(incidents)
    rows = [
        OperatorDelivery(
            notification=notification,
            channel=DeliveryChannel.EMAIL,
            recipient=address,
            next_attempt_at=now,
        )
        for address in rule.recipient_list()
    ]
    if rule.webhook_url:
        rows.append(
            OperatorDelivery(
                notification=notification,
                channel=DeliveryChannel.WEBHOOK,
                recipient=rule.webhook_url,
                next_attempt_at=now,
            )
        )
    created = OperatorDelivery.objects.bulk_create(rows)
    ids = [delivery.pk for delivery in created]
    if enqueue:
        transaction.on_commit(lambda: enqueue_deliveries(ids), robust=True)
    log = logger.error if event == OperatorEvent.FIRING else logger.warning
    log(
        "Operator alert %s %s: %s",
        rule.name,
        event,
        "; ".join(f"{i.subject}: {i.reason}" for i in incidents[:5]),
    )
    return notification


def operator_alerts_fallback(*, now: datetime | None = None) -> bool:
    """Evaluate here when no evaluation ran for FALLBACK_AFTER (no worker, or no beat, to run
    the scheduled task), and send what is due from here too: with no worker, a message left
    on the mail queue would never leave. Called by beat's watchdog thread and the workers'
    heartbeat threads; one query when there is nothing to do."""
    now = now or timezone.now()
    enabled = OperatorAlertRule.objects.filter(enabled=True)
    last = enabled.aggregate(last=Max("evaluated_at"))["last"]
    if last is not None and now - last < FALLBACK_AFTER:
        return False
    if last is None and not enabled.exists():
        return False
    logger.warning("No operator alert evaluation since %s: evaluating in this process", last)
    operator_alerts_evaluate(now=now, enqueue=False)
    for delivery_id in operator_deliveries_due(now=now):
        operator_delivery_attempt(delivery_id=delivery_id, now=now)
    return True


PURGE_CHUNK = 500


def operator_incidents_purge(*, older_than_days: int, now: datetime | None = None) -> int:
    """Delete incidents resolved, and notifications made, more than ``older_than_days`` ago
    (ALERT_RETENTION_DAYS), with their deliveries; never a notification still being sent."""
    cutoff = (now or timezone.now()) - timedelta(days=older_than_days)
    busy = OperatorDelivery.objects.filter(
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING]
    ).values("notification_id")
    OperatorNotification.objects.filter(created_at__lt=cutoff).exclude(pk__in=busy).delete()
    # The old incidents from their partial index, then their links by incident id: as
    # ``notifications__isnull`` (or NOT EXISTS) the planner may join every link of every
    # notification ever made. Few incidents resolve in an hour; chunks keep the IN lists short.
    links = OperatorNotification.incidents.through.objects
    old = sorted(
        OperatorIncident.objects.filter(resolved_at__lt=cutoff)
        .order_by()
        .values_list("pk", flat=True)
    )
    deleted = 0
    for start in range(0, len(old), PURGE_CHUNK):
        ids = set(old[start : start + PURGE_CHUNK])
        linked = links.filter(operatorincident_id__in=ids).values_list("operatorincident_id")
        ids -= {pk for (pk,) in linked}
        if ids:
            deleted += OperatorIncident.objects.filter(pk__in=ids).delete()[0]
    return deleted


# --- What is sent --------------------------------------------------------------------------------


def _incidents(notification: OperatorNotification) -> list[OperatorIncident]:
    return list(notification.incidents.order_by("id")[:SHOWN_INCIDENTS])


def _headline(notification: OperatorNotification, incidents: list[OperatorIncident]) -> str:
    rule = notification.rule
    state = "FIRING" if notification.event == OperatorEvent.FIRING else "RESOLVED"
    what = (
        incidents[0].subject
        if len(incidents) == 1
        else f"{notification.incidents.count()} incidents"
    )
    return one_line(f"{state}: {rule.get_kind_display()}: {what}")[:200]


def incidents_url() -> str:
    return settings.SITE_URL + reverse("admin:monitoring_operatorincident_changelist")


def email_message(notification: OperatorNotification, recipient: str) -> EmailMessage:
    incidents = _incidents(notification)
    rule = notification.rule
    lines = [
        _headline(notification, incidents),
        "",
        f"Rule: {rule.name} ({rule.get_kind_display()}, fires after {rule.for_minutes} min)",
        "",
    ]
    for incident in incidents:
        lines.append(f"- {incident.subject}")
        lines.append(f"  {incident.reason}")
        lines.append(f"  since {incident.opened_at:%Y-%m-%d %H:%M:%S} UTC")
        if incident.resolved_at:
            lines.append(f"  resolved {incident.resolved_at:%Y-%m-%d %H:%M:%S} UTC")
    more = notification.incidents.count() - len(incidents)
    if more > 0:
        lines.append(f"... and {more} more")
    lines += [
        "",
        f"Incidents: {incidents_url()}",
        "What each alert means and what to do: docs/operations.md, “Operator alerts”.",
    ]
    return EmailMessage(
        subject=f"[Marketing Hunting ops] {_headline(notification, incidents)}",
        body="\n".join(lines) + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient],
    )


def webhook_payload(
    notification: OperatorNotification, delivery: OperatorDelivery
) -> dict[str, Any]:
    incidents = _incidents(notification)
    rule = notification.rule
    return {
        "event_id": str(delivery.event_id),
        "type": f"operator_alert.{notification.event}",
        # Slack and Teams incoming webhooks show "text"; other receivers read the rest.
        "text": f"{_headline(notification, incidents)} {incidents_url()}",
        "rule": {"id": rule.pk, "name": rule.name, "kind": rule.kind, "level": rule.level},
        "incidents": [
            {
                "id": i.pk,
                "key": i.key,
                "subject": i.subject,
                "reason": i.reason,
                "opened_at": i.opened_at.isoformat(),
                "fired_at": i.fired_at.isoformat() if i.fired_at else None,
                "resolved_at": i.resolved_at.isoformat() if i.resolved_at else None,
            }
            for i in incidents
        ],
        "created_at": notification.created_at.isoformat(),
    }


def enqueue_deliveries(ids: Iterable[int], countdown: float | None = None) -> None:
    from monitoring.tasks import send_operator_delivery

    for pk in ids:
        send_operator_delivery.apply_async((pk,), countdown=countdown)


SENDER = deliveries.Sender(
    model=OperatorDelivery,
    select_related=("notification__rule",),
    email=lambda d: email_message(d.notification, d.recipient),
    webhook=lambda d: (d.notification.rule.webhook_secret, webhook_payload(d.notification, d)),
    enqueue=enqueue_deliveries,
    describe=lambda d: f"Operator alert {d.notification.rule.name}",
)


def operator_delivery_attempt(
    *, delivery_id: int, now: datetime | None = None
) -> OperatorDelivery | None:
    return deliveries.attempt(SENDER, delivery_id=delivery_id, now=now)


def operator_deliveries_due(*, now: datetime | None = None) -> list[int]:
    return deliveries.due(SENDER, now=now)


def operator_deliveries_retry(*, delivery_ids: Iterable[int]) -> int:
    return deliveries.retry(SENDER, delivery_ids=delivery_ids)
