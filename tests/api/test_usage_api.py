"""LLM usage through the API: days of the organization, this month against its quota."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import UsageDaily


def _day(organization, days_ago: int, tokens: int) -> UsageDaily:
    return UsageDaily.objects.create(
        organization=organization,
        date=timezone.now().date() - timedelta(days=days_ago),
        llm_calls=3,
        tokens_in=tokens,
        tokens_out=tokens // 10,
        cost=Decimal("0.012500"),
    )


def test_usage_lists_the_last_30_days_and_this_months_tokens(alice_api, org_a, org_b):
    org_a.llm_monthly_token_quota = 1_000_000
    org_a.save(update_fields=["llm_monthly_token_quota"])
    _day(org_a, 0, 1000)
    _day(org_a, 29, 500)
    _day(org_a, 30, 7)  # Outside the default window.
    _day(org_b, 0, 99999)  # Another organization's.
    response = alice_api.get("/api/usage")
    assert response.status_code == 200, response.content
    body = response.json()
    assert [day["tokens_in"] for day in body["days"]] == [500, 1000]
    assert body["days"][0]["cost"] == "0.012500"
    assert body["monthly_token_quota"] == 1_000_000
    today = timezone.now().date()
    this_month = sum(
        row.tokens_in + row.tokens_out
        for row in UsageDaily.objects.filter(organization=org_a, date__gte=today.replace(day=1))
    )
    assert body["tokens_this_month"] == this_month


def test_a_span_backwards_or_too_long_is_a_422(alice_api):
    backwards = alice_api.get("/api/usage", {"date_from": "2026-05-02", "date_to": "2026-05-01"})
    too_long = alice_api.get("/api/usage", {"date_from": "2024-01-01", "date_to": "2026-01-01"})
    for response in (backwards, too_long):
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "invalid_input"


def test_usage_needs_its_scope(alice, key_for):
    assert key_for(alice, ["reports:read"]).get("/api/usage").status_code == 403
    assert key_for(alice, ["usage:read"]).get("/api/usage").status_code == 200
