"""When the organization's LLM analysis is paused by its monthly token quota."""

from datetime import date

from django.utils import timezone

from accounts.models import Organization
from accounts.request_cache import cached_for_organization
from reports.services.usage import quota_reached


def llm_paused_until(organization: Organization, today: date | None = None) -> date | None:
    """The first day of next month while the quota is used up; None when the LLM runs.

    Shown on list pages and the dashboard: cached under the organization's generation, which
    usage and the organization's own row (its quota) replace when written."""
    if organization.llm_monthly_token_quota is None:
        return None  # No quota: skip the usage query altogether.
    today = today or timezone.now().date()  # UsageDaily days are UTC days, like quota_reached.
    reached = cached_for_organization(
        organization.pk,
        f"quota-reached:{today.isoformat()}:{organization.llm_monthly_token_quota}",
        lambda: quota_reached(organization, today),
    )
    return first_of_next_month(today) if reached else None


def first_of_next_month(today: date) -> date:
    """When a monthly quota resets."""
    if today.month == 12:
        return date(today.year + 1, 1, 1)
    return date(today.year, today.month + 1, 1)
