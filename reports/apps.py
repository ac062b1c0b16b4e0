from typing import TYPE_CHECKING

from django.apps import AppConfig

if TYPE_CHECKING:
    from accounts.models import Organization
    from accounts.registry import Figure


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self) -> None:
        from accounts.registry import (
            NavItem,
            register_banner,
            register_figures,
            register_nav_item,
        )

        register_nav_item(NavItem("Reports", "reports:list", order=30, section="reports"))
        register_nav_item(NavItem("Brands", "brands:list", order=40, section="brands"))
        register_nav_item(NavItem("Analytics", "analytics:page", order=45, section="analytics"))
        register_figures(report_figures, order=30)
        register_figures(alert_figures, order=35)
        register_banner(quota_banner)
        from reports.rollups.signals import connect

        connect()


def alert_figures(organization: "Organization") -> list["Figure"]:
    """A failed alert email or webhook is shown where failed runs are: on the dashboard
    (each alert's page lists its deliveries; operators see them all in the admin)."""
    from django.urls import reverse

    from accounts.registry import Figure
    from reports.alerts.services import recent_failed_deliveries

    failed = recent_failed_deliveries(organization)
    if not failed:
        return []
    return [
        Figure(
            "Alert deliveries failed (7 days)",
            failed,
            url=reverse("alerts:list"),
            hint="Emails or webhook calls that failed every attempt: see each alert's page",
        )
    ]


def quota_banner(organization: "Organization") -> tuple[str, dict] | None:
    """The dashboard's "LLM analysis is paused" banner while the monthly quota is used up."""
    from reports.views.quota import llm_paused_until

    paused_until = llm_paused_until(organization)
    if paused_until is None:
        return None
    return "reports/_quota_banner.html", {"paused_until": paused_until}


def report_figures(organization: "Organization") -> list["Figure"]:
    """Dashboard figures: brands, the review queue and LLM usage (the week's reports are in
    the briefing above them, counted by publication date like the Brands page)."""
    from django.db.models import Sum
    from django.urls import reverse
    from django.utils import timezone

    from accounts.models import UsageDaily
    from accounts.quotas import first_of_next_month
    from accounts.registry import Figure
    from accounts.selectors import REVIEW_COUNT_CAP
    from reports.models import Brand, BrandStatus, Mention, ReviewStatus

    now = timezone.now()
    tracked = Brand.objects.filter(
        organization=organization, status=BrandStatus.TRACKED, merged_into__isnull=True
    ).count()
    # Counted up to the cap only (as the briefing's review queue): a full count of the
    # unreviewed mentions cost ~40 ms of PostgreSQL per dashboard view at 100k reports.
    to_review: int | str = (
        Mention.objects.filter(organization=organization, review_status=ReviewStatus.UNREVIEWED)
        .order_by()[: REVIEW_COUNT_CAP + 1]
        .count()
    )
    if to_review > REVIEW_COUNT_CAP:
        to_review = f"{REVIEW_COUNT_CAP}+"
    today = now.date()
    usage = UsageDaily.objects.filter(
        organization=organization, date__gte=today.replace(day=1), date__lte=today
    ).aggregate(
        tokens_in=Sum("tokens_in"),
        tokens_out=Sum("tokens_out"),
        cost=Sum("cost"),
        batch_saved=Sum("batch_saved"),
    )
    tokens = (usage["tokens_in"] or 0) + (usage["tokens_out"] or 0)
    cost = f"${usage['cost'] or 0:.2f} this month"
    if usage["batch_saved"]:
        # What economy (batch) mode saved: standard mode would have cost this much more.
        standard = (usage["cost"] or 0) + usage["batch_saved"]
        cost += (
            f" (economy mode saved ${usage['batch_saved']:.2f}; standard mode would have "
            f"cost ${standard:.2f})"
        )
    from accounts.quotas import quota_limit

    # The organization's own limit, else its plan's (no plan: none).
    quota = quota_limit(organization, "llm_tokens")
    # Same test as reports.services.usage.quota_reached, from the sums already loaded.
    if quota is not None and tokens >= quota:
        paused_until = first_of_next_month(today)
        hint = (
            f"LLM analysis is paused until {paused_until:%-d %B %Y}: articles are analysed "
            "by rules and queued for the LLM"
        )
    elif quota is not None:
        share = round(100 * tokens / quota) if quota else 100
        hint = f"of {quota:,} ({share} % of the quota) · {cost}"
    else:
        hint = f"no monthly quota · {cost}"
    reports_url = reverse("reports:list")
    return [
        Figure(
            "Brands tracked",
            tracked,
            url=reverse("brands:list") + "?status=tracked",
            hint="" if tracked else "Add the brands you watch: Brands → Add brand",
        ),
        Figure("Mentions to review", to_review, url=f"{reports_url}?review=unreviewed"),
        Figure("LLM tokens this month", f"{tokens:,}", hint=hint),
    ]
