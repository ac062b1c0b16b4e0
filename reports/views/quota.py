"""When the organization's LLM analysis is paused by its monthly token quota."""

from datetime import date

from django.utils import timezone

from accounts.models import Organization
from reports.services.usage import quota_reached


def llm_paused_until(organization: Organization, today: date | None = None) -> date | None:
    """The first day of next month while the quota is used up; None when the LLM runs."""
    if organization.llm_monthly_token_quota is None:
        return None  # No quota: skip the usage query altogether.
    today = today or timezone.now().date()  # UsageDaily days are UTC days, like quota_reached.
    if not quota_reached(organization, today):
        return None
    return first_of_next_month(today)


def first_of_next_month(today: date) -> date:
    """When a monthly quota resets."""
    if today.month == 12:
        return date(today.year + 1, 1, 1)
    return date(today.year, today.month + 1, 1)
