"""How long each organization keeps its articles (with their reports and mentions) and its
log lines, within the installation's bounds, and the purges that apply it.

Identity is sacred: an article is never deleted while an email draft cites its report, or
while one of its mentions was reviewed (confirmed or rejected) or is named by a feedback
event; those are the team's own work and what later learning reads.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import Organization

logger = logging.getLogger(__name__)

BATCH = 500


@dataclass(frozen=True)
class Bounds:
    report_min: int
    report_max: int | None  # None: the installation keeps them for ever
    log_min: int
    log_max: int


def bounds() -> Bounds:
    return Bounds(
        report_min=settings.RETENTION_MIN_DAYS,
        report_max=settings.REPORT_RETENTION_DAYS or None,
        log_min=1,
        log_max=settings.LOG_RETENTION_DAYS,
    )


def validate_retention(*, report_days: int | None, log_days: int | None) -> None:
    """Refuse periods outside the installation's bounds, naming them."""
    limits = bounds()
    errors: dict[str, str] = {}
    too_long = limits.report_max is not None and (report_days or 0) > limits.report_max
    if report_days is not None and (report_days < limits.report_min or too_long):
        errors["report_retention_days"] = (
            f"Choose between {limits.report_min} and {limits.report_max} days, or leave it empty."
            if limits.report_max
            else f"Choose at least {limits.report_min} days, or leave it empty (kept for ever)."
        )
    if log_days is not None and not limits.log_min <= log_days <= limits.log_max:
        errors["log_retention_days"] = (
            f"Choose between {limits.log_min} and {limits.log_max} days (this installation "
            "keeps log lines no longer), or leave it empty."
        )
    if errors:
        raise ValidationError(errors)


def report_days_for(organization: Organization) -> int | None:
    """The days the organization's articles are kept; None: for ever."""
    installation = settings.REPORT_RETENTION_DAYS or None
    own = organization.report_retention_days
    if own is None:
        return installation
    return min(own, installation) if installation else own


def log_days_for(organization: Organization) -> int:
    own = organization.log_retention_days
    return min(own, settings.LOG_RETENTION_DAYS) if own else settings.LOG_RETENTION_DAYS


def expired_articles(organization: Organization, *, now: datetime | None = None) -> QuerySet:
    """The organization's articles past its retention that nothing of the team's points to."""
    from contacts.models import EmailDraft
    from feeds.models import Article
    from reports.models import FeedbackEvent, Mention, ReviewStatus

    days = report_days_for(organization)
    if days is None:
        return Article.objects.none()
    cutoff = (now or timezone.now()) - timedelta(days=days)
    drafted = EmailDraft.objects.filter(report__article=OuterRef("pk"))
    reviewed = Mention.objects.filter(report__article=OuterRef("pk")).filter(
        ~Q(review_status=ReviewStatus.UNREVIEWED)
        | Exists(FeedbackEvent.objects.filter(mention=OuterRef("pk")))
    )
    return (
        Article.objects.filter(organization=organization, created_at__lt=cutoff)
        .exclude(Exists(drafted))
        .exclude(Exists(reviewed))
    )


def articles_purge(*, organization: Organization, now: datetime | None = None) -> int:
    """Delete the organization's expired articles (their reports and mentions go with them),
    in batches so no transaction holds many rows; how many articles."""
    from feeds.models import Article

    deleted = 0
    while ids := list(
        expired_articles(organization, now=now).order_by().values_list("pk", flat=True)[:BATCH]
    ):
        with transaction.atomic():
            # Checked again inside the transaction: a draft written since the read keeps it.
            ids = list(
                expired_articles(organization, now=now)
                .filter(pk__in=ids)
                .values_list("pk", flat=True)
            )
            Article.objects.filter(pk__in=ids).delete()
        deleted += len(ids)
        if not ids:
            break
    if deleted:
        logger.info(
            "Deleted %d articles of organization %s past retention", deleted, organization.pk
        )
    return deleted


def retention_apply(*, now: datetime | None = None) -> dict[int, int]:
    """Apply every organization's article retention; {organization id: articles deleted}."""
    result: dict[int, int] = {}
    for organization in Organization.objects.order_by("pk"):
        if report_days_for(organization) is None:
            continue
        deleted = articles_purge(organization=organization, now=now)
        if deleted:
            result[organization.pk] = deleted
    return result


def logs_purge_shorter(*, now: datetime | None = None) -> int:
    """Delete the log lines of organizations that keep them shorter than the installation
    (the installation's own LOG_RETENTION_DAYS purge does the rest)."""
    from monitoring.models import LogEntry

    now = now or timezone.now()
    deleted = 0
    shorter = Organization.objects.filter(log_retention_days__lt=settings.LOG_RETENTION_DAYS)
    for organization in shorter.order_by("pk"):
        cutoff = now - timedelta(days=log_days_for(organization))
        while ids := list(
            LogEntry.objects.filter(organization=organization, time__lt=cutoff)
            .order_by()
            .values_list("pk", flat=True)[:5000]
        ):
            count, _ = LogEntry.objects.filter(pk__in=ids).delete()
            deleted += count
    return deleted
