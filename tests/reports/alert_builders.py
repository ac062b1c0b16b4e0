"""Builders for the alert tests: mentions at chosen times, and rules with test defaults."""

from datetime import datetime, timedelta
from itertools import count
from typing import Any

from accounts.models import Organization
from reports.alerts.models import AlertRule
from reports.models import Brand, Mention
from tests.reports.page_data import add_mention, make_article, make_report

_paths = count()


def mention_at(brand: Brand, when: datetime, **values: Any) -> Mention:
    """One article (published ``when``, analysed ``analysed_at`` or ``when``) mentioning
    ``brand``."""
    analysed_at = values.pop("analysed_at", when)
    title = values.pop("title", f"{brand.name} story {next(_paths)}")
    article = make_article(
        Organization.objects.get(pk=brand.organization_id),
        f"/a{next(_paths)}",
        title=title,
        published_at=when,
    )
    report = make_report(article, analysed_at=analysed_at)
    return add_mention(report, brand, mentioned_at=when, **values)


def daily_history(brand: Brand, now: datetime, per_day: int, days: int = 28) -> None:
    """``per_day`` mentions on each of the ``days`` days before the last 24 hours."""
    for day in range(1, days + 1):
        for n in range(per_day):
            mention_at(brand, now - timedelta(days=day, hours=1 + n))


def make_rule(organization: Organization, **values: Any) -> AlertRule:
    values.setdefault("name", f"Rule {next(_paths)}")
    values.setdefault("webhook_url", "")
    return AlertRule.objects.create(organization=organization, **values)
