"""Saving what providers found as suggestions: never a person erased on request, never a
second record of someone already known, and a refresh (new facts, new expiry) for a
suggestion found again."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from django.db import IntegrityError, transaction

from contacts.discovery.base import Candidate
from contacts.identity import normalize_email
from contacts.models import BrandContact, DiscoveryRun
from contacts.services.contacts import Erasures, find_duplicate, suggestion_expiry
from contacts.validators import http_only

LAWFUL_BASIS = (
    "Legitimate interest: professional contact details published in a public source "
    "(found by contact discovery; unverified)."
)
# Facts a later sighting may update on a suggestion; the email only fills a blank.
_REFRESHED = ("title", "phone", "linkedin_url", "company")


@dataclass
class StoreCounts:
    found: int = 0
    created: int = 0
    updated: int = 0
    known: int = 0  # already a contact: left alone
    erased: int = 0  # erased on request: never suggested again

    def describe(self) -> str:
        if not self.found:
            return "Nobody found."
        parts = [f"{self.created} new"]
        if self.updated:
            parts.append(f"{self.updated} refreshed")
        if self.known:
            parts.append(f"{self.known} already contacts")
        if self.erased:
            parts.append(f"{self.erased} skipped (erased on request)")
        return f"{self.found} found: {', '.join(parts)}."


def suggestions_store(*, run: DiscoveryRun, candidates: list[Candidate]) -> StoreCounts:
    """Store ``candidates`` for ``run.brand``; each one in its own savepoint, so a race with
    another run (the same email inserted meanwhile) costs that candidate only."""
    organization, brand = run.organization, run.brand
    erasures = Erasures(organization)
    expires = suggestion_expiry(organization)
    counts = StoreCounts()
    created_now: set[int] = set()
    for candidate in candidates:
        counts.found += 1
        # What a provider parsed from a page is untrusted: only web addresses are kept.
        candidate = replace(
            candidate,
            source_url=http_only(candidate.source_url),
            linkedin_url=http_only(candidate.linkedin_url),
        )
        email = normalize_email(candidate.email)
        if erasures.of(email=email, full_name=candidate.full_name, brand=brand):
            counts.erased += 1
            continue
        try:
            with transaction.atomic():
                duplicate = find_duplicate(
                    organization=organization,
                    email=email,
                    full_name=candidate.full_name,
                    brand=brand,
                    suggested=None,
                )
                if duplicate is not None and not duplicate.contact.suggested:
                    counts.known += 1
                elif duplicate is not None:
                    _refresh(duplicate.contact, candidate, email, expires)
                    if duplicate.contact.pk not in created_now:  # not the same run's find
                        counts.updated += 1
                else:
                    contact = _create(run, candidate, email, expires)
                    created_now.add(contact.pk)
                    counts.created += 1
        except IntegrityError:
            counts.known += 1  # stored by a concurrent run a moment ago
    return counts


def _create(run: DiscoveryRun, candidate: Candidate, email: str, expires: datetime) -> BrandContact:
    return BrandContact.objects.create(
        organization=run.organization,
        brand=run.brand,
        full_name=candidate.full_name,
        title=candidate.title,
        email=email,
        phone=candidate.phone,
        linkedin_url=candidate.linkedin_url,
        company=candidate.company or run.brand.name,
        source=candidate.source,
        source_url=candidate.source_url,
        source_excerpt=candidate.excerpt,
        suggested=True,
        verified=False,
        lawful_basis=LAWFUL_BASIS,
        expires_at=expires,
    )


def _refresh(contact: BrandContact, candidate: Candidate, email: str, expires: datetime) -> None:
    changed = ["source", "source_url", "source_excerpt", "expires_at"]
    for field in _REFRESHED:
        value = getattr(candidate, field)
        if value and value != getattr(contact, field):
            setattr(contact, field, value)
            changed.append(field)
    if email and not contact.email:
        contact.email = email
        changed.append("email")
    contact.source = candidate.source
    contact.source_url = candidate.source_url
    contact.source_excerpt = candidate.excerpt
    contact.expires_at = expires
    contact.save(update_fields=[*changed, "updated_at"])
