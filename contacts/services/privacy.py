"""Data-subject rights for contacts: everything we hold about a person as JSON (access), and
erasure that leaves an audit entry without the person in it."""

import re
from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditAction
from contacts.identity import hashed_key, identity_keys
from contacts.models import BrandContact, EmailDraft, ErasureRecord

REMOVED = "[removed]"
# Name parts shorter than this ("Al", "Li") would also blank out ordinary words of a reason.
_MIN_NAME_PART = 3


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def _draft_data(draft: EmailDraft) -> dict[str, Any]:
    report = draft.report
    return {
        "subject": draft.subject,
        "body": draft.body,
        "template": draft.template,
        "tone": draft.tone,
        "written_by_model": draft.model or None,
        "generated_at": _iso(draft.generated_at),
        "sent": draft.sent,
        "sent_at": _iso(draft.sent_at),
        "report": (
            {"title": report.article.title, "url": report.article.canonical_url}
            if report is not None
            else None
        ),
    }


def contact_export_data(*, contact: BrandContact) -> dict[str, Any]:
    """Everything held about one contact: its fields, where it came from, its drafts."""
    drafts = contact.drafts.select_related("report__article").order_by("generated_at", "id")
    return {
        "exported_at": timezone.now().isoformat(),
        "organization": contact.organization.name,
        "contact": {
            "id": contact.pk,
            "brand": contact.brand.name,
            "full_name": contact.full_name,
            "title": contact.title,
            "email": contact.email,
            "phone": contact.phone,
            "linkedin_url": contact.linkedin_url,
            "company": contact.company,
            "notes": contact.notes,
            "suggested": contact.suggested,
            "verified": contact.verified,
            "do_not_contact": contact.do_not_contact,
            "lawful_basis": contact.lawful_basis,
            "last_contacted_at": _iso(contact.last_contacted_at),
            "expires_at": _iso(contact.expires_at),
            "updated_at": _iso(contact.updated_at),
        },
        "provenance": {
            "source": contact.source,
            "source_label": contact.get_source_display(),
            "source_url": contact.source_url,
            "source_excerpt": contact.source_excerpt,
            "created_by": contact.created_by.get_username() if contact.created_by else None,
            "created_at": _iso(contact.created_at),
        },
        "drafts": [_draft_data(draft) for draft in drafts],
    }


def contact_export(*, contact: BrandContact, actor: AbstractBaseUser | None) -> dict[str, Any]:
    """``contact_export_data``, recorded in the organization's audit log (by the contact's id
    only: the log outlives an erasure and must not keep who the person was)."""
    data = contact_export_data(contact=contact)
    audit_record(
        organization=contact.organization_id,
        actor=actor,
        action=AuditAction.CONTACT_EXPORTED,
        target=f"contact #{contact.pk}",
    )
    return data


def scrub_reason(reason: str, *, contact: BrandContact) -> str:
    """``reason`` without the person's name, name parts, email or phone, whatever the case.

    The form asks not to type them; this is the safety net, so the audit record that must
    outlive the person does not quietly keep who they were."""
    needles = [contact.full_name, contact.email, contact.phone]
    needles += [part for part in contact.full_name.split() if len(part) >= _MIN_NAME_PART]
    if contact.email:
        needles.append(contact.email.split("@", 1)[0])
    cleaned = reason
    # Longest first, so "Jane Doe" goes as one piece before "Jane" alone.
    for needle in sorted({n.strip() for n in needles if n.strip()}, key=len, reverse=True):
        pattern = re.escape(needle)
        if needle[0].isalnum():
            pattern = rf"(?<!\w){pattern}"
        if needle[-1].isalnum():
            pattern = rf"{pattern}(?!\w)"
        cleaned = re.sub(pattern, REMOVED, cleaned, flags=re.IGNORECASE)
    return " ".join(cleaned.split())[:300]


def _forget_admin_history(model: type, pks: list[int], label: str) -> None:
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model),
        object_id__in=[str(pk) for pk in pks],
    ).update(object_repr=label, change_message="")


@transaction.atomic
def contact_erase(
    *, contact: BrandContact, actor: AbstractBaseUser | None, reason: str = ""
) -> ErasureRecord:
    """Delete a contact and its drafts for a data-subject request; return the audit record.

    The record keeps who erased, when, how many drafts, the old id and keyed hashes of the
    person's identity keys (so discovery does not suggest them again), never the person."""
    keys = identity_keys(
        email=contact.email, full_name=contact.full_name, brand_id=contact.brand_id
    )
    contact_ref = contact.pk
    record = ErasureRecord.objects.create(
        organization_id=contact.organization_id,
        erased_by=actor if actor is not None and actor.is_authenticated else None,
        contact_ref=contact_ref,
        drafts_erased=contact.drafts.count(),
        reason=scrub_reason(reason, contact=contact),
        subject_keys=sorted({hashed_key(key) for key in keys}),
    )
    # The admin's history names the object ("Jane Doe (Acme)") and what changed in it.
    draft_ids = list(contact.drafts.values_list("pk", flat=True))
    _forget_admin_history(BrandContact, [contact_ref], f"Erased contact #{contact_ref}")
    _forget_admin_history(EmailDraft, draft_ids, f"Draft of erased contact #{contact_ref}")
    contact.drafts.all().delete()
    contact.delete()
    audit_record(
        organization=record.organization_id,
        actor=actor,
        action=AuditAction.CONTACT_ERASED,
        target=f"contact #{contact_ref}",
        changes=[{"field": "drafts erased", "before": None, "after": record.drafts_erased}],
    )
    return record
