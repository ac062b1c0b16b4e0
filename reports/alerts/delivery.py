"""Sending an alert: one email per chosen member, one signed webhook call per rule.

Each delivery is claimed atomically (pending and due → sending) before it is attempted, so a
redelivered task or the sweep running beside it never sends twice. A failed attempt is
recorded (error, attempt count) and tried again after a growing delay; after
ALERT_DELIVERY_ATTEMPTS it stays failed, shown on the alert's page, the dashboard and the
admin. A worker lost mid-send leaves the delivery "sending": the sweep makes it due again.

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
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from marketing_hunting.single_line import one_line
from outbound import FetchError, fetch
from reports.alerts.models import Alert, AlertDelivery, DeliveryChannel, DeliveryStatus

logger = logging.getLogger(__name__)

# Delay before attempt n+1 (seconds), the last one repeated: well below Redis's visibility
# timeout (an hour), so a retry's countdown never outlives its message.
BACKOFF_SECONDS = (30, 120, 600, 1800)
# A "sending" delivery older than this lost its worker: the sweep makes it due again.
SENDING_LOST_AFTER = timedelta(minutes=10)
WEBHOOK_TIMEOUT = 10.0
SHOWN_ARTICLES = 20
SIGNATURE_HEADER = "X-MH-Signature"
TIMESTAMP_HEADER = "X-MH-Timestamp"
EVENT_HEADER = "X-MH-Event-Id"


class DeliveryFailed(Exception):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1])


def enqueue_deliveries(ids: Iterable[int], countdown: float | None = None) -> None:
    from reports.tasks import send_alert_delivery

    for pk in ids:
        send_alert_delivery.apply_async((pk,), countdown=countdown)


# --- What is sent --------------------------------------------------------------------------------


def alert_articles(alert: Alert, limit: int = SHOWN_ARTICLES) -> list[dict[str, Any]]:
    """The articles that caused the alert, newest first, with absolute links."""
    mentions = alert.mentions.select_related("report__article").order_by("-mentioned_at", "-id")[
        :limit
    ]
    articles = []
    for mention in mentions:
        article = mention.report.article
        articles.append(
            {
                "title": article.title or article.original_url,
                "url": article.original_url,
                "report_url": settings.SITE_URL + mention.report.get_absolute_url(),
                "published_at": mention.mentioned_at,
                "sentiment": round(mention.sentiment, 2),
                "evidence": mention.evidence[:300],
            }
        )
    return articles


def email_context(alert: Alert) -> dict[str, Any]:
    return {
        "alert": alert,
        "rule": alert.rule,
        "articles": alert_articles(alert),
        "more": max(0, alert.mentions.count() - SHOWN_ARTICLES),
        "alert_url": settings.SITE_URL + alert.get_absolute_url(),
        "rules_url": settings.SITE_URL + reverse("alerts:rules"),
    }


def email_message(alert: Alert, recipient: str) -> EmailMultiAlternatives:
    context = email_context(alert)
    message = EmailMultiAlternatives(
        # A brand name is untrusted (found in an article): never a line break in a header.
        subject=one_line(f"[Marketing Hunting] {alert.get_kind_display()}: {alert.brand_name}")[
            :200
        ],
        body=render_to_string("reports/alerts/email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient],
    )
    # Autoescaped like every template: a brand called <script> arrives as text.
    message.attach_alternative(render_to_string("reports/alerts/email.html", context), "text/html")
    return message


def webhook_payload(alert: Alert, delivery: AlertDelivery) -> dict[str, Any]:
    alert_url = settings.SITE_URL + alert.get_absolute_url()
    articles = alert_articles(alert)
    for article in articles:
        article["published_at"] = article["published_at"].isoformat()
    return {
        "event_id": str(delivery.event_id),
        "type": "alert.raised",
        # Slack and Teams incoming webhooks show "text"; other receivers read the rest.
        "text": f"{alert.get_kind_display()}: {alert.summary} {alert_url}",
        "alert": {
            "id": alert.pk,
            "kind": alert.kind,
            "brand": {"id": alert.brand_id, "name": alert.brand_name},
            "summary": alert.summary,
            "observed": alert.observed,
            "baseline": alert.baseline,
            "window_start": alert.window_start.isoformat(),
            "window_end": alert.window_end.isoformat(),
            "created_at": alert.created_at.isoformat(),
            "url": alert_url,
        },
        "rule": {"id": alert.rule_id, "name": alert.rule.name},
        "organization": {"id": alert.organization_id, "name": alert.organization.name},
        "articles": articles,
    }


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


# --- Sending -------------------------------------------------------------------------------------


def _send_email(delivery: AlertDelivery) -> None:
    try:
        email_message(delivery.alert, delivery.recipient).send(fail_silently=False)
    except Exception as error:  # smtplib and socket errors alike: a server down, refusing...
        raise DeliveryFailed(f"{error.__class__.__name__}: {error}") from error


def _send_webhook(delivery: AlertDelivery) -> int:
    alert = delivery.alert
    body = json.dumps(webhook_payload(alert, delivery), separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        EVENT_HEADER: str(delivery.event_id),
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(alert.rule.webhook_secret, timestamp, body),
    }
    try:
        # No redirects: a 30x would turn the POST into a GET somewhere else.
        response = fetch(
            delivery.recipient,
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


def _claim(delivery_id: int, now: datetime) -> AlertDelivery | None:
    # The attempt is counted as it is claimed: one that dies with its worker counts too, so a
    # delivery that kills workers cannot be retried for ever.
    claimed = AlertDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(status=DeliveryStatus.SENDING, last_attempt_at=now, attempts=F("attempts") + 1)
    if claimed != 1:
        return None
    return AlertDelivery.objects.select_related("alert__rule", "alert__organization").get(
        pk=delivery_id
    )


def delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> AlertDelivery | None:
    """Attempt one due delivery; None when it is not due (sent, failed, or someone else's)."""
    now = now or timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    try:
        try:
            if delivery.channel == DeliveryChannel.EMAIL:
                _send_email(delivery)
            else:
                delivery.response_status = _send_webhook(delivery)
        except DeliveryFailed:
            raise
        except Exception as error:  # A bug must not leave the delivery "sending" for good.
            logger.exception("Alert delivery %s could not be attempted", delivery.pk)
            raise DeliveryFailed(f"{error.__class__.__name__}: {error}") from error
    except DeliveryFailed as error:
        delivery.last_error = str(error)[:2000]
        delivery.response_status = error.status
        if delivery.attempts >= settings.ALERT_DELIVERY_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
            logger.error(
                "Alert %s: %s to %s failed after %s attempts: %s",
                delivery.alert_id,
                delivery.channel,
                delivery.recipient,
                delivery.attempts,
                error,
            )
        else:
            delivery.status = DeliveryStatus.PENDING
            delivery.next_attempt_at = timezone.now() + backoff(delivery.attempts)
            logger.warning(
                "Alert %s: %s to %s failed (attempt %s), retried at %s: %s",
                delivery.alert_id,
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
        update_fields=[
            "status",
            "last_error",
            "response_status",
            "next_attempt_at",
            "sent_at",
        ]
    )
    if delivery.status == DeliveryStatus.PENDING:
        wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
        transaction.on_commit(
            lambda: enqueue_deliveries([delivery.pk], countdown=max(wait, 0)), robust=True
        )
    return delivery


def deliveries_due(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """The sweep: deliveries due now, and those whose worker was lost mid-send (made due)."""
    now = now or timezone.now()
    lost = AlertDelivery.objects.filter(
        status=DeliveryStatus.SENDING, last_attempt_at__lt=now - SENDING_LOST_AFTER
    )
    lost.filter(attempts__gte=settings.ALERT_DELIVERY_ATTEMPTS).update(
        status=DeliveryStatus.FAILED,
        last_error="The worker sending it stopped during the last attempt.",
    )
    lost.update(status=DeliveryStatus.PENDING, next_attempt_at=now)
    due = AlertDelivery.objects.filter(
        Q(status=DeliveryStatus.PENDING), next_attempt_at__lte=now
    ).order_by("next_attempt_at")
    return list(due.values_list("id", flat=True)[:limit])


def deliveries_retry(*, delivery_ids: Iterable[int]) -> int:
    """An operator's retry of failed deliveries (the admin's action): a fresh round of
    attempts, starting now."""
    ids = list(
        AlertDelivery.objects.filter(
            pk__in=list(delivery_ids), status=DeliveryStatus.FAILED
        ).values_list("id", flat=True)
    )
    AlertDelivery.objects.filter(pk__in=ids, status=DeliveryStatus.FAILED).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    transaction.on_commit(lambda: enqueue_deliveries(ids), robust=True)
    return len(ids)
