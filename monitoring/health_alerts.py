"""The System health page's two alert parts: brand alert emails and webhook calls failing
(reports.alerts), and the operator incidents open now (monitoring.operator_alerts). One
query each, whatever the number of rows."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, F, Q

from monitoring.health_item import ERROR, OK, WARN, Item, ago
from monitoring.models import OperatorIncident

SHOWN_ON_HEALTH = 20  # open operator incidents listed on the page


def alert_deliveries_item(now: datetime) -> Item:
    """Alert emails and webhook calls of the last 24 hours: amber while some are being
    retried or have failed (a mail server or receiver down), with where to look."""
    from reports.alerts.models import AlertDelivery, DeliveryStatus

    counts = AlertDelivery.objects.filter(created_at__gte=now - timedelta(hours=24)).aggregate(
        sent=Count("id", filter=Q(status=DeliveryStatus.SENT)),
        failed=Count("id", filter=Q(status=DeliveryStatus.FAILED)),
        retrying=Count("id", filter=Q(status=DeliveryStatus.PENDING, attempts__gt=0)),
    )
    title = "Alert deliveries (24 h)"
    facts = [
        ("Sent", str(counts["sent"])),
        ("Being retried", str(counts["retrying"])),
        ("Failed", str(counts["failed"])),
    ]
    if counts["failed"]:
        reason = f"{counts['failed']} failed every attempt: Admin → Alert deliveries, state Failed"
        return Item("alerts", title, WARN, reason, facts)
    if counts["retrying"]:
        reason = f"{counts['retrying']} being retried: is the mail server or a webhook down?"
        return Item("alerts", title, WARN, reason, facts)
    return Item("alerts", title, OK, "None failing", facts)


def incidents_item(now: datetime) -> Item:
    """Open operator incidents, firing first: red while one fires, amber while some are only
    pending (not yet lasted their rule's minutes). One query, however many are open: it reads
    SHOWN_ON_HEALTH + 1 rows at most, the extra one only to say there are more."""
    title = "Operator incidents"
    rows = list(
        OperatorIncident.objects.filter(resolved_at=None)
        .select_related("rule")
        # Firing (longest first), then pending; NULLs last on SQLite too.
        .order_by(F("fired_at").asc(nulls_last=True), "-opened_at", "-id")
        .only("subject", "reason", "opened_at", "fired_at", "rule__name")[: SHOWN_ON_HEALTH + 1]
    )
    if not rows:
        return Item("incidents", title, OK, "None open")
    shown = rows[:SHOWN_ON_HEALTH]
    firing = [i for i in shown if i.fired_at is not None]
    item_rows = [
        {
            "name": incident.subject,
            "level": ERROR if incident.fired_at else WARN,
            "reason": (
                f"{'firing' if incident.fired_at else 'pending'} since "
                f"{ago((now - (incident.fired_at or incident.opened_at)).total_seconds())} "
                f"({incident.rule.name}): {incident.reason}"
            ),
        }
        for incident in shown
    ]
    parts = [f"{len(firing)} firing"] if firing else []
    if len(shown) > len(firing):
        parts.append(f"{len(shown) - len(firing)} pending")
    reason = ", ".join(parts)
    if len(rows) > SHOWN_ON_HEALTH:
        reason = f"More than {SHOWN_ON_HEALTH} open; the first: {reason}"
    return Item("incidents", title, ERROR if firing else WARN, reason, [], item_rows)
