"""Writing the daily counters of usage.models: per-model LLM usage and active members."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from usage.models import ActiveUserDay, ModelUsageDay

# A member counted today is not written again until the key expires (a day and a bit, so it
# outlives the day it names); the unique constraint keeps a second write harmless anyway.
ACTIVE_KEY_SECONDS = 26 * 60 * 60


def model_usage_record(
    *,
    organization_id: int,
    model: str,
    tokens_in: int,
    tokens_out: int,
    cost: Decimal,
    day: date | None = None,
) -> None:
    """Add one LLM call to its model's row of the day (F() updates: workers write at once)."""
    day = day or timezone.now().date()
    model = (model or "unknown")[:100]
    row, _ = ModelUsageDay.objects.get_or_create(
        organization_id=organization_id, date=day, model=model
    )
    ModelUsageDay.objects.filter(pk=row.pk).update(
        llm_calls=F("llm_calls") + 1,
        tokens_in=F("tokens_in") + tokens_in,
        tokens_out=F("tokens_out") + tokens_out,
        cost=F("cost") + cost,
    )


def active_user_record(*, organization_id: int, user_id: int, day: date | None = None) -> bool:
    """Count a member active today; True when this call wrote the row. One cache round trip
    on every later request of the day."""
    day = day or timezone.now().date()
    key = f"usage:active:{organization_id}:{user_id}:{day.isoformat()}"
    if not cache.add(key, 1, ACTIVE_KEY_SECONDS):
        return False
    try:
        with transaction.atomic():
            ActiveUserDay.objects.create(organization_id=organization_id, user_id=user_id, date=day)
    except IntegrityError:  # another process, or a cache that was flushed
        return False
    return True
