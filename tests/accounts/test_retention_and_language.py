"""Organization language (what it changes) and retention periods (within the installation's
bounds; the purges that apply them never delete what drafts and reviews point to)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts import retention, services
from accounts.models import Membership
from accounts.tasks import apply_retention
from contacts.drafting.llm import prompt_data
from feeds.models import Article
from monitoring.models import LogEntry
from monitoring.tasks import purge_old_log_entries
from reports.models import FeedbackEvent, Mention, Report, ReviewStatus
from tests.accounts.portal_data import make_draft
from tests.contacts.builders import make_contact
from tests.reports.page_data import add_mention, make_article, make_brand, make_report

pytestmark = pytest.mark.django_db


def owner(org, user) -> Membership:
    return Membership.objects.get(organization=org, user=user)


def aged(article: Article, days: int) -> Article:
    Article.objects.filter(pk=article.pk).update(created_at=timezone.now() - timedelta(days=days))
    return article


def story(org, path: str, days: int, brand=None) -> tuple[Article, Report, Mention]:
    article = make_article(org, path)
    report = make_report(article)
    mention = add_mention(report, brand or make_brand(org, f"Brand {path}"), surface="Acme Corp")
    return aged(article, days), report, mention


def test_periods_outside_the_installations_bounds_are_refused_with_them(
    org_a, alice, settings, client_for
):
    settings.RETENTION_MIN_DAYS = 30
    settings.REPORT_RETENTION_DAYS = 365
    settings.LOG_RETENTION_DAYS = 14
    with pytest.raises(ValidationError) as refused:
        retention.validate_retention(report_days=7, log_days=30)
    assert "between 30 and 365" in refused.value.message_dict["report_retention_days"][0]
    assert "between 1 and 14" in refused.value.message_dict["log_retention_days"][0]
    response = client_for(alice).post(
        reverse("accounts:edit"),
        {"name": org_a.name, "time_zone": "UTC", "report_retention_days": "400"},
    )
    assert b"between 30 and 365" in response.content
    org_a.refresh_from_db()
    assert org_a.report_retention_days is None
    # The organization's choice never goes past the installation's.
    org_a.report_retention_days = 200
    assert retention.report_days_for(org_a) == 200
    settings.REPORT_RETENTION_DAYS = 100
    assert retention.report_days_for(org_a) == 100


def test_the_purge_deletes_old_articles_but_never_what_drafts_or_reviews_point_to(
    org_a, org_b, alice
):
    services.organization_update(
        organization=org_a,
        actor=owner(org_a, alice),
        name=org_a.name,
        time_zone="UTC",
        report_retention_days=30,
    )
    _old, old_report, old_mention = story(org_a, "/old", 40)
    recent, _, _ = story(org_a, "/recent", 10)
    drafted, drafted_report, _ = story(org_a, "/drafted", 40)
    make_draft(make_contact(make_brand(org_a, "Globex")), drafted_report)
    confirmed, _, confirmed_mention = story(org_a, "/confirmed", 40)
    Mention.objects.filter(pk=confirmed_mention.pk).update(review_status=ReviewStatus.CONFIRMED)
    fed_back, _, fed_back_mention = story(org_a, "/feedback", 40)
    FeedbackEvent.objects.create(organization=org_a, action="confirm", mention=fed_back_mention)
    others, _, _ = story(org_b, "/theirs", 400)  # B keeps everything (no retention set)

    assert apply_retention() == 1
    assert set(Article.objects.values_list("pk", flat=True)) == {
        recent.pk,
        drafted.pk,
        confirmed.pk,
        fed_back.pk,
        others.pk,
    }
    assert not Report.objects.filter(pk=old_report.pk).exists()
    assert not Mention.objects.filter(pk=old_mention.pk).exists()
    assert Report.objects.filter(pk=drafted_report.pk).exists()
    # Idempotent: nothing more to do.
    assert apply_retention() == 0


def test_log_lines_of_an_organization_that_keeps_them_shorter_go_sooner(org_a, org_b, settings):
    settings.LOG_RETENTION_DAYS = 14
    org_a.log_retention_days = 3
    org_a.save(update_fields=["log_retention_days"])

    def line(org, days: int, tag: str) -> None:
        LogEntry.objects.create(
            time=timezone.now() - timedelta(days=days),
            level=20,
            logger="t",
            message=tag,
            role="web",
            host="h",
            pid=1,
            organization=org,
            stream_id=tag,
        )

    line(org_a, 5, "a-old")
    line(org_a, 1, "a-new")
    line(org_b, 5, "b-old")
    line(org_b, 20, "b-ancient")
    purge_old_log_entries()
    assert set(LogEntry.objects.values_list("message", flat=True)) == {"a-new", "b-old"}


def test_the_organizations_language_is_the_pages_language(org_a, alice, client_for):
    client = client_for(alice)
    response = client.post(
        reverse("accounts:edit"), {"name": org_a.name, "time_zone": "UTC", "language": "de"}
    )
    assert response.status_code in (200, 204, 302)
    page = client.get(reverse("accounts:settings"))
    assert page["Content-Language"] == "de"
    assert b'<html lang="de">' in page.content
    assert b"Deutsch" in page.content
    # Django's own strings follow: month names in dates, form messages.
    month = timezone.now().strftime("%b").encode()
    german = {b"Dec": b"Dez", b"Mar": "Mär".encode(), b"May": b"Mai", b"Oct": b"Okt"}
    assert german.get(month, month) in page.content
    refused = client.post(reverse("accounts:edit"), {"name": "", "time_zone": "UTC"})
    assert b"Dieses Feld ist zwingend erforderlich." in refused.content
    # Bad input: a language the installation does not offer is refused, the setting kept.
    client.post(
        reverse("accounts:edit"), {"name": org_a.name, "time_zone": "UTC", "language": "xx"}
    )
    org_a.refresh_from_db()
    assert org_a.language == "de"


def test_email_drafts_are_asked_for_in_the_organizations_language(org_a):
    from contacts.drafting.llm import SYSTEM_PROMPT

    values = {
        key: ""
        for key in (
            "contact_name",
            "contact_first_name",
            "contact_title",
            "contact_company",
            "brand",
            "sender_name",
            "sender_title",
            "sender_company",
            "sender_email",
            "sender_signature",
        )
    }

    class Template:
        instructions = "Say hello."

    data = prompt_data(
        template=Template(),
        template_label="Intro",
        example=("s", "b"),
        tone_style="warm",
        values=values,
        has_report=False,
        language="Deutsch",
    )
    assert data["language"] == "Deutsch"
    assert "requested language" in SYSTEM_PROMPT
