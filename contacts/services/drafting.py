"""Outreach email drafts: compose (AI or template), save, mark sent, delete. The
organization's template wording and sender profile are in ``contacts.services.templates``.

``draft_compose`` never saves: it returns an unsaved ``EmailDraft`` the user reviews and edits
in the drawer, and ``draft_save`` stores what they kept. Changing the template or tone
composes again, so drafts nobody wanted never become rows. The LLM's tokens are counted
against the organization when they are spent, saved or not.
"""

import json
import logging
from dataclasses import dataclass

import openai
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.llm_connection import LLMConnectionBroken, connection_for
from accounts.models import Organization
from contacts.drafting.defaults import TONES
from contacts.drafting.llm import FAILURES, UnusableAnswer, ask_for_draft, prompt_data
from contacts.drafting.render import (
    SUBJECT_MAX_LENGTH,
    draft_values,
    ensure_citation,
    render_template,
    sender_values,
    template_for,
)
from contacts.models import (
    BrandContact,
    DraftTemplate,
    DraftTone,
    EmailDraft,
)
from contacts.services.contacts import contact_mark_contacted, contact_settings_for
from reports.models import Report
from reports.services.usage import cost_estimate, quota_reached, usage_record
from resilience import (
    PermanentFailure,
    ProviderError,
    ProviderQuotaExhausted,
    ProviderUnavailable,
    RetryPolicy,
)

logger = logging.getLogger(__name__)

SENDER_FIELDS = ("sender_name", "sender_title", "sender_company", "sender_email")


@dataclass(frozen=True)
class ComposedDraft:
    """An unsaved draft and, when the template wrote it, why (shown atop the drawer)."""

    draft: EmailDraft
    notice: str = ""
    # The provider's own words, for the curious (shown small under the notice).
    notice_detail: str = ""
    citation_added: bool = False

    @property
    def by_ai(self) -> bool:
        return bool(self.draft.model)


def _unavailable(reason: str) -> str:
    return f"The AI draft is unavailable ({reason}); this is the template draft."


def _failure_reason(error: Exception) -> str:
    if isinstance(error, UnusableAnswer):
        return f"the AI answer could not be used: {error.reason}"
    if isinstance(error, ProviderQuotaExhausted):
        return "the AI service's quota is used up"
    if isinstance(error, ProviderUnavailable):
        return "calls to the AI service are paused after repeated failures"
    if isinstance(error, PermanentFailure):
        return "the AI service refused the request"
    cause = error.__cause__ or error
    if isinstance(cause, openai.APITimeoutError):
        return "the AI service did not answer in time"
    if isinstance(cause, openai.APIResponseValidationError | json.JSONDecodeError):
        return "the AI service sent a broken answer"
    status = getattr(error, "status", None) or getattr(cause, "status_code", None)
    if status == 429:
        return "the AI service is rate limiting requests"
    if isinstance(error, ProviderError) and status and status >= 500:
        return "the AI service had an error"
    return "the AI service could not be reached"


def _check_contact(organization: Organization, contact: BrandContact) -> None:
    if contact.organization_id != organization.pk:
        raise ValidationError({"contact": "Choose one of this organization's contacts."})
    if contact.do_not_contact:
        raise ValidationError(
            {
                "contact": f"{contact.full_name} is marked “do not contact”: no email can be "
                "drafted or sent to them."
            }
        )
    if contact.suggested:
        # An unverified suggestion is not someone staff chose to work with yet.
        raise ValidationError(
            {"contact": f"{contact.full_name} is a suggestion: import the contact first."}
        )


