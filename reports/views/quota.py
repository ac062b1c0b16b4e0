"""When the organization's LLM analysis is paused by a monthly limit (tokens, articles)."""

from datetime import date

from django.utils import timezone

from accounts import quotas
from accounts.models import Organization
from accounts.request_cache import cached_for_organization
from reports.services.usage import llm_quota_reached


def llm_paused_until(organization: Organization, today: date | None = None) -> date | None:
    """The first day of next month while a monthly LLM limit is used up; None when the LLM
    runs.

    Shown on list pages and the dashboard: cached under the organization's generation, which
    usage, reports and the organization's own row (its limits) replace when written; the
    limits are in the key too, so a plan changed in the admin applies at once."""
    limits = (
        quotas.quota_limit(organization, "llm_tokens"),
        quotas.quota_limit(organization, "analysed_articles"),
    )
    if limits == (None, None):
        return None  # No limit: skip the usage queries altogether.
    today = today or timezone.now().date()  # UsageDaily days are UTC days, like the quotas.
    reached = cached_for_organization(
        organization.pk,
        f"quota-reached:{today.isoformat()}:{limits[0]}:{limits[1]}",
        lambda: llm_quota_reached(organization, today) is not None,
    )
    return quotas.first_of_next_month(today) if reached else None
