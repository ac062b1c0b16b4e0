"""Done when: a user sets a weekly digest that arrives. End to end on a live Celery worker:
the beat task finds the digest due, queues its delivery on the mail queue, and the worker
sends it through a real SMTP server; a second beat sends nothing more."""

from datetime import timedelta

import pytest
from django.utils import timezone

from outbound.deliveries import DeliveryStatus
from reports.digests.models import DigestDelivery
from reports.tasks import send_due_digests
from tests.harness.waiting import wait_for
from tests.reports.alert_builders import mention_at
from tests.reports.digest_data import make_subscription, make_template
from tests.reports.page_data import make_brand


@pytest.fixture
def empty_queue(transactional_db):
    # Messages left by an earlier run would be consumed by our worker.
    from marketing_hunting.celery import app

    app.control.purge()


def test_a_weekly_digest_arrives_from_the_beat_task_through_a_live_worker(
    empty_queue, settings, org_a, alice, smtp_server, celery_worker
):
    settings.SITE_URL = "https://mh.example.com"
    brand = make_brand(org_a, "Nike")
    mention_at(brand, timezone.now() - timedelta(hours=3), title="Nike sales soar")
    local = timezone.localtime()
    subscription = make_subscription(
        make_template(org_a, name="Weekly brief"),
        user=alice,
        weekday=local.weekday(),
        send_time=(local - timedelta(minutes=1)).time().replace(second=0, microsecond=0),
        time_zone=timezone.get_current_timezone_name(),
        last_period=local.date() - timedelta(days=7),
        attach_pdf=True,
    )

    assert send_due_digests() == 1  # what beat runs every minute

    assert wait_for(lambda: smtp_server.messages, timeout=90)
    [message] = smtp_server.messages
    assert message["To"] == "alice@example.com"
    assert message["Subject"] == "Weekly digest: Weekly brief, Organization A"
    assert "Nike sales soar" in message.get_body(("plain",)).get_content()
    assert wait_for(
        lambda: DigestDelivery.objects.filter(status=DeliveryStatus.SENT).count() == 1,
        timeout=30,
    )
    assert send_due_digests() == 0
    subscription.refresh_from_db()
    assert subscription.last_period == local.date()
