"""DIGEST_DELIVERY_RETENTION_DAYS: old digest deliveries go with the hourly purge; recent ones,
and old ones still waiting or being sent, stay; a purged period is not sent again."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from outbound.deliveries import DeliveryStatus
from reports.digests.models import DigestDelivery
from reports.digests.services import digest_deliveries_purge, digests_dispatch
from reports.tasks import purge_old_alerts
from tests.reports.digest_data import make_subscription, make_template

pytestmark = pytest.mark.django_db


def _delivery(subscription, user, *, days_old: int, status: str = DeliveryStatus.SENT):
    now = timezone.now()
    delivery = DigestDelivery.objects.create(
        organization_id=subscription.organization_id,
        subscription=subscription,
        user=user,
        recipient=user.email or "someone@example.com",
        period=date.today() - timedelta(days=days_old),
        window_start=now - timedelta(days=days_old + 7),
        window_end=now - timedelta(days=days_old),
        status=status,
        next_attempt_at=now,
    )
    # created_at is set on insert; age the row as the purge sees it.
    DigestDelivery.objects.filter(pk=delivery.pk).update(created_at=now - timedelta(days=days_old))
    return delivery


def test_old_digest_deliveries_go_with_the_hourly_purge(org_a, org_b, alice, charlie, settings):
    settings.DIGEST_DELIVERY_RETENTION_DAYS = 30
    ours = make_subscription(make_template(org_a))
    theirs = make_subscription(make_template(org_b))
    old_sent = _delivery(ours, alice, days_old=40)
    old_failed = _delivery(ours, alice, days_old=41, status=DeliveryStatus.FAILED)
    old_elsewhere = _delivery(theirs, charlie, days_old=50)
    recent = _delivery(ours, alice, days_old=20)
    # A task message points at these: they stay until they are sent or fail.
    waiting = _delivery(ours, alice, days_old=60, status=DeliveryStatus.PENDING)
    sending = _delivery(ours, alice, days_old=61, status=DeliveryStatus.SENDING)

    assert purge_old_alerts() == 3

    left = set(DigestDelivery.objects.values_list("pk", flat=True))
    assert left == {recent.pk, waiting.pk, sending.pk}
    assert not {old_sent.pk, old_failed.pk, old_elsewhere.pk} & left
    assert digest_deliveries_purge(older_than_days=30) == 0  # a second run: nothing more


def test_a_purged_period_is_not_sent_again(org_a, alice):
    subscription = make_subscription(make_template(org_a), frequency="daily")
    now = timezone.now()
    subscription.created_at = now - timedelta(days=400)
    subscription.save(update_fields=["created_at"])
    first = digests_dispatch(now=now)
    assert len(first) == 1
    DigestDelivery.objects.update(status=DeliveryStatus.SENT)
    later = now + timedelta(days=200)
    assert digest_deliveries_purge(older_than_days=180, now=later) == 1
    # The beat runs again within the same period: the subscription remembers it was sent.
    assert digests_dispatch(now=now + timedelta(minutes=5)) == []
