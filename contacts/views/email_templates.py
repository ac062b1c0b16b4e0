"""The email templates page: the four draft templates and the sender profile, editable by
owners and admins, readable by members."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse

from accounts.drawer import add_service_errors
from accounts.tenancy import request_organization
from contacts.drafting.defaults import PLACEHOLDERS
from contacts.drafting.render import template_for
from contacts.forms_drafts import EmailTemplateForm, SenderProfileForm
from contacts.models import DraftTemplate
from contacts.services import templates
from contacts.services.contacts import contact_settings_for


def email_templates(request: HttpRequest) -> HttpResponse:
    organization = request_organization(request)
    can_edit = request.membership.can_manage_members
    posted = request.POST.get("form", "") if request.method == "POST" else ""
    if posted and not can_edit:
        raise PermissionDenied("Only owners and admins can change the email templates.")
    sender = contact_settings_for(organization)
    sender_form = SenderProfileForm(
        request.POST if posted == "sender" else None,
        initial={field: getattr(sender, field) for field in SenderProfileForm.base_fields},
    )
    sections = []
    for kind, label in DraftTemplate.choices:
        resolved = template_for(organization, kind)
        initial = {field: getattr(resolved, field) for field in ("subject", "body", "instructions")}
        bound = request.POST if posted == kind else None
        sections.append(
            {
                "kind": kind,
                "label": label,
                "customized": resolved.customized,
                "form": EmailTemplateForm(bound, prefix=kind, initial=initial),
            }
        )
    if posted:
        done = _save_templates_page(request, posted, sender_form, sections)
        if done:
            return redirect(f"{reverse('contacts:email_templates')}#{done}")
    if not can_edit:
        for form in [sender_form, *(section["form"] for section in sections)]:
            for field in form.fields.values():
                field.disabled = True
    context = {
        "sections": sections,
        "sender_form": sender_form,
        "can_edit": can_edit,
        "placeholders": PLACEHOLDERS,
    }
    return render(request, "contacts/email_templates.html", context)


def _save_templates_page(
    request: HttpRequest, posted: str, sender_form: SenderProfileForm, sections: list[dict]
) -> str:
    """Apply the posted section; the anchor to return to, or "" to show its errors."""
    organization = request.organization
    if posted == "sender":
        if not sender_form.is_valid():
            return ""
        try:
            templates.sender_profile_update(organization=organization, **sender_form.cleaned_data)
        except ValidationError as error:
            add_service_errors(sender_form, error)
            return ""
        messages.success(request, "Sender profile saved.")
        return "sender"
    section = next((s for s in sections if s["kind"] == posted), None)
    if section is None:
        return "templates"
    if request.POST.get("_action") == "reset":
        templates.email_template_reset(organization=organization, kind=posted)
        messages.success(request, f"The {section['label']} template is back to its default.")
        return f"template-{posted}"
    form = section["form"]
    if not form.is_valid():
        return ""
    try:
        templates.email_template_update(organization=organization, kind=posted, **form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
        return ""
    messages.success(request, f"The {section['label']} template is saved.")
    return f"template-{posted}"


urlpatterns: list[URLPattern] = [
    path("settings/templates/", email_templates, name="email_templates"),
]
