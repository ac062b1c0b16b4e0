"""Sending a notification by email or signed webhook, with attempts, back-off and a sweep.

Shared by the users' brand alerts (reports.alerts.delivery) and the operators' alerts
(monitoring.operator_alerts): each keeps its own delivery table (a subclass of
:class:`Delivery`) and says, through a :class:`Sender`, how to build its email and its
webhook body; claiming, sending, signing, retrying and the sweep are the same code.

Each delivery is claimed atomically (pending and due → sending) before it is attempted, so a
redelivered task or the sweep running beside it never sends twice. A failed attempt is
recorded (error, attempt count) and tried again after a growing delay; after
ALERT_DELIVERY_ATTEMPTS it stays failed. A worker lost mid-send leaves the delivery
"sending": the sweep makes it due again.

The webhook body is JSON. Its signature is HMAC-SHA256, keyed with the rule's secret, over
``<timestamp>.<body>``, sent as ``X-MH-Signature: sha256=<hex>`` beside
``X-MH-Timestamp`` (Unix seconds) and ``X-MH-Event-Id`` (the same on every retry of one
delivery, so a receiver can drop duplicates). docs/alerts.md shows how to verify it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from outbound.client import fetch
from outbound.errors import FetchError

logger = logging.getLogger(__name__)

# Delay before attempt n+1 (seconds), the last one repeated: well below Redis's visibility
# timeout (an hour), so a retry's countdown never outlives its message.
BACKOFF_SECONDS = (30, 120, 600, 1800)
# A "sending" delivery older than this lost its worker: the sweep makes it due again.
SENDING_LOST_AFTER = timedelta(minutes=10)
WEBHOOK_TIMEOUT = 10.0
SIGNATURE_HEADER = "X-MH-Signature"
TIMESTAMP_HEADER = "X-MH-Timestamp"
EVENT_HEADER = "X-MH-Event-Id"


class DeliveryChannel(models.TextChoices):
    EMAIL = "email", "Email"
    WEBHOOK = "webhook", "Webhook"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class Delivery(models.Model):
    """One email to one address, or one webhook call, with its attempts."""

    channel = models.CharField(max_length=10, choices=DeliveryChannel.choices)
    # An email address, or the webhook URL as it was when the notification was made.
    recipient = models.CharField(max_length=500)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    # The webhook's idempotency key: the same on every retry of this delivery.
    event_id = models.UUIDField(default=uuid.uuid4, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.get_channel_display()} to {self.recipient} ({self.status})"


class DeliveryFailed(Exception):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Sender:
    """What differs between two kinds of delivery; the rest of this module is shared."""

    model: type[Delivery]
    select_related: tuple[str, ...]
    email: Callable[[Any], EmailMessage]  # the message for one delivery
    webhook: Callable[[Any], tuple[str, dict[str, Any]]]  # (secret, payload)
    enqueue: Callable[[list[int], float | None], None]
    describe: Callable[[Any], str]  # "Alert 12", for log lines


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1])


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def post_signed_json(*, url: str, secret: str, event_id: str, payload: dict[str, Any]) -> int:
    """POST the payload, signed; the receiver's status, or DeliveryFailed."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        EVENT_HEADER: event_id,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }
    try:
        # No redirects: a 30x would turn the POST into a GET somewhere else.
        response = fetch(
            url,
            method="POST",
            headers=headers,
            body=body,
            timeout=WEBHOOK_TIMEOUT,
            max_bytes=64 * 1024,
            max_redirects=0,
        )
    except FetchError as error:
        raise DeliveryFailed(str(error)) from error
    if not 200 <= response.status < 300:
        raise DeliveryFailed(f"the receiver answered HTTP {response.status}", response.status)
    return response.status


def _send(sender: Sender, delivery: Any) -> int | None:
    if delivery.channel == DeliveryChannel.EMAIL:
        try:
            sender.email(delivery).send(fail_silently=False)
        except Exception as error:  # smtplib and socket errors alike: a server down, refusing...
            raise DeliveryFailed(f"{error.__class__.__name__}: {error}") from error
        return None
    secret, payload = sender.webhook(delivery)
    return post_signed_json(
        url=delivery.recipient, secret=secret, event_id=str(delivery.event_id), payload=payload
    )


