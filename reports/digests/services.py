"""Digest writes: templates and subscriptions, the dispatcher that turns due periods into
deliveries, sending one delivery (claimed, retried, recorded), unsubscribing.

Idempotent per subscription and period: the dispatcher claims a period by moving the
subscription's ``last_period`` forward with a conditional UPDATE, and each delivery is unique
on (subscription, period, member), so two beats, a redelivered task or a retry never send a
period twice. A failed send is retried after a growing delay; after DIGEST_DELIVERY_ATTEMPTS
it stays failed, shown on System health and in Admin → Digest deliveries.

The claim, back-off and sweep follow outbound.deliveries (alerts' and operator alerts'
shared sender) and reuse its delays, but the loop is this module's own: a digest is built
at send time (the expensive part, charts and PDF), may end as "skipped" when the period is
empty and the subscriber chose so, has no webhook, and counts DIGEST_DELIVERY_ATTEMPTS.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Membership, Organization
from outbound.deliveries import SENDING_LOST_AFTER, DeliveryStatus, backoff
from reports.digests.content import DigestContent, digest_build
from reports.digests.message import digest_email
from reports.digests.models import DigestDelivery, DigestSubscription, DigestTemplate
from reports.digests.pdf import digest_pdf

logger = logging.getLogger(__name__)
User = get_user_model()

TEMPLATE_FIELDS = ("name", "sections", "columns", "min_confidence", "top_count")
SUBSCRIPTION_FIELDS = (
    "template",
    "frequency",
    "weekday",
    "send_time",
    "time_zone",
    "attach_pdf",
    "skip_empty",
    "enabled",
)


def _full_clean(instance: Any) -> None:
    # Fields, model clean() and the unique name: the same checks as the form and the admin.
    instance.full_clean()


# --- Templates and subscriptions -----------------------------------------------------------------


@transaction.atomic
def digest_template_save(
    *,
    organization: Organization,
    actor: Any,
    template: DigestTemplate | None = None,
    groups: Iterable[Any] = (),
    feeds: Iterable[Any] = (),
    **values: Any,
) -> DigestTemplate:
    """Create (``template`` None) or update a template of ``organization``."""
    template = template or DigestTemplate(organization=organization, created_by=actor)
    for name in TEMPLATE_FIELDS:
        if name in values:
            setattr(template, name, values[name])
    groups, feeds = list(groups), list(feeds)
    if any(item.organization_id != organization.pk for item in [*groups, *feeds]):
        raise ValidationError("Choose your own organization's groups and feeds.")
    _full_clean(template)
    template.save()
    template.groups.set(groups)
    template.feeds.set(feeds)
    return template


@transaction.atomic
def digest_subscription_save(
    *,
    organization: Organization,
    actor: Any,
    subscription: DigestSubscription | None = None,
    for_everyone: bool = False,
    **values: Any,
) -> DigestSubscription:
    """Create or update a subscription: the actor's own, or (``for_everyone``, owners and
    admins only) the organization's."""
    if subscription is None:
        subscription = DigestSubscription(organization=organization, created_by=actor)
        subscription.user = None if for_everyone else actor
    for name in SUBSCRIPTION_FIELDS:
        if name in values:
            setattr(subscription, name, values[name])
    if subscription.template.organization_id != organization.pk:
        raise ValidationError({"template": "Choose one of your organization's templates."})
    _full_clean(subscription)
    # A changed schedule starts from now: periods before the change are not sent late.
    # Never backwards: a period already sent is not sent again under a new send time.
    current = _current_period(subscription, timezone.now())
    if subscription.last_period is None or (current and current > subscription.last_period):
        subscription.last_period = current
    subscription.save()
    return subscription


def _current_period(subscription: DigestSubscription, now: datetime) -> Any:
    latest = subscription.latest_send_at(now)
    return latest[0] if latest else None


def digest_subscription_delete(*, subscription: DigestSubscription) -> None:
    subscription.delete()


def digest_unsubscribe(*, subscription: DigestSubscription, user_id: int) -> None:
    """A member's own subscription is switched off; an organization's one leaves them out."""
    if subscription.user_id == user_id:
        DigestSubscription.objects.filter(pk=subscription.pk).update(enabled=False)
    else:
        subscription.opted_out.add(user_id)


