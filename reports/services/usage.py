"""LLM cost estimates, daily usage rows and the monthly LLM quotas (tokens, articles)."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from accounts import quotas
from accounts.models import Organization, UsageDaily
from accounts.quotas import Usage


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
) -> None:
    """``batch``: an economy (batch) answer, which cost ``saved`` less than standard mode."""
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


def tokens_this_month(organization: Organization, today: date | None = None) -> int:
    return quotas.tokens_this_month(organization, today)


def quota_reached(organization: Organization, today: date | None = None) -> bool:
    """The month's LLM tokens are at the plan's (or the organization's own) limit: what an
    email draft checks. Analysis checks :func:`llm_quota_reached`, which adds the articles."""
    return _reached(organization, ("llm_tokens",), today) is not None


def llm_quota_reached(organization: Organization, today: date | None = None) -> Usage | None:
    """The limit that keeps an article from the LLM this month (tokens, or articles analysed
    by it), or None. Over it the article is analysed by rules and marked ``llm_pending``; the
    hourly catch-up gives it to the LLM when the month turns. Nothing waits, nothing is lost."""
    return _reached(organization, ("llm_tokens", "analysed_articles"), today)


def _reached(
    organization: Organization, resources: tuple[quotas.Resource, ...], today: date | None
) -> Usage | None:
    from accounts.quota_warnings import quota_warn

    for resource in resources:
        limit = quotas.quota_limit(organization, resource)
        if limit is None:
            continue  # no limit: no query
        usage = Usage(resource, quotas.quota_used(organization, resource, today), limit)
        if (usage.percent or 0) >= 80:
            # The month's use was just read: warning the owners costs a cache read once sent.
            quota_warn(organization=organization, usage=usage, today=today)
        if usage.over:
            return usage
    return None
