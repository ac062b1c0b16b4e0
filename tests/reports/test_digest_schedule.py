"""When digests are due: exact to the local minute, across daylight saving changes, and
never twice for one period (the dispatcher's claim and the unique delivery)."""

from datetime import UTC, date, datetime, time

import pytest

from reports.digests.models import DigestDelivery
from reports.digests.schedule import latest_send, local_instant
from reports.digests.services import digests_dispatch
from tests.reports.digest_data import make_subscription, make_template

BERLIN = "Europe/Berlin"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_send_time_is_the_local_wall_clock_time_in_summer_and_in_winter():
    assert local_instant(date(2026, 7, 6), time(8, 0), BERLIN) == utc(2026, 7, 6, 6, 0)
    assert local_instant(date(2026, 12, 7), time(8, 0), BERLIN) == utc(2026, 12, 7, 7, 0)


def test_a_time_skipped_in_spring_is_sent_once_just_after_the_change():
    # 29 March 2026: Berlin's clocks jump from 02:00 to 03:00; 02:30 does not exist.
    assert local_instant(date(2026, 3, 29), time(2, 30), BERLIN) == utc(2026, 3, 29, 1, 30)


def test_a_time_that_happens_twice_in_autumn_is_sent_at_its_first_occurrence():
    # 25 October 2026: 02:30 happens at 00:30 UTC (summer time) and again at 01:30 UTC.
    assert local_instant(date(2026, 10, 25), time(2, 30), BERLIN) == utc(2026, 10, 25, 0, 30)
    # Both instants belong to the one period of that day.
    assert latest_send(
        now=utc(2026, 10, 25, 1, 45), send_time=time(2, 30), time_zone=BERLIN, weekday=None
    ) == (date(2026, 10, 25), utc(2026, 10, 25, 0, 30))


def test_a_weekly_digest_is_due_on_its_weekday_only():
    monday_8 = utc(2026, 12, 7, 7, 0)  # Monday 08:00 in Berlin
    assert latest_send(now=monday_8, send_time=time(8), time_zone=BERLIN, weekday=0) == (
        date(2026, 12, 7),
        monday_8,
    )
    # A minute earlier the latest Monday is the week before.
    assert latest_send(now=utc(2026, 12, 7, 6, 59), send_time=time(8), time_zone=BERLIN, weekday=0)[
        0
    ] == date(2026, 11, 30)


@pytest.mark.django_db
def test_the_dispatcher_sends_at_the_local_time_once_per_period_and_member(
    org_a, alice, bob, django_capture_on_commit_callbacks
):
    template = make_template(org_a)
    subscription = make_subscription(template, last_period=date(2026, 11, 30))

    assert digests_dispatch(now=utc(2026, 12, 7, 6, 59)) == []
    with django_capture_on_commit_callbacks():
        created = digests_dispatch(now=utc(2026, 12, 7, 7, 0))
    # The whole organization: alice and bob, once each.
    assert len(created) == 2
    assert set(DigestDelivery.objects.values_list("recipient", flat=True)) == {
        "alice@example.com",
        "bob@example.com",
    }
    delivery = DigestDelivery.objects.first()
    assert (delivery.window_start, delivery.window_end) == (
        utc(2026, 11, 30, 7, 0),
        utc(2026, 12, 7, 7, 0),
    )
    # A second beat the same minute, an hour later, or with the claim lost: nothing new.
    assert digests_dispatch(now=utc(2026, 12, 7, 7, 0)) == []
    assert digests_dispatch(now=utc(2026, 12, 7, 8, 0)) == []
    subscription.refresh_from_db()
    type(subscription).objects.filter(pk=subscription.pk).update(last_period=None)
    assert digests_dispatch(now=utc(2026, 12, 7, 7, 1)) == []
    assert DigestDelivery.objects.count() == 2


@pytest.mark.django_db
def test_a_personal_digest_goes_to_its_member_only_and_an_opted_out_member_gets_none(
    org_a, alice, bob
):
    template = make_template(org_a)
    make_subscription(template, user=alice, frequency="daily", last_period=date(2026, 12, 6))
    everyone = make_subscription(template, frequency="daily", last_period=date(2026, 12, 6))
    everyone.opted_out.add(bob)

    digests_dispatch(now=utc(2026, 12, 7, 7, 0))

    assert list(DigestDelivery.objects.values_list("recipient", flat=True)) == [
        "alice@example.com",
        "alice@example.com",
    ]


@pytest.mark.django_db
def test_a_schedule_made_in_the_admin_starts_with_its_next_send_not_a_past_one(org_a, alice):
    from django.utils import timezone

    subscription = make_subscription(make_template(org_a), user=alice, frequency="daily")
    assert subscription.last_period is None

    assert digests_dispatch(now=timezone.now()) == []
    subscription.refresh_from_db()
    assert subscription.last_period == subscription.latest_send_at(timezone.now())[0]


def test_a_weekly_window_across_the_spring_change_is_a_week_of_local_time():
    from reports.digests.models import DigestSubscription

    subscription = DigestSubscription(
        frequency="weekly", weekday=0, send_time=time(8), time_zone=BERLIN
    )
    start, end = subscription.window(date(2026, 3, 30))  # Monday after the change
    assert (start, end) == (utc(2026, 3, 23, 7, 0), utc(2026, 3, 30, 6, 0))
    assert (end - start).total_seconds() == 167 * 3600  # the week lost an hour
