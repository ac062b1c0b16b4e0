"""Privacy pages: the notice, one contact's data as JSON, erasure on request, and the
erasure audit list."""

import json

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET

from accounts.drawer import drawer_done, render_drawer
from accounts.llm_connection import LLMConnectionBroken, connection_for
from accounts.models import Role
from accounts.tenancy import get_object_for_request, request_organization, scoped_queryset
from contacts.models import BrandContact, ErasureRecord
from contacts.services.contacts import contact_settings_for
from contacts.services.privacy import contact_erase, contact_export

ERASURES_PER_PAGE = 50


class ErasureForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        label="Reason",
        help_text="For example: “Data-subject request received by email on 3 March”. Do not "
        "type the person's name or email: this note is kept after they are erased (a name or "
        "email typed here is removed).",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


def _may_erase(request: HttpRequest) -> bool:
    membership = getattr(request, "membership", None)
    return membership is not None and membership.role in (Role.OWNER, Role.ADMIN)


def privacy_notice(request: HttpRequest) -> HttpResponse:
    organization = request_organization(request)
    contact_settings = contact_settings_for(organization)
    # Drafts go to the organization's own connection when it has one (its provider, its model).
    try:
        connection = connection_for(organization)
    except LLMConnectionBroken:
        connection = None
    return render(
        request,
        "contacts/privacy_notice.html",
        {
            "contact_settings": contact_settings,
            "llm_configured": connection is not None,
            "llm_model": connection.model if connection else settings.OPENAI_MODEL,
            "llm_own": connection is not None and connection.own,
            "may_erase": _may_erase(request),
        },
    )


@require_GET
def privacy_export(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_object_for_request(
        request, BrandContact.objects.select_related("brand", "created_by", "organization"), pk=pk
    )
    data = contact_export(contact=contact, actor=request.user)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="contact-{contact.pk}.json"'
    return response


def erase(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm (GET, in the drawer) and erase (POST) a contact: owners and admins only."""
    contact = get_object_for_request(request, BrandContact.objects.select_related("brand"), pk=pk)
    allowed = _may_erase(request)
    if request.method == "POST" and not allowed:
        raise PermissionDenied("Only owners and admins can erase a contact.")
    form = ErasureForm(request.POST or None) if allowed else None
    if form is not None and request.method == "POST" and form.is_valid():
        record = contact_erase(
            contact=contact, actor=request.user, reason=form.cleaned_data["reason"]
        )
        drafts = record.drafts_erased
        messages.success(
            request,
            f"The contact and {drafts} draft{'' if drafts == 1 else 's'} were erased. "
            f"Audit entry #{record.pk} keeps no personal data.",
        )
        return drawer_done(request, reverse("contacts:list"))
    return render_drawer(
        request,
        "contacts/erase.html",
        {"contact": contact, "form": form, "drafts": contact.drafts.count()},
    )


def erasures(request: HttpRequest) -> HttpResponse:
    if not _may_erase(request):
        raise PermissionDenied("Only owners and admins can read the erasure log.")
    rows = scoped_queryset(request, ErasureRecord).select_related("erased_by")
    page = Paginator(rows, ERASURES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "contacts/privacy_erasures.html", {"page": page})


urlpatterns: list[URLPattern] = [
    path("privacy/", privacy_notice, name="privacy_notice"),
    path("privacy/erasures/", erasures, name="erasures"),
    path("<int:pk>/privacy/export/", privacy_export, name="privacy_export"),
    path("<int:pk>/erase/", erase, name="erase"),
]
