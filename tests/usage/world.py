"""A month of usage for one organization, written with the models (and the one counting
service the app uses), on chosen UTC days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from contacts.models import DiscoveryRun, EmailDraft
from reports.services.usage import usage_record
from tests.contacts.builders import make_article, make_brand, make_contact, make_report
from usage.models import ActiveUserDay


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


def add_usage(
    organization,
    day: date,
    *,
    articles: int = 0,
    analysed: int = 0,
    llm: list[tuple[str, int, int, str]] = (),
    searches: int = 0,
    drafted: int = 0,
    sent: int = 0,
    users=(),
    economy_saved: str | None = None,
    tag: str = "",
) -> None:
    at = noon(day)
    # The organization existed when its usage happened (the counts start at its creation).
    type(organization).objects.filter(pk=organization.pk, created_at__gt=at).update(
        created_at=at - timedelta(days=1)
    )
    made = []
    for n in range(articles):
        article = make_article(organization, f"/{day}/{tag}{n}", word_count=100)
        type(article).objects.filter(pk=article.pk).update(created_at=at)
        made.append(article)
    for article in made[:analysed]:
        make_report(article, analysed_at=at)
    for model, tokens_in, tokens_out, cost in llm:
        usage_record(
            organization=organization,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            cost=Decimal(cost),
            model=model,
            day=day,
        )
    if economy_saved is not None:
        usage_record(
            organization=organization,
            tokens_in=0,
            tokens_out=0,
            cost=Decimal(0),
            batch=True,
            saved=Decimal(economy_saved),
            day=day,
        )
    if searches or drafted:
        brand = make_brand(organization, f"Brand {day} {tag}")
        for _ in range(searches):
            run = DiscoveryRun.objects.create(organization=organization, brand=brand)
            DiscoveryRun.objects.filter(pk=run.pk).update(created_at=at)
        contact = make_contact(brand, f"Jane {day}")
        for n in range(drafted):
            draft = EmailDraft.objects.create(
                organization=organization,
                contact=contact,
                subject=f"Hello {n}",
                body="Hi",
                template="pitch",
                tone="professional",
                generated_at=at,
                sent=n < sent,
                sent_at=at if n < sent else None,
            )
            EmailDraft.objects.filter(pk=draft.pk).update(created_at=at)
    for user in users:
        ActiveUserDay.objects.get_or_create(organization=organization, user=user, date=day)
