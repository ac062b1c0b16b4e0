"""LLM cost estimates, daily usage rows and the monthly token quota."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import F, Sum
from django.utils import timezone

from accounts.models import Organization, UsageDaily
from usage.counters import model_usage_record


def cost_estimate(model: str, tokens_in: int, tokens_out: int) -> Decimal:
    """USD, from the LLM_PRICES table (per million tokens); unknown models cost nothing."""
    prices = settings.LLM_PRICES.get(model)
    if not prices:
        return Decimal(0)
    price_in, price_out = (Decimal(str(p)) for p in prices)
    return (price_in * tokens_in + price_out * tokens_out) / Decimal(1_000_000)


def usage_record(
    *,
    organization: Organization,
    tokens_in: int,
    tokens_out: int,
    cost: Decimal,
    cached: bool = False,
    batch: bool = False,
    saved: Decimal = Decimal(0),
    day: date | None = None,
    model: str = "",
) -> None:
    """``batch``: an economy (batch) answer, which cost ``saved`` less than standard mode.
    ``model``: the model that answered, for the Usage page's cost by model (a cached answer
    cost nothing and is not counted there)."""
    day = day or timezone.now().date()
    row, _ = UsageDaily.objects.get_or_create(organization=organization, date=day)
    # F() updates: several workers may record usage for the same day at once.
    UsageDaily.objects.filter(pk=row.pk).update(
        llm_calls=F("llm_calls") + (0 if cached else 1),
        cache_hits=F("cache_hits") + (1 if cached else 0),
        tokens_in=F("tokens_in") + tokens_in,
        tokens_out=F("tokens_out") + tokens_out,
        cost=F("cost") + cost,
        batch_calls=F("batch_calls") + (1 if batch else 0),
        batch_saved=F("batch_saved") + saved,
    )
    if model and not cached:
        model_usage_record(
            organization_id=organization.pk,
            model=model,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            cost=cost,
            day=day,
        )


def tokens_this_month(organization: Organization, today: date | None = None) -> int:
    today = today or timezone.now().date()
    totals = UsageDaily.objects.filter(
        organization=organization, date__gte=today.replace(day=1), date__lte=today
    ).aggregate(tokens_in=Sum("tokens_in"), tokens_out=Sum("tokens_out"))
    return (totals["tokens_in"] or 0) + (totals["tokens_out"] or 0)


def quota_reached(organization: Organization, today: date | None = None) -> bool:
    quota = organization.llm_monthly_token_quota
    if quota is None:
        return False
    return tokens_this_month(organization, today) >= quota