def draft_compose(
    *,
    organization: Organization,
    contact: BrandContact,
    report: Report | None,
    template: str,
    tone: str,
    actor: AbstractBaseUser | None,
    policy: RetryPolicy | None = None,
) -> ComposedDraft:
    """A new, unsaved draft to ``contact``, written by the LLM when one is configured and
    usable, else from the template. Raises ValidationError only for bad input (a
    do-not-contact contact, another organization's report, an unknown template or tone);
    an LLM failure gives the template draft and a notice."""
    _check_contact(organization, contact)
    if report is not None and report.organization_id != organization.pk:
        raise ValidationError({"report": "Choose one of this organization's reports."})
    if template not in DraftTemplate.values:
        raise ValidationError({"template": "Choose one of the templates."})
    if tone not in DraftTone.values:
        raise ValidationError({"tone": "Choose one of the tones."})

    resolved = template_for(organization, template, has_report=report is not None)
    sender = sender_values(contact_settings_for(organization), organization, actor)
    values = draft_values(contact=contact, report=report, tone=tone, sender=sender)
    subject, body = render_template(resolved, values, has_report=report is not None)
    # An organization's own template may leave out the link; the draft must still cite it.
    body, citation_added = ensure_citation(body, report)
    draft = EmailDraft(
        organization=organization,
        contact=contact,
        report=report,
        subject=subject,
        body=body,
        template=template,
        tone=tone,
        generated_at=timezone.now(),
        created_by=actor,
    )
    try:
        connection = connection_for(organization)
    except LLMConnectionBroken as error:
        reason = "the organization's own LLM connection cannot be used"
        return ComposedDraft(draft, _unavailable(reason), error.message)
    if connection is None:
        return ComposedDraft(draft, _unavailable("no language model is configured"))
    if quota_reached(organization):
        reason = "this organization's monthly LLM token quota is used up"
        return ComposedDraft(draft, _unavailable(reason))

    data = prompt_data(
        template=resolved,
        template_label=DraftTemplate(template).label,
        example=(subject, body),
        tone_style=TONES[tone].style,
        values=values,
        has_report=report is not None,
        language=organization.get_language_display(),
    )
    context = {"organization_id": organization.pk, "contact_id": contact.pk}
    try:
        answer = ask_for_draft(data, context=context, policy=policy, connection=connection)
    except FAILURES as error:
        if isinstance(error, UnusableAnswer):
            _count_tokens(organization, *error.tokens, model=connection.model)
        if not isinstance(error, ProviderError):
            # The resilience policy logs provider failures; these it never saw.
            logger.warning("AI draft for contact %s failed: %s", contact.pk, error)
        detail = error.message if isinstance(error, ProviderError) else ""
        return ComposedDraft(draft, _unavailable(_failure_reason(error)), detail, citation_added)

    _count_tokens(organization, answer.tokens_in, answer.tokens_out, model=answer.model)
    draft.subject = answer.subject[:SUBJECT_MAX_LENGTH] or subject
    draft.body, citation_added = ensure_citation(answer.body, report)
    draft.model = answer.model
    draft.tokens_in, draft.tokens_out = answer.tokens_in, answer.tokens_out
    return ComposedDraft(draft, citation_added=citation_added)


def _count_tokens(
    organization: Organization, tokens_in: int, tokens_out: int, *, model: str
) -> None:
    cost = cost_estimate(model, tokens_in, tokens_out)
    usage_record(
        organization=organization,
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        cost=cost,
        model=model,
    )


def _clean_text(subject: str, body: str) -> tuple[str, str]:
    subject = " ".join(subject.split())
    # Textareas post CRLF; store plain newlines (the mailto link adds CRLF back).
    body = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    errors: dict[str, str] = {}
    if not subject:
        errors["subject"] = "Write a subject."
    elif len(subject) > SUBJECT_MAX_LENGTH:
        errors["subject"] = f"Keep the subject under {SUBJECT_MAX_LENGTH} characters."
    if not body:
        errors["body"] = "Write the email."
    if errors:
        raise ValidationError(errors)
    return subject, body


@transaction.atomic
def draft_save(
    *, draft: EmailDraft, subject: str, body: str, actor: AbstractBaseUser | None
) -> EmailDraft:
    """Store a composed draft (new) or the edits to a saved one, with ``subject`` and
    ``body`` as the user left them."""
    if draft.pk and draft.sent:
        raise ValidationError("This email was marked as sent; its draft is kept as it was sent.")
    _check_contact(draft.organization, draft.contact)
    draft.subject, draft.body = _clean_text(subject, body)
    if draft.pk is None:
        draft.created_by = actor
        draft.save()
        return draft
    draft.save(
        update_fields=[
            "subject",
            "body",
            "report",
            "template",
            "tone",
            "model",
            "tokens_in",
            "tokens_out",
            "generated_at",
            "updated_at",
        ]
    )
    return draft


@transaction.atomic
def draft_mark_sent(*, draft: EmailDraft) -> EmailDraft:
    """Record that the email went out: the draft's sent time and the contact's last-contacted
    time. Marking it twice changes nothing."""
    contact = BrandContact.objects.select_for_update().get(pk=draft.contact_id)
    if contact.do_not_contact:
        raise ValidationError(
            {
                "contact": f"{contact.full_name} is marked “do not contact”; the email cannot be "
                "marked as sent."
            }
        )
    now = timezone.now()
    claimed = EmailDraft.objects.filter(pk=draft.pk, sent=False).update(
        sent=True, sent_at=now, updated_at=now
    )
    if claimed == 1:
        contact_mark_contacted(contact=contact, at=now)  # One moment: sent = contacted.
    draft.refresh_from_db(fields=["sent", "sent_at", "updated_at"])
    return draft


@transaction.atomic
def draft_delete(*, draft: EmailDraft) -> None:
    draft.delete()
