"""Sending an alert: one email per chosen member, one signed webhook call per rule.

The claiming, signing, retries and sweep are outbound.deliveries' (shared with the operators'
alerts); this module says what an alert's email and webhook body hold. docs/alerts.md shows
how a receiver verifies the signature.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from marketing_hunting.single_line import one_line
from outbound import deliveries
from reports.alerts.models import Alert, AlertDelivery

SHOWN_ARTICLES = 20


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


def _webhook(delivery: AlertDelivery) -> tuple[str, dict[str, Any]]:
    return delivery.alert.rule.webhook_secret, webhook_payload(delivery.alert, delivery)


SENDER = deliveries.Sender(
    model=AlertDelivery,
    select_related=("alert__rule", "alert__organization"),
    email=lambda delivery: email_message(delivery.alert, delivery.recipient),
    webhook=_webhook,
    enqueue=enqueue_deliveries,
    describe=lambda delivery: f"Alert {delivery.alert_id}",
)


def delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> AlertDelivery | None:
    """Attempt one due delivery; None when it is not due (sent, failed, or someone else's)."""
    return deliveries.attempt(SENDER, delivery_id=delivery_id, now=now)


def deliveries_due(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """The sweep: deliveries due now, and those whose worker was lost mid-send (made due)."""
    return deliveries.due(SENDER, now=now, limit=limit)


def deliveries_retry(*, delivery_ids: Iterable[int]) -> int:
    """An operator's retry of failed deliveries (the admin's action)."""
    return deliveries.retry(SENDER, delivery_ids=delivery_ids)
