"""Billing events and their webhook deliveries; daily usage records (docs/billing.md).

An event is made in the transaction of what it tells (a plan saved, a day closed) with one
delivery per endpoint that wants it; the deliveries are sent by the mail queue after the
commit, with the alerts' signing, retries and back-off (outbound.deliveries), so a receiver
that is slow or down never slows the page or the task that made the event.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from accounts.models import Organization, Plan
from billing.models import (
    BillingEvent,
    ClosedDay,
    EventType,
    UsageRecord,
    WebhookDelivery,
    WebhookEndpoint,
)
from feeds.models import Article
from outbound import deliveries
from outbound.deliveries import DeliveryChannel, DeliveryStatus
from usage.selectors import BYTES_PER_WORD, usage_by_day

logger = logging.getLogger(__name__)

API_VERSION = "2026-12-01"


# --- Events ------------------------------------------------------------------------------------


def organization_data(organization: Organization) -> dict[str, Any]:
    return {"id": organization.pk, "slug": organization.slug, "name": organization.name}


def plan_data(plan: Plan | None) -> dict[str, Any] | None:
    if plan is None:
        return None
    data: dict[str, Any] = {"id": plan.pk, "name": plan.name}
    for field in plan._meta.concrete_fields:
        if field.name.startswith("max_") or field.name.startswith("monthly_"):
            data[field.name] = getattr(plan, field.name)
    return data


def endpoints_for(organization_id: int, event_type: str) -> list[WebhookEndpoint]:
    candidates = WebhookEndpoint.objects.filter(enabled=True).filter(
        Q(organization__isnull=True) | Q(organization_id=organization_id)
    )
    return [endpoint for endpoint in candidates if endpoint.wants(event_type)]


@transaction.atomic
def event_emit(
    *, organization: Organization, type: str, data: dict[str, Any], enqueue: bool = True
) -> BillingEvent:
    """Record the event and one delivery per endpoint that wants it; send after the commit."""
    event = BillingEvent(organization=organization, type=type, payload={})
    event.payload = {
        "id": str(event.event_id),
        "type": type,
        "api_version": API_VERSION,
        "created": int(timezone.now().timestamp()),
        "organization": organization_data(organization),
        "data": data,
    }
    event.save()
    now = timezone.now()
    created = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                billing_event=event,
                endpoint=endpoint,
                channel=DeliveryChannel.WEBHOOK,
                recipient=endpoint.url,
                event_id=event.event_id,
                next_attempt_at=now,
            )
            for endpoint in endpoints_for(organization.pk, type)
        ]
    )
    ids = [delivery.pk for delivery in created]
    if ids and enqueue:
        transaction.on_commit(lambda: enqueue_deliveries(ids), robust=True)
    return event


def enqueue_deliveries(ids: Iterable[int], countdown: float | None = None) -> None:
    from billing.tasks import send_webhook_delivery

    for pk in ids:
        send_webhook_delivery.apply_async((pk,), countdown=countdown)


def _no_email(delivery: WebhookDelivery) -> EmailMessage:  # pragma: no cover - webhooks only
    raise RuntimeError("Billing deliveries are webhooks only.")


SENDER = deliveries.Sender(
    model=WebhookDelivery,
    select_related=("billing_event", "endpoint"),
    email=_no_email,
    webhook=lambda d: (d.endpoint.secret, d.billing_event.payload),
    enqueue=enqueue_deliveries,
    describe=lambda d: f"Billing event {d.billing_event.type}",
)


def webhook_delivery_attempt(
    *, delivery_id: int, now: datetime | None = None
) -> WebhookDelivery | None:
    return deliveries.attempt(SENDER, delivery_id=delivery_id, now=now)


def webhook_deliveries_due(*, now: datetime | None = None) -> list[int]:
    return deliveries.due(SENDER, now=now)


@transaction.atomic
def webhook_deliveries_replay(
    *, delivery_ids: Iterable[int], enqueue: bool = True
) -> list[WebhookDelivery]:
    """An operator's replay: the same event (same id, same body) sent again to the same
    endpoint as a new delivery, whatever became of the first; the log keeps both."""
    now = timezone.now()
    originals = WebhookDelivery.objects.filter(pk__in=list(delivery_ids)).select_related(
        "endpoint", "billing_event"
    )
    replays = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                billing_event=original.billing_event,
                endpoint=original.endpoint,
                replay_of=original,
                channel=DeliveryChannel.WEBHOOK,
                recipient=original.endpoint.url,
                event_id=original.event_id,
                next_attempt_at=now,
            )
            for original in originals
            if original.status != DeliveryStatus.PENDING
        ]
    )
    ids = [replay.pk for replay in replays]
    if ids and enqueue:
        transaction.on_commit(lambda: enqueue_deliveries(ids), robust=True)
    return replays


# --- Usage records -----------------------------------------------------------------------------


def _figures(organization: Organization, day: date, storage: bool) -> dict[str, Any]:
    usage = usage_by_day(
        start=day, end=day, organization_ids=[organization.pk], closed_records=False
    ).get(organization.pk, {})
    figures = usage.get(day)
    counts = figures.counts if figures else {}
    values: dict[str, Any] = {
        "articles_fetched": counts.get("articles_fetched", 0),
        "articles_analysed": counts.get("articles_analysed", 0),
        "llm_calls": counts.get("llm_calls", 0),
        "llm_cache_hits": counts.get("cache_hits", 0),
        "llm_batch_calls": counts.get("batch_calls", 0),
        "llm_tokens_in": counts.get("tokens_in", 0),
        "llm_tokens_out": counts.get("tokens_out", 0),
        "llm_cost": counts.get("cost", Decimal(0)),
        "llm_batch_saved": counts.get("batch_saved", Decimal(0)),
        "discovery_searches": counts.get("discovery_searches", 0),
        "emails_drafted": counts.get("emails_drafted", 0),
        "emails_sent": counts.get("emails_sent", 0),
        "active_users": counts.get("active_users", 0),
        "by_model": {
            model: {
                "llm_calls": c.llm_calls,
                "tokens_in": c.tokens_in,
                "tokens_out": c.tokens_out,
                "cost": f"{c.cost:.6f}",
            }
            for model, c in sorted((figures.by_model if figures else {}).items())
        },
    }
    if storage:
        # What is kept at the end of the day: articles created up to its end.
        end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        stored = Article.objects.filter(organization=organization, created_at__lt=end).aggregate(
            n=Count("id"), words=Sum("word_count")
        )
        values["storage_articles"] = stored["n"]
        values["storage_bytes"] = (stored["words"] or 0) * BYTES_PER_WORD
    return values


@transaction.atomic
def usage_record_compute(
    *, organization: Organization, day: date, close: bool = False, now: datetime | None = None
) -> UsageRecord:
    """Count the day again into its record (made if missing). An open day is updated as often
    as asked; ``close`` fixes it and sends ``usage.daily``. A closed day raises ClosedDay:
    what was billed does not change."""
    now = now or timezone.now()
    if close and day >= now.date():
        raise ValueError(f"{day} is not over yet (UTC): only past days can be closed.")
    record, _ = UsageRecord.objects.select_for_update().get_or_create(
        organization=organization,
        date=day,
        defaults={"computed_at": now},
    )
    if record.is_closed:
        raise ClosedDay(f"The usage record of {day} is closed and cannot change.")
    for name, value in _figures(organization, day, storage=True).items():
        setattr(record, name, value)
    record.computed_at = now
    if close:
        record.closed_at = now
        record._closing = True
    record.save()
    if close:
        event_emit(organization=organization, type=EventType.USAGE_DAILY, data=usage_data(record))
    return record


def usage_data(record: UsageRecord) -> dict[str, Any]:
    return {
        "date": record.date.isoformat(),
        "closed_at": record.closed_at.isoformat() if record.closed_at else None,
        "articles_fetched": record.articles_fetched,
        "articles_analysed": record.articles_analysed,
        "llm_calls": record.llm_calls,
        "llm_cache_hits": record.llm_cache_hits,
        "llm_batch_calls": record.llm_batch_calls,
        "llm_tokens_in": record.llm_tokens_in,
        "llm_tokens_out": record.llm_tokens_out,
        "llm_cost_usd": f"{Decimal(record.llm_cost):.6f}",
        "llm_batch_saved_usd": f"{Decimal(record.llm_batch_saved):.6f}",
        "discovery_searches": record.discovery_searches,
        "emails_drafted": record.emails_drafted,
        "emails_sent": record.emails_sent,
        "active_users": record.active_users,
        "storage_articles": record.storage_articles,
        "storage_bytes": record.storage_bytes,
        "llm_by_model": record.by_model,
    }


# How far back the closing run looks for a day left open (beat down over a weekend).
CLOSE_LOOKBACK_DAYS = 7


def usage_days_close(*, now: datetime | None = None) -> int:
    """Close every past day not closed yet (yesterday, after UTC midnight; older ones missed
    while beat was down, up to CLOSE_LOOKBACK_DAYS) for every organization that existed
    then. Safe to run twice: a closed day is skipped. Returns the days closed."""
    now = now or timezone.now()
    today = now.date()
    first = today - timedelta(days=CLOSE_LOOKBACK_DAYS)
    closed = set(
        UsageRecord.objects.filter(
            date__gte=first, date__lt=today, closed_at__isnull=False
        ).values_list("organization_id", "date")
    )
    count = 0
    for organization in Organization.objects.order_by("pk"):
        created = organization.created_at.date()
        day = max(first, created)
        while day < today:
            if (organization.pk, day) not in closed:
                try:
                    usage_record_compute(organization=organization, day=day, close=True, now=now)
                    count += 1
                except ClosedDay:  # closed meanwhile by another run
                    pass
            day += timedelta(days=1)
    return count
