"""API router of the accounts app: the organization's LLM usage (calls, tokens, cost)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router
from pydantic import BaseModel, model_validator

from accounts.models import UsageDaily
from accounts.quotas import quota_limit
from accounts.tenancy import request_organization, scoped_queryset
from api.auth import ApiKeyAuth
from api.errors import ErrorResponse
from api.params import StrictQuery
from reports.services.usage import tokens_this_month

router = Router(auth=ApiKeyAuth("usage"), tags=["usage"])
MAX_DAYS = 366


class UsageQuery(StrictQuery):
    date_from: date | None = Field(None, description="First day (UTC); default 30 days ago.")
    date_to: date | None = Field(None, description="Last day (UTC); default today.")

    @model_validator(mode="after")
    def _span(self) -> UsageQuery:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from must not be after date_to.")
        if self.date_from and self.date_to and (self.date_to - self.date_from).days >= MAX_DAYS:
            raise ValueError(f"Ask for at most {MAX_DAYS} days at once.")
        return self


class UsageDay(BaseModel):
    date: date
    llm_calls: int
    cache_hits: int
    tokens_in: int
    tokens_out: int
    cost: Decimal


class Usage(BaseModel):
    date_from: date
    date_to: date
    days: list[UsageDay] = Field(description="Days with any use, oldest first.")
    tokens_this_month: int
    monthly_token_quota: int | None


@router.get(
    "",
    response={
        200: Usage,
        401: ErrorResponse,
        403: ErrorResponse,
        422: ErrorResponse,
        429: ErrorResponse,
    },
    summary="LLM usage by day",
)
def usage(request: HttpRequest, query: Query[UsageQuery]) -> Usage:
    """Calls, cache hits, tokens and estimated cost per day, and this month's tokens against
    the organization's quota (null: no quota)."""
    organization = request_organization(request)
    today = timezone.now().date()
    date_to = query.date_to or today
    date_from = query.date_from or min(date_to, today) - timedelta(days=29)
    if date_from > date_to:
        date_from = date_to
    rows = (
        scoped_queryset(request, UsageDaily)
        .filter(date__gte=date_from, date__lte=date_to)
        .order_by("date")
    )
    return Usage(
        date_from=date_from,
        date_to=date_to,
        days=[UsageDay.model_validate(row, from_attributes=True) for row in rows],
        tokens_this_month=tokens_this_month(organization, today),
        monthly_token_quota=quota_limit(organization, "llm_tokens"),
    )
