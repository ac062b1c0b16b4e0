"""An organization with a little of everything (feed, article, report, mention, brand, contact,
draft, job with its beat schedule, log line, logo, API key), for the portal's deletion, export
and retention tests."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.utils import timezone

from accounts.models import Membership, Organization, OrganizationLogo
from accounts.services import api_key_create
from contacts.models import DraftTemplate, DraftTone, EmailDraft
from feeds.models import Article
from jobs.models import Job
from monitoring.models import LogEntry
from reports.models import Brand, Mention, Report
from tests.contacts.builders import make_contact
from tests.jobs.builders import make_job
from tests.reports.page_data import add_mention, make_article, make_brand, make_feed, make_report


@dataclass
class World:
    organization: Organization
    article: Article
    report: Report
    mention: Mention
    brand: Brand
    draft: EmailDraft
    job: Job


def make_draft(contact, report: Report | None, subject: str = "Hello") -> EmailDraft:
    return EmailDraft.objects.create(
        organization_id=contact.organization_id,
        contact=contact,
        report=report,
        subject=subject,
        body="Body",
        template=DraftTemplate.values[0],
        tone=DraftTone.values[0],
        generated_at=timezone.now(),
    )


def make_world(organization: Organization, owner: User, tag: str) -> World:
    feed = make_feed(organization, name=f"Wire{tag}")
    article = make_article(organization, f"/{tag}/story", feeds=(feed,))
    report = make_report(article)
    brand = make_brand(organization, "Acme Corp")
    mention = add_mention(report, brand, "Acme Corp")
    contact = make_contact(brand, full_name=f"Jane {tag}")
    draft = make_draft(contact, report)
    job = make_job(organization, name=f"Run {tag}")
    LogEntry.objects.create(
        time=timezone.now(),
        level=20,
        logger="test",
        message=f"line of {tag}",
        role="web",
        host="h",
        pid=1,
        organization=organization,
        stream_id=f"{tag}-1",
    )
    OrganizationLogo.objects.create(
        organization=organization, png=b"\x89PNG", width=1, height=1, sha256="0" * 64
    )
    api_key_create(
        organization=organization,
        actor=Membership.objects.get(organization=organization, user=owner),
        name=f"Key {tag}",
        scopes=["reports:read"],
        expires_in_days=30,
    )
    return World(organization, article, report, mention, brand, draft, job)
