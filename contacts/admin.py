from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from import_export.admin import ImportExportModelAdmin
from import_export.forms import ConfirmImportForm, ImportForm

from accounts.models import Organization
from contacts.admin_formats import BoundedCSV, BoundedXLSX, FileLimitError
from contacts.models import (
    BrandContact,
    ContactSettings,
    DiscoveryRun,
    EmailDraft,
    EmailTemplate,
    ErasureRecord,
)
from contacts.resources import AdminBrandContactResource
from contacts.services.contacts import EDITABLE_FIELDS, contact_update
from contacts.services.privacy import contact_erase
from marketing_hunting.admin_readonly import RecordAdmin


def _https_urls(field: models.Field, **kwargs: Any) -> forms.Field | None:
    # Bare "www.linkedin.com/in/…" typed in the admin means https (Django 6's default).
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class BrandContactAdminForm(forms.ModelForm):
    class Meta:
        formfield_callback = _https_urls
        model = BrandContact
        fields = [
            "organization",
            *EDITABLE_FIELDS,
            "source",
            "source_url",
            "source_excerpt",
            "suggested",
            "last_contacted_at",
            "expires_at",
            "created_by",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        organization, brand = data.get("organization"), data.get("brand")
        if organization and brand and brand.organization_id != organization.pk:
            self.add_error("brand", "Choose a brand of the contact's organization.")
        return data


# Brands in the file are names, resolved within one organization: the operator picks it.
class ContactImportForm(ImportForm):
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.order_by("name"),
        help_text="The contacts are imported into this organization, and the brand column is "
        "matched against its brands and aliases.",
    )
    field_order = ["resource", "organization", "import_file", "format"]


class ContactConfirmImportForm(ConfirmImportForm):
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.all(), widget=forms.HiddenInput()
    )


class ErasureReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        help_text="Do not type the person's name or email: the audit entry outlives them.",
    )


