"""Quotas: what an organization's plan (or its own override) lets it have and use.

Three kinds, each enforced where the resource is created or used, never by deleting anything:

- counts (feeds, jobs, members, contacts): a new one is refused at the limit
  (:func:`quota_check`, inside the creating transaction, with the organization's row locked
  so two creations at limit - 1 cannot both pass);
- monthly (articles analysed by the LLM, LLM tokens, contact discovery searches), counted in
  calendar months in UTC, the days of ``UsageDaily``: over the articles or tokens limit an
  article is analysed by the rules at once and queued for the LLM (``llm_pending``), which
  takes it when the month turns; a discovery search over its limit is refused;
- a rate (API calls a minute): the budget the API's rate limiter gives the organization.

An organization over a limit (its plan was lowered) keeps all it has; it only cannot create
more until it is back under. Warnings at 80 % and 100 % go to the owners
(``accounts.quota_warnings``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from accounts.models import Organization

Resource = Literal[
    "feeds",
    "jobs",
    "members",
    "contacts",
    "analysed_articles",
    "llm_tokens",
    "discovery_searches",
    "api_calls",
]
Kind = Literal["count", "monthly", "rate"]


@dataclass(frozen=True)
class Quota:
    resource: Resource
    kind: Kind
    label: str  # "feeds", "LLM tokens a month": the limit reads "{limit} {label}"
    field: str  # the Plan field and, unless ``override`` says otherwise, the organization's
    override: str = ""
    # What happens at the limit, after "you have used N: " (monthly and rate quotas).
    consequence: str = ""

    @property
    def override_field(self) -> str:
        return self.override or self.field


QUOTAS: dict[Resource, Quota] = {
    quota.resource: quota
    for quota in (
        Quota("feeds", "count", "feeds", "max_feeds"),
        Quota("jobs", "count", "jobs", "max_jobs"),
        Quota("members", "count", "members", "max_members"),
        Quota("contacts", "count", "contacts", "max_contacts"),
        Quota(
            "analysed_articles",
            "monthly",
            "articles analysed by the LLM a month",
            "max_analysed_articles",
            consequence="new articles are analysed by rules now and by the LLM when the "
            "month turns ({reset})",
        ),
        Quota(
            "llm_tokens",
            "monthly",
            "LLM tokens a month",
            "max_llm_tokens",
            override="llm_monthly_token_quota",
            consequence="new articles are analysed by rules now and by the LLM when the "
            "month turns ({reset})",
        ),
        Quota(
            "discovery_searches",
            "monthly",
            "contact discovery searches a month",
            "max_discovery_searches",
            consequence="new searches can be started again on {reset}",
        ),
        Quota(
            "api_calls",
            "rate",
            "API calls a minute",
            "max_api_calls_per_minute",
            consequence="further calls are answered 429 with Retry-After",
        ),
    )
}
RESOURCES: tuple[Resource, ...] = tuple(QUOTAS)
# Shown on the settings page and checked by the warning sweep (the rate is the limiter's).
MEASURED: tuple[Resource, ...] = tuple(r for r in RESOURCES if QUOTAS[r].kind != "rate")


def month_start(today: date) -> date:
    return today.replace(day=1)


def first_of_next_month(today: date) -> date:
    """When a monthly quota resets (UTC)."""
    if today.month == 12:
        return date(today.year + 1, 1, 1)
    return date(today.year, today.month + 1, 1)


def _month_bounds(today: date) -> tuple[datetime, datetime]:
    start = month_start(today)
    end = first_of_next_month(today)
    return (
        datetime(start.year, start.month, start.day, tzinfo=UTC),
        datetime(end.year, end.month, end.day, tzinfo=UTC),
    )


def utc_today() -> date:
    # timezone.now() is UTC: the same days as UsageDaily.
    return timezone.now().date()


class QuotaExceeded(ValidationError):
    """One more ``resource`` would go over the organization's plan.

    A ValidationError so the pages' forms and the imports show it like any refused input; the
    API answers it with 409 ``quota_exceeded`` (api/errors.py).
    """

    def __init__(self, resource: Resource, limit: int, used: int) -> None:
        self.resource = resource
        self.limit = limit
        self.used = used
        super().__init__(quota_message(resource, limit, used), code="quota_exceeded")


def quota_message(resource: Resource, limit: int, used: int, today: date | None = None) -> str:
    """ "Your plan allows 50 feeds; you have 50." and, for monthly quotas, what happens now."""
    quota = QUOTAS[resource]
    if quota.kind == "count":
        return f"Your plan allows {limit:,} {quota.label}; you have {used:,}."
    reset = first_of_next_month(today or utc_today())
    consequence = quota.consequence.format(reset=f"{reset:%-d %B %Y}")
    return f"Your plan allows {limit:,} {quota.label}; you have used {used:,}: {consequence}."


@dataclass(frozen=True)
class Usage:
    resource: Resource
    used: int
    limit: int | None  # None: no limit

    @property
    def over(self) -> bool:
        return self.limit is not None and self.used >= self.limit

    @property
    def used_display(self) -> str:
        return f"{self.used:,}"

    @property
    def limit_display(self) -> str:
        return "no limit" if self.limit is None else f"{self.limit:,}"

    @property
    def label(self) -> str:
        return QUOTAS[self.resource].label

    @property
    def percent(self) -> int | None:
        if self.limit is None:
            return None
        return 100 if not self.limit else min(999, self.used * 100 // self.limit)

    @property
    def message(self) -> str:
        """What the page says at the limit (empty below it)."""
        return quota_message(self.resource, self.limit, self.used) if self.over else ""


def quota_limit(organization: Organization, resource: Resource) -> int | None:
    """The organization's own override, else its plan's limit, else None (no limit)."""
    quota = QUOTAS[resource]
    override = getattr(organization, quota.override_field)
    if override is not None:
        return override
    plan = organization.plan
    return getattr(plan, quota.field) if plan is not None else None


def quota_used(organization: Organization, resource: Resource, today: date | None = None) -> int:
    """The use to compare with the limit, read where the facts live, by indexed ranges:
    this UTC month's reports analysed by the LLM (report_org_llm_month_idx), its UsageDaily
    rows, its discovery runs (discovery_run_org_month_idx)."""
    if resource == "llm_tokens":
        return tokens_this_month(organization, today)
    if resource == "analysed_articles":
        start, end = _month_bounds(today or utc_today())
        reports = apps.get_model("reports", "Report").objects
        return reports.filter(
            organization=organization, extractor="llm", analysed_at__gte=start, analysed_at__lt=end
        ).count()
    if resource == "discovery_searches":
        start, end = _month_bounds(today or utc_today())
        runs = apps.get_model("contacts", "DiscoveryRun").objects
        return runs.filter(
            organization=organization, created_at__gte=start, created_at__lt=end
        ).count()
    if resource == "api_calls":
        return 0  # a rate: the limiter's schedule, not a count (see api/ratelimit.py)
    models = {
        "feeds": ("feeds", "Feed"),
        "jobs": ("jobs", "Job"),
        "members": ("accounts", "Membership"),
        "contacts": ("contacts", "BrandContact"),
    }
    rows = apps.get_model(*models[resource]).objects.filter(organization=organization)
    if resource == "contacts":
        # Contacts count people staff work with, not discovery's suggestions.
        rows = rows.filter(suggested=False)
    return rows.count()


def tokens_this_month(organization: Organization, today: date | None = None) -> int:
    """LLM tokens (in + out) of the UTC month so far, from its UsageDaily rows."""
    today = today or utc_today()
    totals = (
        apps.get_model("accounts", "UsageDaily")
        .objects.filter(organization=organization, date__gte=month_start(today), date__lte=today)
        .aggregate(tokens_in=Sum("tokens_in"), tokens_out=Sum("tokens_out"))
    )
    return (totals["tokens_in"] or 0) + (totals["tokens_out"] or 0)


def quota_usage(organization: Organization) -> list[Usage]:
    """Every measured resource's use and limit, for the settings page."""
    today = utc_today()
    return [
        Usage(
            resource,
            quota_used(organization, resource, today),
            quota_limit(organization, resource),
        )
        for resource in MEASURED
    ]


