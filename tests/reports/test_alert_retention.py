"""ALERT_RETENTION_DAYS: old alerts go with their notifications and deliveries; recent ones,
and old ones with a delivery still on its way, stay."""

from datetime import timedelta

import pytest
from django.utils import timezone

from reports.alerts.models import (
    Alert,
    AlertDelivery,
    AlertKind,
    AlertNotification,
    DeliveryChannel,
    DeliveryStatus,
)
from reports.tasks import purge_old_alerts
from tests.reports.alert_builders import make_rule, mention_at
from tests.reports.page_data import make_brand

pytestmark = pytest.mark.django_db


def _alert(org, user, *, days_old: int, delivery: str = DeliveryStatus.SENT) -> Alert:
    brand = make_brand(org, f"Brand {days_old} {delivery}")
    rule = make_rule(org, kind=AlertKind.SPIKE)
    now = timezone.now()
    alert = Alert.objects.create(
        organization=org,
        rule=rule,
        brand=brand,
        kind=AlertKind.SPIKE,
        brand_name=brand.name,
        summary="A spike.",
        observed=6,
        window_start=now - timedelta(days=days_old, hours=24),
        window_end=now - timedelta(days=days_old),
    )
    alert.mentions.add(mention_at(brand, now - timedelta(days=days_old)))
    AlertNotification.objects.create(organization=org, alert=alert, user=user)
    AlertDelivery.objects.create(
        organization=org,
        alert=alert,
        channel=DeliveryChannel.EMAIL,
        recipient=user.email,
        status=delivery,
        next_attempt_at=now,
    )
    # created_at is set on insert; age the row as the purge sees it.
    Alert.objects.filter(pk=alert.pk).update(created_at=now - timedelta(days=days_old))
    return alert


def test_alerts_past_the_retention_go_with_their_notifications_and_deliveries(
    org_a, org_b, alice, charlie, settings
):
    settings.ALERT_RETENTION_DAYS = 30
    old = _alert(org_a, alice, days_old=40)
    old_elsewhere = _alert(org_b, charlie, days_old=45)
    recent = _alert(org_a, alice, days_old=20)
    waiting = _alert(org_a, alice, days_old=40, delivery=DeliveryStatus.PENDING)
    sending = _alert(org_a, alice, days_old=40, delivery=DeliveryStatus.SENDING)
    mentions_before = old.mentions.count()

    deleted = purge_old_alerts()

    assert deleted == 2
    kept = set(Alert.objects.values_list("pk", flat=True))
    assert kept == {recent.pk, waiting.pk, sending.pk}
    assert not AlertNotification.objects.filter(alert_id__in=[old.pk, old_elsewhere.pk]).exists()
    assert not AlertDelivery.objects.filter(alert_id__in=[old.pk, old_elsewhere.pk]).exists()
    assert AlertNotification.objects.filter(alert=recent).exists()
    # The mentions an alert pointed at are the organization's data: they stay.
    assert mentions_before == 1
    assert old.brand.mentions.count() == 1


def test_a_purge_with_nothing_old_deletes_nothing(org_a, alice, settings):
    settings.ALERT_RETENTION_DAYS = 180
    _alert(org_a, alice, days_old=100)

    assert purge_old_alerts() == 0
    assert Alert.objects.count() == 1


def test_the_purge_is_scheduled_hourly_on_the_maintenance_queue():
    from jobs.schedules import SCHEDULES
    from marketing_hunting.queues import MAINTENANCE, ROUTES

    [schedule] = [s for s in SCHEDULES if s.task == "reports.purge_old_alerts"]
    assert schedule.every_seconds == 3600
    assert ROUTES["reports.purge_old_alerts"] == MAINTENANCE