@admin.register(BrandContact)
class BrandContactAdmin(ImportExportModelAdmin):
    form = BrandContactAdminForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    resource_classes = [AdminBrandContactResource]
    import_form_class = ContactImportForm
    confirm_form_class = ContactConfirmImportForm
    # Only what the Contacts page takes, read as boundedly as there (contacts/admin_formats).
    import_formats = [BoundedCSV, BoundedXLSX]
    list_display = [
        "full_name",
        "brand",
        "organization",
        "email",
        "source",
        "suggested",
        "verified",
        "do_not_contact",
        "last_contacted_at",
    ]
    list_filter = ["suggested", "verified", "do_not_contact", "source", "organization"]
    list_select_related = ["brand", "organization"]
    search_fields = ["full_name", "email", "title", "company", "brand__name"]
    raw_id_fields = ["organization", "brand", "created_by"]
    readonly_fields = ["created_at", "updated_at"]
    actions = ["mark_verified", "mark_do_not_contact", "erase"]
    show_full_result_count = False

    # A contact is erased (with a reason, leaving an audit entry and the fingerprint that
    # keeps the person out), never deleted bare: no bulk delete, no delete page for one.
    # Suggestions may still be deleted. ``has_delete_permission`` stays as it is so deleting
    # an organization still cascades to its contacts.
    _ERASE_INSTEAD = (
        "A contact is not deleted: use the Erase action on the contacts list, which asks "
        "for a reason and keeps an audit entry."
    )

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def _is_contact(self, request: HttpRequest, object_id: str) -> bool:
        contact = self.get_object(request, unquote(object_id))
        return contact is not None and not contact.suggested

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if self._is_contact(request, object_id):
            extra_context = {**(extra_context or {}), "show_delete": False}
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if self._is_contact(request, object_id):
            self.message_user(request, self._ERASE_INSTEAD, messages.ERROR)
            return redirect("admin:contacts_brandcontact_change", object_id)
        return super().delete_view(request, object_id, extra_context)

    def add_data_read_fail_error_to_form(self, form: Any, e: Exception) -> None:
        # import-export shows only the exception's type; a file over a limit says which.
        if isinstance(e, FileLimitError):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def get_import_resource_kwargs(self, request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
        form = kwargs.get("form")
        cleaned = getattr(form, "cleaned_data", None) or {}
        return {"organization": cleaned.get("organization"), "actor": request.user}

    def get_confirm_form_initial(self, request: HttpRequest, import_form: Any) -> dict[str, Any]:
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["organization"] = import_form.cleaned_data["organization"].pk
        return initial

    def get_import_data_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        # A row that fails at confirmation rolls back the whole file, as in the app.
        return {**super().get_import_data_kwargs(**kwargs), "rollback_on_validation_errors": True}

    def _update_each(self, request: HttpRequest, queryset: QuerySet, **values: Any) -> None:
        changed, refused = 0, []
        for contact in queryset.select_related("brand", "organization"):
            try:
                contact_update(contact=contact, **values)
            except ValidationError as error:  # e.g. an older row the rules now refuse
                refused.append(f"{contact.full_name} (#{contact.pk}): {' '.join(error.messages)}")
            else:
                changed += 1
        self.message_user(request, f"{changed} contacts updated.", messages.SUCCESS)
        if refused:
            self.message_user(request, "Not updated — " + "; ".join(refused[:20]), messages.WARNING)

    @admin.action(description="Mark selected contacts verified")
    def mark_verified(self, request: HttpRequest, queryset: QuerySet[BrandContact]) -> None:
        self._update_each(request, queryset, verified=True)

    @admin.action(description="Mark selected contacts do-not-contact")
    def mark_do_not_contact(self, request: HttpRequest, queryset: QuerySet[BrandContact]) -> None:
        self._update_each(request, queryset, do_not_contact=True)

    @admin.action(description="Erase (data-subject request)")
    def erase(self, request: HttpRequest, queryset: QuerySet[BrandContact]) -> HttpResponse | None:
        """Ask for a reason first (like the delete action's confirmation page), then erase
        each contact through the same service as the app, leaving one audit entry each."""
        form = ErasureReasonForm(request.POST if "confirm" in request.POST else None)
        if form.is_valid():
            records = [
                contact_erase(
                    contact=contact, actor=request.user, reason=form.cleaned_data["reason"]
                )
                for contact in queryset.select_related("brand")
            ]
            self.message_user(
                request,
                f"Erased {len(records)} contacts; audit entries keep no personal data.",
                messages.SUCCESS,
            )
            return None
        return TemplateResponse(
            request,
            "contacts/erase_admin_confirm.html",
            {
                **self.admin_site.each_context(request),
                "title": "Erase contacts",
                "opts": self.model._meta,
                "form": form,
                "contacts": queryset.select_related("brand"),
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )


class EmailDraftAdminForm(forms.ModelForm):
    """The app's rules hold here too: one organization, and never to a do-not-contact
    person or an unimported suggestion (neither written nor marked as sent)."""

    class Meta:
        model = EmailDraft
        fields = [
            "organization",
            "contact",
            "report",
            "subject",
            "body",
            "template",
            "tone",
            "generated_at",
            "sent",
            "sent_at",
            "created_by",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        organization, contact, report = (
            data.get("organization"),
            data.get("contact"),
            data.get("report"),
        )
        if organization and contact and contact.organization_id != organization.pk:
            self.add_error("contact", "Choose a contact of the draft's organization.")
        if organization and report and report.organization_id != organization.pk:
            self.add_error("report", "Choose a report of the draft's organization.")
        becomes_sent = data.get("sent") and not (self.instance.pk and self.instance.sent)
        if contact and (self.instance.pk is None or becomes_sent):
            if contact.do_not_contact:
                self.add_error("contact", f"{contact.full_name} is marked do-not-contact.")
            elif contact.suggested:
                self.add_error("contact", f"{contact.full_name} is a suggestion, not a contact.")
        return data


@admin.register(EmailDraft)
class EmailDraftAdmin(admin.ModelAdmin):
    form = EmailDraftAdminForm
    list_display = ["subject", "contact", "organization", "template", "tone", "sent", "updated_at"]
    list_filter = ["sent", "template", "tone", "organization"]
    list_select_related = ["contact", "organization"]
    search_fields = ["subject", "contact__full_name"]
    raw_id_fields = ["organization", "contact", "report", "created_by"]
    readonly_fields = ["model", "tokens_in", "tokens_out", "created_at", "updated_at"]
    show_full_result_count = False


@admin.register(EmailTemplate)
class EmailTemplateAdmin(admin.ModelAdmin):
    list_display = ["kind", "organization", "subject", "updated_at"]
    list_filter = ["kind", "organization"]
    list_select_related = ["organization"]
    raw_id_fields = ["organization"]


@admin.register(ContactSettings)
class ContactSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "organization",
        "discovery_enabled",
        "discovery_consent_at",
        "suggestion_retention_days",
        "sender_email",
    ]
    list_filter = ["discovery_enabled"]
    list_select_related = ["organization"]
    raw_id_fields = ["organization", "discovery_consent_by"]
    # Consent is given in the app, by an organization admin who read the notice.
    readonly_fields = ["discovery_consent_by", "discovery_consent_at", "updated_at"]


@admin.register(DiscoveryRun)
class DiscoveryRunAdmin(RecordAdmin):
    list_display = ["brand", "organization", "status", "found", "created", "updated", "created_at"]
    list_filter = ["status", "organization"]
    list_select_related = ["brand", "organization"]
    search_fields = ["brand__name"]
    show_full_result_count = False


@admin.register(ErasureRecord)
class ErasureRecordAdmin(RecordAdmin):
    list_display = ["contact_ref", "organization", "erased_by", "erased_at", "drafts_erased"]
    list_filter = ["organization"]
    list_select_related = ["organization", "erased_by"]
    search_fields = ["reason"]
