"""The organization's configuration drawers on the settings page: its LLM connection (with
"Test connection") and its logo. Owners and admins only; everything is the request's own
organization, so no URL carries an id another organization could try."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import http_date
from django.views.decorators.http import require_POST

from accounts import llm_connection, logo
from accounts.drawer import add_service_errors, drawer_done, render_drawer
from accounts.forms import LLMConnectionForm, LogoForm
from accounts.models import OrganizationLLM, OrganizationLogo
from accounts.tenancy import request_organization
from accounts.views import _manager_membership
from marketing_hunting import field_encryption


def llm_connection_edit(request: HttpRequest) -> HttpResponse:
    actor = _manager_membership(request)
    organization = request.organization
    row = llm_connection.llm_settings_for(organization)
    form = LLMConnectionForm(
        request.POST or None,
        initial={"source": row.source, "base_url": row.base_url, "model": row.model},
    )
    if request.method == "POST" and form.is_valid():
        try:
            llm_connection.llm_connection_update(
                organization=organization,
                actor=actor,
                source=form.cleaned_data["source"],
                base_url=form.cleaned_data["base_url"],
                model=form.cleaned_data["model"],
                api_key=form.cleaned_data["api_key"],
                remove_key=form.cleaned_data["remove_key"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "LLM connection saved. Test it to be sure it works.")
            # No #fragment: htmx's redirect to the same page with only a new fragment would
            # scroll instead of reloading it.
            return drawer_done(request, reverse("accounts:settings"))
    response = render_drawer(
        request,
        "accounts/llm_connection_form.html",
        {"form": form, "intro": _llm_intro(row)},
    )
    # A rejected form is drawn again: it never holds the key (render_value=False), but no
    # cache should keep a page the key was posted from either.
    response["Cache-Control"] = "no-store"
    return response


def _llm_intro(row: OrganizationLLM) -> str:
    if not field_encryption.available():
        return (
            "This installation cannot store API keys: its operator has not set "
            "FIELD_ENCRYPTION_KEY. You can use the installation's connection, or a server of "
            "your own that needs no key."
        )
    if row.has_key:
        return (
            f"A key is stored ({llm_connection.key_summary(row)}). It is never shown again: "
            "leave the key field empty to keep it, or type a new one to replace it."
        )
    return (
        "Analysis can use your organization's own account at OpenAI or any OpenAI-compatible "
        "server. The key is stored encrypted and never shown again."
    )


@require_POST
def llm_connection_test(request: HttpRequest) -> HttpResponse:
    actor = _manager_membership(request)
    outcome = llm_connection.llm_connection_test(organization=request.organization, actor=actor)
    if outcome.ok:
        messages.success(request, outcome.message)
    else:
        messages.error(request, f"The connection test failed: {outcome.message}")
    return redirect(reverse("accounts:settings") + "#llm-connection")


def logo_edit(request: HttpRequest) -> HttpResponse:
    actor = _manager_membership(request)
    form = LogoForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            logo.logo_set(
                organization=request.organization, actor=actor, upload=form.cleaned_data["logo"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Logo saved: PDFs and digests show it from now on.")
            return drawer_done(request, reverse("accounts:settings"))
    return render_drawer(request, "accounts/logo_form.html", {"form": form})


@require_POST
def logo_remove(request: HttpRequest) -> HttpResponse:
    actor = _manager_membership(request)
    logo.logo_remove(organization=request.organization, actor=actor)
    messages.success(request, "Logo removed.")
    return redirect(reverse("accounts:settings") + "#logo")


def logo_image(request: HttpRequest) -> HttpResponse:
    """The request's organization's logo (any member may see it). Served as the PNG we drew,
    with headers that keep a browser from reading it as anything else."""
    organization = request_organization(request)
    row = OrganizationLogo.objects.filter(organization=organization).first()
    if row is None:
        raise Http404("This organization has no logo.")
    etag = f'"{row.sha256}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(bytes(row.png), content_type="image/png")
        response["Content-Disposition"] = 'inline; filename="logo.png"'
        response["Last-Modified"] = http_date(row.uploaded_at.timestamp())
    response["ETag"] = etag
    response["X-Content-Type-Options"] = "nosniff"
    # Opened on its own, the image may do nothing: no script, no plugin, no frame.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=300"
    return response
