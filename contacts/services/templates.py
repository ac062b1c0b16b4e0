"""The organization's wording of the draft templates and its sender profile."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from accounts.models import Organization
from contacts.drafting.render import SUBJECT_MAX_LENGTH, unknown_placeholders
from contacts.models import ContactSettings, DraftTemplate, DraftTone, EmailTemplate
from contacts.services.contacts import contact_settings_for

SENDER_FIELDS = ("sender_name", "sender_title", "sender_company", "sender_email")


@transaction.atomic
def email_template_update(
    *, organization: Organization, kind: str, subject: str, body: str, instructions: str = ""
) -> EmailTemplate:
    """The organization's own wording of template ``kind``."""
    if kind not in DraftTemplate.values:
        raise ValidationError({"kind": "Unknown template."})
    subject = " ".join(subject.split())
    body = body.replace("\r\n", "\n").strip()
    instructions = instructions.replace("\r\n", "\n").strip()
    errors: dict[str, list[str]] = {}
    if not subject:
        errors["subject"] = ["Write a subject."]
    elif len(subject) > SUBJECT_MAX_LENGTH:
        errors["subject"] = [f"Keep the subject under {SUBJECT_MAX_LENGTH} characters."]
    if not body:
        errors["body"] = ["Write the email's text."]
    for field, text in (("subject", subject), ("body", body)):
        unknown = unknown_placeholders(text)
        if unknown:
            # Drafts would show them as typed: catch the typo here instead.
            names = ", ".join(f"{{{name}}}" for name in unknown)
            errors.setdefault(field, []).append(
                f"Unknown placeholder {names}. See the list of placeholders below."
            )
    if errors:
        raise ValidationError(errors)
    row, _ = EmailTemplate.objects.update_or_create(
        organization=organization,
        kind=kind,
        defaults={"subject": subject, "body": body, "instructions": instructions},
    )
    return row


@transaction.atomic
def email_template_reset(*, organization: Organization, kind: str) -> None:
    """Back to the built-in wording."""
    EmailTemplate.objects.filter(organization=organization, kind=kind).delete()


@transaction.atomic
def sender_profile_update(
    *,
    organization: Organization,
    sender_name: str,
    sender_title: str,
    sender_company: str,
    sender_email: str,
    sender_signature: str,
    default_tone: str = "",
) -> ContactSettings:
    """Who the drafts are from. Empty fields fall back to the user's name and email and the
    organization's name when a draft is written."""
    values = {
        "sender_name": sender_name.strip(),
        "sender_title": sender_title.strip(),
        "sender_company": sender_company.strip(),
        "sender_email": sender_email.strip().lower(),
    }
    errors: dict[str, str] = {}
    for field, value in values.items():
        limit = ContactSettings._meta.get_field(field).max_length
        if limit and len(value) > limit:
            errors[field] = f"Keep it under {limit} characters."
    if values["sender_email"]:
        try:
            validate_email(values["sender_email"])
        except ValidationError:
            errors["sender_email"] = "Enter a valid email address."
    if default_tone and default_tone not in DraftTone.values:
        errors["default_tone"] = "Choose one of the tones."
    if errors:
        raise ValidationError(errors)
    row = contact_settings_for(organization)
    for field, value in values.items():
        setattr(row, field, value)
    row.sender_signature = sender_signature.replace("\r\n", "\n").strip()
    fields = [*SENDER_FIELDS, "sender_signature", "updated_at"]
    if default_tone:  # a form posted without it (an older page still open) keeps the tone
        row.default_tone = default_tone
        fields.append("default_tone")
    row.save(update_fields=fields)
    return row