def digest_resubscribe(*, subscription: DigestSubscription, user_id: int) -> None:
    if subscription.user_id == user_id:
        # Back on from the next send time: the periods missed while off are not sent late.
        current = _current_period(subscription, timezone.now())
        last = max(filter(None, [subscription.last_period, current]), default=None)
        DigestSubscription.objects.filter(pk=subscription.pk).update(enabled=True, last_period=last)
    else:
        subscription.opted_out.remove(user_id)


# --- Dispatch ------------------------------------------------------------------------------------


def recipients(subscription: DigestSubscription) -> list[Any]:
    """Members who get this subscription's digest: with an email address, still members,
    not opted out."""
    members = User.objects.filter(
        pk__in=Membership.objects.filter(organization_id=subscription.organization_id).values(
            "user_id"
        ),
        is_active=True,
    ).exclude(email="")
    if subscription.user_id:
        members = members.filter(pk=subscription.user_id)
    else:
        members = members.exclude(pk__in=subscription.opted_out.values("pk"))
    return list(members.order_by("pk"))


def digests_dispatch(*, now: datetime | None = None) -> list[int]:
    """Deliveries for every subscription whose send time has come (beat, every minute):
    the ids to send. A period is claimed once; a beat that was down sends the latest period
    it missed, not each one."""
    now = now or timezone.now()
    created: list[int] = []
    for subscription in DigestSubscription.objects.filter(enabled=True).select_related("template"):
        latest = subscription.latest_send_at(now)
        if latest is None:
            continue
        period, instant = latest
        if subscription.last_period is not None and period <= subscription.last_period:
            continue
        if subscription.last_period is None and instant < subscription.created_at:
            # Made outside the service (the admin): its first digest is the next one, not
            # one for a period that ended before it existed.
            DigestSubscription.objects.filter(pk=subscription.pk, last_period__isnull=True).update(
                last_period=period
            )
            continue
        with transaction.atomic():
            claimed = (
                DigestSubscription.objects.filter(pk=subscription.pk, enabled=True)
                .filter(Q(last_period__isnull=True) | Q(last_period__lt=period))
                .update(last_period=period)
            )
            if claimed != 1:
                continue
            start, end = subscription.window(period)
            for user in recipients(subscription):
                try:
                    with transaction.atomic():
                        delivery = DigestDelivery.objects.create(
                            organization_id=subscription.organization_id,
                            subscription=subscription,
                            user=user,
                            recipient=user.email,
                            period=period,
                            window_start=start,
                            window_end=end,
                            next_attempt_at=now,
                        )
                except IntegrityError:  # already there: this period was dispatched before
                    continue
                created.append(delivery.pk)
    if created:
        transaction.on_commit(lambda: enqueue_deliveries(created), robust=True)
    return created


def enqueue_deliveries(ids: Iterable[int], countdown: float | None = None) -> None:
    from reports.tasks import send_digest_delivery

    for pk in ids:
        send_digest_delivery.apply_async((pk,), countdown=countdown)


# --- Sending -------------------------------------------------------------------------------------


def digest_content(subscription: DigestSubscription, start: datetime, end: datetime) -> Any:
    return digest_build(
        template=subscription.template,
        organization=subscription.organization,
        start=start,
        end=end,
        time_zone=subscription.time_zone,
    )


def _claim(delivery_id: int, now: datetime) -> DigestDelivery | None:
    claimed = DigestDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(status=DeliveryStatus.SENDING, last_attempt_at=now, attempts=F("attempts") + 1)
    if claimed != 1:
        return None
    return DigestDelivery.objects.select_related(
        "subscription__template", "subscription__organization"
    ).get(pk=delivery_id)


def _send(delivery: DigestDelivery) -> DigestContent | None:
    """Build and send; None when the digest was empty and its subscriber skips those."""
    subscription = delivery.subscription
    content = digest_content(subscription, delivery.window_start, delivery.window_end)
    delivery.was_empty = content.is_empty
    if content.is_empty and subscription.skip_empty:
        return None
    pdf = digest_pdf(content) if subscription.attach_pdf else None
    digest_email(
        content=content,
        subscription=subscription,
        user_id=delivery.user_id,
        recipient=delivery.recipient,
        pdf=pdf,
    ).send(fail_silently=False)
    return content


def delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> DigestDelivery | None:
    """Attempt one due delivery; None when it is not due (sent, failed, or being sent)."""
    now = now or timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    try:
        sent = _send(delivery)
    except Exception as error:  # smtplib, socket, PDF or chart errors alike
        if not isinstance(error, (smtplib.SMTPException, OSError)):
            # Not the mail server: a bug or a broken template. Its traceback is needed.
            logger.exception("Digest delivery %s could not be built", delivery.pk)
        delivery.last_error = f"{error.__class__.__name__}: {error}"[:2000]
        if delivery.attempts >= settings.DIGEST_DELIVERY_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
            logger.error(
                "Digest delivery %s to %s failed after %s attempts: %s",
                delivery.pk,
                delivery.recipient,
                delivery.attempts,
                delivery.last_error,
            )
        else:
            delivery.status = DeliveryStatus.PENDING
            delivery.next_attempt_at = timezone.now() + backoff(delivery.attempts)
            logger.warning(
                "Digest delivery %s to %s failed (attempt %s), retried at %s: %s",
                delivery.pk,
                delivery.recipient,
                delivery.attempts,
                delivery.next_attempt_at,
                delivery.last_error,
            )
    else:
        delivery.status = DeliveryStatus.SENT
        delivery.sent_at = timezone.now() if sent is not None else None
        if sent is None:
            delivery.last_error = "Nothing new in this period: skipped, as the subscriber chose."
        else:
            delivery.last_error = ""
    delivery.save(update_fields=["status", "last_error", "next_attempt_at", "sent_at", "was_empty"])
    if delivery.status == DeliveryStatus.PENDING:
        wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
        transaction.on_commit(
            lambda: enqueue_deliveries([delivery.pk], countdown=max(wait, 0)), robust=True
        )
    return delivery


def deliveries_due(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """The safety net: deliveries due now, and those whose worker was lost mid-send."""
    now = now or timezone.now()
    lost = DigestDelivery.objects.filter(
        status=DeliveryStatus.SENDING, last_attempt_at__lt=now - SENDING_LOST_AFTER
    )
    lost.filter(attempts__gte=settings.DIGEST_DELIVERY_ATTEMPTS).update(
        status=DeliveryStatus.FAILED,
        last_error="The worker sending it stopped during the last attempt.",
    )
    lost.update(status=DeliveryStatus.PENDING, next_attempt_at=now)
    due = DigestDelivery.objects.filter(
        status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).order_by("next_attempt_at")
    return list(due.values_list("id", flat=True)[:limit])


def deliveries_retry(*, delivery_ids: Iterable[int]) -> int:
    """An operator's retry of failed deliveries (the admin's action), starting now."""
    ids = list(
        DigestDelivery.objects.filter(
            pk__in=list(delivery_ids), status=DeliveryStatus.FAILED
        ).values_list("id", flat=True)
    )
    DigestDelivery.objects.filter(pk__in=ids).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    transaction.on_commit(lambda: enqueue_deliveries(ids), robust=True)
    return len(ids)


def preview_window(subscription: DigestSubscription, now: datetime) -> tuple[datetime, datetime]:
    """The window the next digest would cover if it were sent now: the last period's
    length, ending now."""
    return now - timedelta(days=subscription.days), now


# --- Retention -----------------------------------------------------------------------------------

PURGE_BATCH = 1000


def _pointed_at() -> list[Q]:
    """Deliveries another row points to, whatever model it is (none today): those stay, so the
    purge never breaks a reference nor cascades into another table's rows."""
    return [
        Q(pk__in=relation.related_model._default_manager.values(relation.field.attname))
        for relation in DigestDelivery._meta.related_objects
    ]


def digest_deliveries_purge(*, older_than_days: int, now: datetime | None = None) -> int:
    """Delete digest deliveries made more than ``older_than_days`` ago
    (``DIGEST_DELIVERY_RETENTION_DAYS``). Kept: a delivery still waiting or being sent (its
    task points at it) and one another row points to. What a period was sent is the
    subscription's ``last_period``, not these rows, so no digest is sent again. Deleted in
    batches, so a first purge of a large backlog never holds one long transaction. Returns the
    number deleted."""
    cutoff = (now or timezone.now()) - timedelta(days=older_than_days)
    expired = DigestDelivery.objects.filter(created_at__lt=cutoff).exclude(
        status__in=(DeliveryStatus.PENDING, DeliveryStatus.SENDING)
    )
    for pointed in _pointed_at():
        expired = expired.exclude(pointed)
    expired = expired.order_by()
    deleted = 0
    while ids := list(expired.values_list("pk", flat=True)[:PURGE_BATCH]):
        DigestDelivery.objects.filter(pk__in=ids).delete()
        deleted += len(ids)
    return deleted
