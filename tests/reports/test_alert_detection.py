"""Alert detection on real rows: spike against the brand's own baseline, negative cluster,
group mention, the cool-down, mutes, and organizations kept apart."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Membership, Role
from reports.alerts.detection import baselines
from reports.alerts.models import (
    Alert,
    AlertDelivery,
    AlertKind,
    AlertMute,
    AlertNotification,
    DeliveryChannel,
)
from reports.alerts.services import alert_mute_set, alerts_evaluate
from reports.models import BrandGroup, BrandStatus, ReviewStatus
from tests.reports.alert_builders import daily_history, make_rule, mention_at
from tests.reports.page_data import make_brand

pytestmark = pytest.mark.django_db


@pytest.fixture
def now():
    return timezone.now()


def test_the_baseline_is_the_median_of_the_brands_daily_counts(org_a, now):
    acme = make_brand(org_a, "Acme Corp")
    daily_history(acme, now, per_day=2, days=20)  # 20 days of 2, 8 days of 0
    mention_at(acme, now - timedelta(days=3, hours=5))  # one day has 3
    rule = make_rule(org_a, kind=AlertKind.SPIKE)

    globex = make_brand(org_a, "Globex")  # never mentioned: a baseline of 0
    assert baselines(rule, [acme.pk, globex.pk], now=now) == {acme.pk: 2.0, globex.pk: 0.0}


def test_a_spike_alerts_once_with_the_articles_that_caused_it(org_a, alice, bob, now):
    acme = make_brand(org_a, "Acme Corp")
    daily_history(acme, now, per_day=1)
    spike = [mention_at(acme, now - timedelta(hours=h)) for h in range(1, 6)]  # 5 > 3 x 1
    rule = make_rule(org_a, kind=AlertKind.SPIKE, min_mentions=5)

    [alert] = alerts_evaluate(now=now)

    assert alert.rule == rule and alert.brand == acme and alert.kind == AlertKind.SPIKE
    assert alert.observed == 5 and alert.baseline == 1.0
    assert set(alert.mentions.all()) == set(spike)
    assert "5 mentions in 24 hours, 5.0× its daily median of 1" in alert.summary  # noqa: RUF001
    assert set(AlertNotification.objects.values_list("user__username", flat=True)) == {
        "alice",
        "bob",
    }


def test_as_many_mentions_as_usual_is_no_spike(org_a, alice, now):
    acme = make_brand(org_a, "Acme Corp")
    daily_history(acme, now, per_day=2)
    for h in range(1, 7):  # 6 is 3 x 2: not more than three times the median
        mention_at(acme, now - timedelta(hours=h))
    make_rule(org_a, kind=AlertKind.SPIKE, min_mentions=5)

    assert alerts_evaluate(now=now) == []


def test_a_quiet_brand_needs_the_minimum_count_to_spike(org_a, alice, now):
    acme = make_brand(org_a, "Acme Corp")  # no history: baseline 0
    for h in range(1, 5):
        mention_at(acme, now - timedelta(hours=h))
    make_rule(org_a, kind=AlertKind.SPIKE, min_mentions=5)

    assert alerts_evaluate(now=now) == []
    mention_at(acme, now - timedelta(minutes=5))
    assert len(alerts_evaluate(now=now)) == 1


def test_rejected_mentions_and_untracked_brands_do_not_count(org_a, alice, now):
    acme = make_brand(org_a, "Acme Corp")
    found = make_brand(org_a, "Globex", status=BrandStatus.UNREVIEWED)
    for h in range(1, 6):
        mention_at(acme, now - timedelta(hours=h), review_status=ReviewStatus.REJECTED)
        mention_at(found, now - timedelta(hours=h))
    make_rule(org_a, kind=AlertKind.SPIKE, min_mentions=5)

    assert alerts_evaluate(now=now) == []


def test_the_cool_down_keeps_one_spike_to_one_alert(org_a, alice, now):
    acme = make_brand(org_a, "Acme Corp")
    for h in range(1, 7):
        mention_at(acme, now - timedelta(hours=h))
    make_rule(org_a, kind=AlertKind.SPIKE, min_mentions=5, cooldown_hours=24)

    assert len(alerts_evaluate(now=now)) == 1
    mention_at(acme, now)
    later = now + timedelta(minutes=10)
    assert alerts_evaluate(now=later) == []  # same spike, still going: no second alert
    assert Alert.objects.count() == 1


def test_after_the_cool_down_a_new_spike_alerts_again(org_a, alice, now):
    acme = make_brand(org_a, "Acme Corp")
    rule = make_rule(org_a, kind=AlertKind.SPIKE, min_mentions=3, cooldown_hours=2)
    for h in range(1, 4):
        mention_at(acme, now - timedelta(hours=h))
    [first] = alerts_evaluate(now=now)
    Alert.objects.filter(pk=first.pk).update(created_at=now - timedelta(hours=3))

    [second] = alerts_evaluate(now=now)

    assert second.pk != first.pk and second.rule == rule


def test_a_negative_cluster_alerts_with_its_negative_mentions(org_a, alice, now):
    acme = make_brand(org_a, "Acme Corp")
    bad = [mention_at(acme, now - timedelta(hours=h), sentiment=-0.6) for h in (1, 5, 20)]
    mention_at(acme, now - timedelta(hours=2), sentiment=0.4)  # positive: not counted
    mention_at(acme, now - timedelta(hours=30), sentiment=-0.9)  # outside the window
    make_rule(org_a, kind=AlertKind.NEGATIVE, cluster_size=3, window_hours=24)

    [alert] = alerts_evaluate(now=now)

    assert alert.kind == AlertKind.NEGATIVE
    assert set(alert.mentions.all()) == set(bad)


def test_two_negative_mentions_are_no_cluster_of_three(org_a, alice, now):
    acme = make_brand(org_a, "Acme Corp")
    for h in (1, 2):
        mention_at(acme, now - timedelta(hours=h), sentiment=-0.8)
    mention_at(acme, now - timedelta(hours=3), sentiment=-0.1)  # above the threshold
    make_rule(org_a, kind=AlertKind.NEGATIVE, cluster_size=3, negative_threshold=-0.3)

    assert alerts_evaluate(now=now) == []


def test_any_mention_of_a_group_brand_alerts_and_is_reported_once(org_a, alice, now):
    clients = BrandGroup.objects.create(organization=org_a, name="Clients")
    acme = make_brand(org_a, "Acme Corp", status=BrandStatus.UNREVIEWED)
    acme.groups.add(clients)
    make_brand(org_a, "Globex")  # not in the group
    first = mention_at(acme, now - timedelta(days=3), analysed_at=now - timedelta(minutes=5))
    make_rule(org_a, kind=AlertKind.GROUP, group=clients, cooldown_hours=1)

    [alert] = alerts_evaluate(now=now)
    assert list(alert.mentions.all()) == [first]
    assert alert.summary == "Acme Corp (Clients): 1 new mention."

    later = now + timedelta(hours=2)  # past the cool-down
    second = mention_at(acme, later - timedelta(minutes=1))
    [next_alert] = alerts_evaluate(now=later)
    assert list(next_alert.mentions.all()) == [second]  # the first is not reported again


def test_a_muted_rule_neither_notifies_nor_emails_that_member(org_a, alice, bob, now):
    acme = make_brand(org_a, "Acme Corp")
    for h in range(1, 6):
        mention_at(acme, now - timedelta(hours=h))
    rule = make_rule(org_a, kind=AlertKind.SPIKE, min_mentions=5)
    rule.email_recipients.set([alice, bob])
    alert_mute_set(user=bob, organization=org_a, rule=rule, muted=True)

    [alert] = alerts_evaluate(now=now)

    assert list(alert.notifications.values_list("user__username", flat=True)) == ["alice"]
    assert list(
        AlertDelivery.objects.filter(channel=DeliveryChannel.EMAIL).values_list(
            "recipient", flat=True
        )
    ) == ["alice@example.com"]


def test_muting_every_alert_silences_every_rule_for_that_member_only(org_a, alice, bob, now):
    acme = make_brand(org_a, "Acme Corp")
    for h in range(1, 6):
        mention_at(acme, now - timedelta(hours=h), sentiment=-0.5)
    make_rule(org_a, kind=AlertKind.SPIKE, min_mentions=5)
    make_rule(org_a, kind=AlertKind.NEGATIVE)
    alert_mute_set(user=alice, organization=org_a, rule=None, muted=True)

    alerts = alerts_evaluate(now=now)

    assert len(alerts) == 2
    assert set(AlertNotification.objects.values_list("user__username", flat=True)) == {"bob"}
    alert_mute_set(user=alice, organization=org_a, rule=None, muted=False)
    assert not AlertMute.objects.exists()


def test_another_organizations_mentions_and_members_are_never_involved(
    org_a, org_b, alice, charlie, now
):
    ours = make_brand(org_a, "Acme Corp")
    theirs = make_brand(org_b, "Acme Corp")
    for h in range(1, 6):
        mention_at(theirs, now - timedelta(hours=h))
    mention_at(ours, now - timedelta(hours=1))
    rule = make_rule(org_a, kind=AlertKind.SPIKE, min_mentions=5)
    # A recipient who is not (or no longer) a member gets nothing.
    rule.email_recipients.set([alice, charlie])

    assert alerts_evaluate(now=now) == []  # their five mentions are not ours

    for h in range(2, 6):
        mention_at(ours, now - timedelta(hours=h))
    [alert] = alerts_evaluate(now=now)
    assert alert.organization == org_a
    assert set(alert.mentions.values_list("brand_id", flat=True)) == {ours.pk}
    assert list(alert.notifications.values_list("user__username", flat=True)) == ["alice"]
    assert list(alert.deliveries.values_list("recipient", flat=True)) == ["alice@example.com"]


def test_a_disabled_rule_raises_nothing(org_a, alice, now):
    acme = make_brand(org_a, "Acme Corp")
    for h in range(1, 6):
        mention_at(acme, now - timedelta(hours=h))
    make_rule(org_a, kind=AlertKind.SPIKE, min_mentions=5, enabled=False)

    assert alerts_evaluate(now=now) == []


def test_members_who_join_later_see_no_past_alert(org_a, alice, now, django_user_model):
    acme = make_brand(org_a, "Acme Corp")
    for h in range(1, 6):
        mention_at(acme, now - timedelta(hours=h))
    make_rule(org_a, kind=AlertKind.SPIKE, min_mentions=5)
    alerts_evaluate(now=now)
    dave = django_user_model.objects.create_user("dave", "dave@example.com", "x")
    Membership.objects.create(organization=org_a, user=dave, role=Role.MEMBER)

    assert not AlertNotification.objects.filter(user=dave).exists()


def test_an_analysis_queues_at_most_one_evaluation_a_minute_and_only_where_rules_are(
    org_a, org_b, django_capture_on_commit_callbacks
):
    from reports.alerts.services import alerts_evaluate_soon

    make_rule(org_a, kind=AlertKind.SPIKE)
    make_rule(org_b, kind=AlertKind.SPIKE, enabled=False)

    with django_capture_on_commit_callbacks() as queued:
        alerts_evaluate_soon(organization_ids=[org_a.pk, org_b.pk])
    assert len(queued) == 1  # org_b has no enabled rule

    with django_capture_on_commit_callbacks() as again:
        alerts_evaluate_soon(organization_ids=[org_a.pk])
    assert again == []  # the evaluation already queued covers it
