"""Daily usage records: recounted while open, closed once after the day, immutable then."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from billing.models import BillingEvent, ClosedDay, EventType, UsageRecord, WebhookEndpoint
from billing.services import usage_days_close, usage_record_compute
from tests.usage.world import add_usage

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 3)
AFTER_MIDNIGHT = datetime(2026, 11, 4, 0, 7, tzinfo=UTC)


def test_an_open_day_is_recounted_on_each_run(org_a):
    add_usage(org_a, DAY, articles=2, llm=[("gpt-4o", 100, 20, "0.01")])
    first = usage_record_compute(organization=org_a, day=DAY)
    assert first.articles_fetched == 2 and first.closed_at is None
    add_usage(org_a, DAY, articles=1, tag="later")
    again = usage_record_compute(organization=org_a, day=DAY)
    assert again.pk == first.pk and again.articles_fetched == 3
    assert again.storage_articles == 3 and again.storage_bytes == 3 * 100 * 6
    assert again.by_model == {
        "gpt-4o": {"llm_calls": 1, "tokens_in": 100, "tokens_out": 20, "cost": "0.010000"}
    }
    assert UsageRecord.objects.count() == 1
    assert not BillingEvent.objects.filter(
        type=EventType.USAGE_DAILY
    ).exists()  # usage.daily is sent when the day closes


def test_a_closed_day_refuses_a_rerun_and_any_change(org_a, http_server):
    WebhookEndpoint.objects.create(url=http_server.url_for("/b"))
    add_usage(org_a, DAY, articles=2)
    record = usage_record_compute(organization=org_a, day=DAY, close=True, now=AFTER_MIDNIGHT)
    assert record.closed_at == AFTER_MIDNIGHT
    add_usage(org_a, DAY, articles=5, tag="late")
    with pytest.raises(ClosedDay, match="closed and cannot change"):
        usage_record_compute(organization=org_a, day=DAY)
    with pytest.raises(ClosedDay):
        usage_record_compute(organization=org_a, day=DAY, close=True, now=AFTER_MIDNIGHT)
    record.articles_fetched = 99
    with pytest.raises(ClosedDay):
        record.save()
    assert UsageRecord.objects.get().articles_fetched == 2
    [event] = BillingEvent.objects.filter(type=EventType.USAGE_DAILY)
    assert event.payload["data"]["date"] == "2026-11-03"
    assert event.payload["data"]["articles_fetched"] == 2


def test_today_cannot_be_closed(org_a):
    with pytest.raises(ValueError, match="not over yet"):
        usage_record_compute(
            organization=org_a, day=AFTER_MIDNIGHT.date(), close=True, now=AFTER_MIDNIGHT
        )


def test_the_beat_run_closes_yesterday_once_for_each_organization(org_a, org_b):
    for org in (org_a, org_b):
        type(org).objects.filter(pk=org.pk).update(created_at=AFTER_MIDNIGHT - timedelta(days=2))
    add_usage(org_a, DAY, articles=1)
    assert usage_days_close(now=AFTER_MIDNIGHT) == 4  # two days each, since they were created
    assert usage_days_close(now=AFTER_MIDNIGHT + timedelta(minutes=10)) == 0
    assert UsageRecord.objects.filter(closed_at__isnull=False).count() == 4
    assert BillingEvent.objects.filter(type=EventType.USAGE_DAILY).count() == 4
    assert UsageRecord.objects.get(organization=org_a, date=DAY).articles_fetched == 1


def test_the_beat_schedule_and_routes_are_declared():
    from jobs.schedules import SCHEDULES
    from marketing_hunting.queues import ROUTES

    tasks = {schedule.task: schedule for schedule in SCHEDULES}
    assert tasks["billing.close_usage_days"].every_seconds <= 15 * 60
    assert ROUTES["billing.close_usage_days"] == "maintenance"
    assert ROUTES["billing.send_webhook_delivery"] == "mail"