def _claim(sender: Sender, delivery_id: int, now: datetime) -> Any:
    # The attempt is counted as it is claimed: one that dies with its worker counts too, so a
    # delivery that kills workers cannot be retried for ever.
    claimed = sender.model.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(status=DeliveryStatus.SENDING, last_attempt_at=now, attempts=F("attempts") + 1)
    if claimed != 1:
        return None
    return sender.model.objects.select_related(*sender.select_related).get(pk=delivery_id)


def attempt(sender: Sender, *, delivery_id: int, now: datetime | None = None) -> Any:
    """Attempt one due delivery; None when it is not due (sent, failed, or someone else's)."""
    now = now or timezone.now()
    delivery = _claim(sender, delivery_id, now)
    if delivery is None:
        return None
    try:
        try:
            delivery.response_status = _send(sender, delivery)
        except DeliveryFailed:
            raise
        except Exception as error:  # A bug must not leave the delivery "sending" for good.
            logger.exception(
                "%s: delivery %s could not be attempted", sender.describe(delivery), delivery.pk
            )
            raise DeliveryFailed(f"{error.__class__.__name__}: {error}") from error
    except DeliveryFailed as error:
        delivery.last_error = str(error)[:2000]
        delivery.response_status = error.status
        if delivery.attempts >= settings.ALERT_DELIVERY_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
            logger.error(
                "%s: %s to %s failed after %s attempts: %s",
                sender.describe(delivery),
                delivery.channel,
                delivery.recipient,
                delivery.attempts,
                error,
            )
        else:
            delivery.status = DeliveryStatus.PENDING
            delivery.next_attempt_at = timezone.now() + backoff(delivery.attempts)
            logger.warning(
                "%s: %s to %s failed (attempt %s), retried at %s: %s",
                sender.describe(delivery),
                delivery.channel,
                delivery.recipient,
                delivery.attempts,
                delivery.next_attempt_at,
                error,
            )
    else:
        delivery.status = DeliveryStatus.SENT
        delivery.sent_at = timezone.now()
        delivery.last_error = ""
    delivery.save(
        update_fields=["status", "last_error", "response_status", "next_attempt_at", "sent_at"]
    )
    if delivery.status == DeliveryStatus.PENDING:
        wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
        transaction.on_commit(lambda: sender.enqueue([delivery.pk], max(wait, 0)), robust=True)
    return delivery


def due(sender: Sender, *, now: datetime | None = None, limit: int = 500) -> list[int]:
    """The sweep: deliveries due now, and those whose worker was lost mid-send (made due)."""
    now = now or timezone.now()
    lost = sender.model.objects.filter(
        status=DeliveryStatus.SENDING, last_attempt_at__lt=now - SENDING_LOST_AFTER
    )
    lost.filter(attempts__gte=settings.ALERT_DELIVERY_ATTEMPTS).update(
        status=DeliveryStatus.FAILED,
        last_error="The worker sending it stopped during the last attempt.",
    )
    lost.update(status=DeliveryStatus.PENDING, next_attempt_at=now)
    waiting = sender.model.objects.filter(
        status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).order_by("next_attempt_at")
    return list(waiting.values_list("id", flat=True)[:limit])


def retry(sender: Sender, *, delivery_ids: Iterable[int]) -> int:
    """An operator's retry of failed deliveries (an admin action): a fresh round of
    attempts, starting now."""
    ids = list(
        sender.model.objects.filter(
            pk__in=list(delivery_ids), status=DeliveryStatus.FAILED
        ).values_list("id", flat=True)
    )
    sender.model.objects.filter(pk__in=ids, status=DeliveryStatus.FAILED).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    transaction.on_commit(lambda: sender.enqueue(ids, None), robust=True)
    return len(ids)
