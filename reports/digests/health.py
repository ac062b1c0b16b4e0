"""The System health page's box for digest emails: where an operator sees failing sends."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Q

from monitoring.health_item import OK, WARN, Item
from outbound.deliveries import DeliveryStatus
from reports.digests.models import DigestDelivery

TITLE = "Digest deliveries (24 h)"


def digest_deliveries_item(now: datetime) -> Item:
    """Digest emails of the last 24 hours (one query): amber while some are being retried
    or have failed (the mail server down), with where to look."""
    counts = DigestDelivery.objects.filter(created_at__gte=now - timedelta(hours=24)).aggregate(
        sent=Count("id", filter=Q(status=DeliveryStatus.SENT)),
        failed=Count("id", filter=Q(status=DeliveryStatus.FAILED)),
        retrying=Count("id", filter=Q(status=DeliveryStatus.PENDING, attempts__gt=0)),
    )
    facts = [
        ("Sent", str(counts["sent"])),
        ("Being retried", str(counts["retrying"])),
        ("Failed", str(counts["failed"])),
    ]
    if counts["failed"]:
        reason = f"{counts['failed']} failed every attempt: Admin → Digest deliveries, state Failed"
        return Item("digests", TITLE, WARN, reason, facts)
    if counts["retrying"]:
        reason = f"{counts['retrying']} being retried: is the mail server down?"
        return Item("digests", TITLE, WARN, reason, facts)
    return Item("digests", TITLE, OK, "None failing", facts)
