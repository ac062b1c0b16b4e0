"""Contact discovery: the organization's consent, runs per brand, and periodic refreshes.

A run is a row (``DiscoveryRun``) created queued by :func:`discovery_start` and claimed by
the task (:func:`discovery_run`). Each provider's outcome is one message line on the row and
is committed before the next provider starts, so a run that stops part-way keeps what it
found. Providers only read; :mod:`contacts.discovery.store` saves their finds.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from accounts.models import Membership, Organization
from accounts.quotas import quota_check
from contacts.discovery import Findings, Provider, default_providers
from contacts.discovery.store import StoreCounts, suggestions_store
from contacts.models import (
    DEFAULT_ROLE_KEYWORDS,
    BrandContact,
    ContactSettings,
    DiscoveryRun,
    DiscoveryStatus,
)
from contacts.services.contacts import contact_settings_for
from reports.models import Brand
from resilience import ProviderError

logger = logging.getLogger(__name__)

ACTIVE = (DiscoveryStatus.QUEUED, DiscoveryStatus.RUNNING)
DISCOVERY_OFF = (
    "Contact discovery is off for this organization. An owner or admin can turn it on in the "
    "contact discovery settings after accepting the notice."
)
BROKER_DOWN = (
    "The task queue is not answering, so the search could not be started. Try again in a "
    "minute; an operator can check /readyz."
)
MAX_KEYWORDS = 15
MAX_KEYWORD_LENGTH = 40
MAX_RETENTION_DAYS = 365
REFRESH_BATCH = 20  # brands re-searched per periodic tick, so a backlog spreads out


class DiscoveryOff(ValidationError):
    """The organization has not turned discovery on (with the notice accepted)."""

    def __init__(self) -> None:
        super().__init__(DISCOVERY_OFF)


class DiscoveryAlreadyRunning(ValidationError):
    """Raised with the run in progress, so a page can link to it."""

    def __init__(self, run: DiscoveryRun) -> None:
        super().__init__(f"Contacts for {run.brand.name} are already being searched for.")
        self.run = run


def discovery_allowed(settings_row: ContactSettings) -> bool:
    return settings_row.discovery_enabled and settings_row.discovery_consent_at is not None


def parse_role_keywords(value: str | Sequence[str]) -> list[str]:
    """Comma-separated text (or a list) as clean keywords, without duplicates or quotes
    (they would break the search query)."""
    items = value.split(",") if isinstance(value, str) else list(value)
    keywords: list[str] = []
    for item in items:
        keyword = re.sub(r"\s+", " ", str(item).replace('"', " ")).strip()
        if keyword and keyword.casefold() not in {k.casefold() for k in keywords}:
            keywords.append(keyword)
    return keywords


@transaction.atomic
def discovery_settings_update(
    *,
    organization: Organization,
    actor: AbstractBaseUser,
    enabled: bool,
    accept_notice: bool,
    role_keywords: str | Sequence[str],
    retention_days: int,
) -> ContactSettings:
    """Turn discovery on or off and set its keywords and retention (owners and admins only).

    Turning it on needs ``accept_notice``; who accepted and when is recorded, and kept when
    it is turned off again."""
    membership = Membership.objects.filter(organization=organization, user=actor).first()
    if membership is None or not membership.can_manage_members:
        raise PermissionDenied("Only owners and admins can change contact discovery.")
    row = ContactSettings.objects.select_for_update().get(pk=contact_settings_for(organization).pk)
    keywords = parse_role_keywords(role_keywords)
    errors: dict[str, str] = {}
    if not keywords:
        errors["role_keywords"] = "Give at least one role keyword, e.g. PR, press, marketing."
    elif len(keywords) > MAX_KEYWORDS:
        errors["role_keywords"] = f"Give at most {MAX_KEYWORDS} keywords."
    elif any(len(keyword) > MAX_KEYWORD_LENGTH for keyword in keywords):
        errors["role_keywords"] = f"Each keyword must be at most {MAX_KEYWORD_LENGTH} characters."
    if not 1 <= retention_days <= MAX_RETENTION_DAYS:
        errors["retention_days"] = f"Choose between 1 and {MAX_RETENTION_DAYS} days."
    turning_on = enabled and not discovery_allowed(row)
    if turning_on and not accept_notice:
        errors["accept_notice"] = "Accept the notice to turn contact discovery on."
    if errors:
        raise ValidationError(errors)
    row.discovery_enabled = enabled
    row.role_keywords = keywords
    row.suggestion_retention_days = retention_days
    fields = ["discovery_enabled", "role_keywords", "suggestion_retention_days", "updated_at"]
    if turning_on:
        row.discovery_consent_by = actor
        row.discovery_consent_at = timezone.now()
        fields += ["discovery_consent_by", "discovery_consent_at"]
    row.save(update_fields=fields)
    return row


@transaction.atomic
def discovery_start(*, brand: Brand, actor: AbstractBaseUser | None) -> DiscoveryRun:
    """Queue a search for ``brand``'s contacts; the task is sent once the row is committed.

    Raises ValidationError when the organization has not turned discovery on (with consent),
    the brand was merged, a search for it is already queued or running
    (:class:`DiscoveryAlreadyRunning`), or the plan's searches this month are used up
    (:class:`accounts.quotas.QuotaExceeded`). If the broker is down the run is failed at once with
    a clear message (read it from the returned row)."""
    from contacts.tasks import discover_brand

    if not discovery_allowed(contact_settings_for(brand.organization)):
        raise DiscoveryOff
    if brand.merged_into_id:
        raise ValidationError(f"{brand.name} was merged into another brand; search that one.")
    active = DiscoveryRun.objects.filter(brand=brand, status__in=ACTIVE).first()
    if active is not None:
        raise DiscoveryAlreadyRunning(active)
    # Every run counts, the periodic refresh's too: each one spends searches.
    quota_check(brand.organization, "discovery_searches")
    run = DiscoveryRun.objects.create(
        organization_id=brand.organization_id, brand=brand, requested_by=actor
    )

    def send() -> None:
        try:
            discover_brand.apply_async(kwargs={"run_id": run.pk}, retry=False)
        except (BrokerError, OSError):
            logger.exception("Could not enqueue discovery run %s", run.pk)
            if discovery_run_fail(run_id=run.pk, message=BROKER_DOWN, statuses=(ACTIVE[0],)):
                run.status, run.messages = DiscoveryStatus.FAILED, [BROKER_DOWN]

    transaction.on_commit(send)
    return run


def discovery_run(
    *, run_id: int, providers: Sequence[Provider] | None = None
) -> DiscoveryRun | None:
    """Claim the queued run and ask each provider; None if another delivery has it already."""
    claimed = DiscoveryRun.objects.filter(pk=run_id, status=DiscoveryStatus.QUEUED).update(
        status=DiscoveryStatus.RUNNING, started_at=timezone.now()
    )
    if claimed != 1:
        return None
    run = DiscoveryRun.objects.select_related("brand", "organization").get(pk=run_id)
    settings_row = contact_settings_for(run.organization)
    if not discovery_allowed(settings_row):
        return _finish(run, DiscoveryStatus.FAILED, "Discovery was turned off; nothing searched.")
    keywords = list(settings_row.role_keywords or DEFAULT_ROLE_KEYWORDS)
    ran = stopped = 0
    for provider in default_providers() if providers is None else providers:
        reason = provider.unavailable_reason(run.brand)
        if reason:
            _note(run, f"{provider.label}: {reason}")
            continue
        try:
            findings = provider.find(run.brand, keywords)
        except ProviderError as error:  # providers return their stops; this is a safety net
            findings = Findings(stopped=error.message)
        counts = suggestions_store(run=run, candidates=findings.candidates)
        run.found += counts.found
        run.created += counts.created
        run.updated += counts.updated
        _note(run, _provider_line(provider, findings, counts))
        ran += 1
        stopped += bool(findings.stopped)
    if not ran:
        return _finish(run, DiscoveryStatus.FAILED, "No provider could search for this brand.")
    if not stopped:
        return _finish(run, DiscoveryStatus.SUCCEEDED)
    done_something = stopped < ran or run.found > 0
    return _finish(run, DiscoveryStatus.PARTIAL if done_something else DiscoveryStatus.FAILED)


def _provider_line(provider: Provider, findings: Findings, counts: StoreCounts) -> str:
    """ "Brand website: Read 3 pages of acme.com. 2 found: 1 new, 1 refreshed." """
    parts = [findings.summary]
    if counts.found:
        parts.append(counts.describe())
    elif not findings.stopped:
        parts.append("Nobody in the chosen roles found.")
    if findings.stopped:
        parts.append(f"Stopped: {findings.stopped}")
    return f"{provider.label}: " + " ".join(part for part in parts if part)


def _note(run: DiscoveryRun, line: str) -> None:
    run.messages = [*run.messages, line]
    run.save(update_fields=["messages", "found", "created", "updated"])


def _finish(run: DiscoveryRun, status: str, line: str = "") -> DiscoveryRun:
    if line:
        run.messages = [*run.messages, line]
    run.status = status
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "messages", "finished_at", "found", "created", "updated"])
    return run


def discovery_run_fail(
    *, run_id: int, message: str, statuses: Sequence[str] = ACTIVE
) -> DiscoveryRun | None:
    """End a queued or running run with ``message`` (partly done if it stored anything)."""
    with transaction.atomic():
        run = DiscoveryRun.objects.select_for_update().filter(pk=run_id, status__in=statuses)
        run = run.first()
        if run is None:
            return None
        status = DiscoveryStatus.PARTIAL if run.found else DiscoveryStatus.FAILED
        return _finish(run, status, message)


def discovery_runs_fail_stuck(*, older_than: timedelta) -> int:
    """Fail runs still queued or running after ``older_than``: their task was lost."""
    cutoff = timezone.now() - older_than
    # No ordering: the model's newest-first would sort the matches for nothing.
    stuck = DiscoveryRun.objects.filter(status__in=ACTIVE, created_at__lt=cutoff).order_by()
    message = "The search never finished (its worker stopped or the task was lost); start it again."
    return sum(
        discovery_run_fail(run_id=pk, message=message) is not None
        for pk in stuck.values_list("pk", flat=True)
    )


def suggestions_refresh_stale(
    *, older_than: timedelta, limit: int = REFRESH_BATCH
) -> list[DiscoveryRun]:
    """Search again for brands whose suggestions were last seen before ``older_than`` ago and
    that were not searched since, in organizations that have discovery on."""
    cutoff = timezone.now() - older_than
    allowed = ContactSettings.objects.filter(
        discovery_enabled=True, discovery_consent_at__isnull=False
    ).values("organization_id")
    stale = (
        BrandContact.objects.suggestions()
        .filter(organization_id__in=allowed, updated_at__lt=cutoff)
        .values("brand_id")
    )
    recent = DiscoveryRun.objects.filter(created_at__gte=cutoff).values("brand_id")
    active = DiscoveryRun.objects.filter(status__in=ACTIVE).values("brand_id")
    brands = (
        Brand.objects.filter(pk__in=stale, merged_into__isnull=True)
        .exclude(pk__in=recent)
        .exclude(pk__in=active)
        .select_related("organization")
        .order_by("pk")[:limit]
    )
    started = []
    for brand in brands:
        try:
            started.append(discovery_start(brand=brand, actor=None))
        except ValidationError as error:
            logger.info("Stale suggestions of brand %s not refreshed: %s", brand.pk, error)
    return started