def quota_reached(organization: Organization, resource: Resource) -> Usage | None:
    """The usage when the organization is at or over its limit of a monthly ``resource``,
    else None. No limit: no query."""
    limit = quota_limit(organization, resource)
    if limit is None:
        return None
    usage = Usage(resource, quota_used(organization, resource), limit)
    return usage if usage.over else None


def locked_organization(organization: Organization) -> Organization:
    """The organization's row, locked until the caller's transaction ends, with its plan.

    Two creations at limit - 1 each read the count after taking the lock, so the second sees
    the first's row. PostgreSQL locks the row (``SELECT … FOR UPDATE``); SQLite ignores the
    clause, and needs none: its transactions take the database's write lock when they begin
    (``transaction_mode IMMEDIATE``), so creating transactions already run one at a time.
    """
    rows = Organization.objects.select_related("plan")
    if connection.features.has_select_for_update:
        # of=self: the plan row is shared by many organizations and must not be locked.
        rows = rows.select_for_update(of=("self",))
    return rows.get(pk=organization.pk)


def quota_check(organization: Organization, resource: Resource, adding: int = 1) -> None:
    """Raise :class:`QuotaExceeded` unless ``adding`` more ``resource`` fit the plan.

    Call it inside the transaction that creates them: it locks the organization's row until
    that transaction ends. The limit is read fresh: an operator's change in the admin applies
    at once, not when the request's copy of the organization is reloaded. When it passes, the
    owners are warned if the new use crosses 80 % or 100 % of the limit.
    """
    fresh = locked_organization(organization)
    limit = quota_limit(fresh, resource)
    if limit is None:
        return
    used = quota_used(fresh, resource)
    if used + adding > limit:
        raise QuotaExceeded(resource, limit, used)
    from accounts.quota_warnings import quota_warn

    quota_warn(organization=fresh, usage=Usage(resource, used + adding, limit))
