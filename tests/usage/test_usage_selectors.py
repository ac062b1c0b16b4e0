"""Usage counted from where each fact lives, per UTC day and per month, for one organization
or all of them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.usage.world import add_usage, noon
from usage.counters import active_user_record
from usage.models import ActiveUserDay, ModelUsageDay
from usage.periods import span_from
from usage.report import usage_report
from usage.selectors import usage_by_day

pytestmark = pytest.mark.django_db

D1, D2 = date(2026, 11, 3), date(2026, 11, 4)


def test_each_figure_is_counted_on_its_utc_day(org_a, org_b, alice, bob):
    add_usage(
        org_a,
        D1,
        articles=3,
        analysed=2,
        llm=[("gpt-4o-mini", 1000, 200, "0.01"), ("gpt-4o", 500, 100, "0.05")],
        searches=2,
        drafted=3,
        sent=1,
        users=[alice, bob],
    )
    add_usage(org_a, D2, articles=1, llm=[("gpt-4o-mini", 10, 5, "0.001")], users=[alice])
    add_usage(org_b, D1, articles=7, tag="b")

    table = usage_by_day(start=D1, end=D2, organization_ids=[org_a.pk])
    assert set(table) == {org_a.pk}  # org B is not read
    one, two = table[org_a.pk][D1], table[org_a.pk][D2]
    assert one["articles_fetched"] == 3 and one["articles_analysed"] == 2
    assert one["llm_calls"] == 2 and one.tokens == 1800
    assert one["cost"] == Decimal("0.06")
    assert one["discovery_searches"] == 2
    assert one["emails_drafted"] == 3 and one["emails_sent"] == 1
    assert one["active_users"] == 2 and two["active_users"] == 1
    assert one.by_model["gpt-4o"].tokens == 600 and one.by_model["gpt-4o-mini"].tokens == 1200
    assert two["articles_fetched"] == 1 and two.by_model["gpt-4o-mini"].cost == Decimal("0.001")

    everyone = usage_by_day(start=D1, end=D1)
    assert everyone[org_b.pk][D1]["articles_fetched"] == 7


def test_a_month_counts_each_active_member_once_and_sums_the_rest(org_a, alice, bob):
    add_usage(org_a, D1, articles=2, users=[alice, bob], economy_saved="0.25")
    add_usage(org_a, D2, articles=1, users=[alice], economy_saved="0.50")
    report = usage_report(org_a.pk, span_from({"view": "months", "month": "2026-11"}))
    assert len(report.rows) == 12 and report.rows[-1][0].start == date(2026, 11, 1)
    november = report.rows[-1][1]
    assert november["articles_fetched"] == 3
    assert november["active_users"] == 2  # not 3: alice counts once in the month
    assert november["batch_saved"] == Decimal("0.75") and november["batch_calls"] == 2
    assert report.total["active_users"] == 2


def test_the_days_view_has_every_day_of_the_month_even_empty_ones(org_a):
    add_usage(org_a, D2, articles=1)
    report = usage_report(org_a.pk, span_from({"month": "2026-11"}))
    assert len(report.rows) == 30
    assert [u["articles_fetched"] for _, u in report.rows][2:5] == [0, 1, 0]


def test_a_cached_answer_and_an_unnamed_model_are_not_counted_by_model(org_a):
    from reports.services.usage import usage_record

    usage_record(
        organization=org_a, tokens_in=5, tokens_out=5, cost=Decimal(0), cached=True, model="gpt-4o"
    )
    usage_record(organization=org_a, tokens_in=5, tokens_out=5, cost=Decimal(0))
    assert not ModelUsageDay.objects.exists()


def test_an_active_member_is_written_once_a_day(org_a, alice):
    assert active_user_record(organization_id=org_a.pk, user_id=alice.pk, day=D1)
    assert not active_user_record(organization_id=org_a.pk, user_id=alice.pk, day=D1)
    assert ActiveUserDay.objects.filter(organization=org_a).count() == 1


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"month": "2026-13"}, "“2026-13” is not a month"),
        ({"month": "<script>"}, "is not a month"),
        ({"month": "1999-01"}, "is not a month"),
        ({"view": "weeks"}, "“weeks” is not a view"),
    ],
)
def test_a_bad_period_says_why_and_shows_this_month(params, message):
    span = span_from(params, today=date(2026, 12, 6))
    assert message in span.error
    assert span.month == date(2026, 12, 1)


def test_a_closed_day_is_read_from_its_usage_record_and_later_days_from_the_rows(org_a, alice):
    from billing.services import usage_record_compute

    type(org_a).objects.filter(pk=org_a.pk).update(created_at=noon(D1))
    add_usage(org_a, D1, articles=2, llm=[("m", 10, 5, "0.5")], users=[alice])
    usage_record_compute(organization=org_a, day=D1, close=True)
    add_usage(org_a, D1, articles=4, tag="late")  # stored after the day closed
    add_usage(org_a, D2, articles=3)
    table = usage_by_day(start=D1, end=D2, organization_ids=[org_a.pk])[org_a.pk]
    assert table[D1]["articles_fetched"] == 2  # what was billed
    assert table[D1].by_model["m"].cost == Decimal("0.5") and table[D1]["active_users"] == 1
    assert table[D2]["articles_fetched"] == 3
    live = usage_by_day(start=D1, end=D1, organization_ids=[org_a.pk], closed_records=False)
    assert live[org_a.pk][D1]["articles_fetched"] == 6
