"""Forms of the draft pages. Validation of what gets stored is the services' job
(``contacts.services.drafting`` / ``templates``); these forms only carry the values and show
the services' errors next to their fields."""

from typing import Any

from django import forms
from django.core import signing

from accounts.drawer import FilterForm
from contacts.drafting.render import SUBJECT_MAX_LENGTH
from contacts.models import DraftTemplate, DraftTone, EmailDraft

PROVENANCE_SALT = "contacts.drafts.provenance"


def sign_provenance(draft: EmailDraft) -> str:
    """What the drawer posts back besides the text: signed, so a user cannot claim another
    contact, report or model by editing a hidden field."""
    return signing.dumps(
        {
            "contact": draft.contact_id,
            "report": draft.report_id,
            "template": draft.template,
            "tone": draft.tone,
            "model": draft.model,
            "tokens": [draft.tokens_in, draft.tokens_out],
            "at": draft.generated_at.isoformat(),
        },
        salt=PROVENANCE_SALT,
    )


def read_provenance(value: str) -> dict[str, Any] | None:
    try:
        return signing.loads(value, salt=PROVENANCE_SALT)
    except signing.BadSignature:
        return None


class DraftForm(forms.Form):
    # ``data-draft-choice`` marks what a change of template or tone sends to write again.
    template = forms.ChoiceField(
        choices=DraftTemplate.choices, widget=forms.Select(attrs={"data-draft-choice": ""})
    )
    tone = forms.ChoiceField(
        choices=DraftTone.choices, widget=forms.Select(attrs={"data-draft-choice": ""})
    )
    subject = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"maxlength": SUBJECT_MAX_LENGTH})
    )
    body = forms.CharField(
        label="Email", required=False, strip=False, widget=forms.Textarea(attrs={"rows": 16})
    )
    # Signed: who the draft is to, from which report, and what wrote it (model, tokens).
    provenance = forms.CharField(required=False, widget=forms.HiddenInput)
    # The page behind the drawer, to go back to once the email is marked as sent.
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class DraftFilterForm(FilterForm):
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Any"), ("unsent", "Not sent"), ("sent", "Sent")],
    )
    template = forms.ChoiceField(required=False, choices=[("", "Any"), *DraftTemplate.choices])
    written_by = forms.ChoiceField(
        label="Written by",
        required=False,
        choices=[("", "Any"), ("ai", "AI"), ("template", "Template")],
    )
    q = forms.CharField(label="Search", required=False, max_length=200)


class EmailTemplateForm(forms.Form):
    subject = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"maxlength": SUBJECT_MAX_LENGTH})
    )
    body = forms.CharField(
        label="Text", required=False, strip=False, widget=forms.Textarea(attrs={"rows": 14})
    )
    instructions = forms.CharField(
        label="Instructions for the AI",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What the email must achieve. The AI uses the text above as an example.",
    )


class SenderProfileForm(forms.Form):
    sender_name = forms.CharField(label="Name", required=False)
    sender_title = forms.CharField(label="Role", required=False)
    sender_company = forms.CharField(label="Company", required=False)
    sender_email = forms.CharField(
        label="Email", required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    sender_signature = forms.CharField(
        label="Signature",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Ends every draft. When empty: your name, role, company and email.",
    )
    default_tone = forms.ChoiceField(
        label="Default tone",
        choices=DraftTone.choices,
        required=False,
        help_text="The tone a new draft starts in; each draft can change it.",
    )
