"""Contact discovery pages: the organization's settings and consent, starting a search for a
brand's contacts, and a run's progress."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from accounts.drawer import add_service_errors, next_url
from accounts.tenancy import get_object_for_request, request_organization, scoped_queryset
from contacts.models import BrandContact, DiscoveryRun, DiscoveryStatus
from contacts.services.contacts import contact_settings_for
from contacts.services.discovery import (
    BROKER_DOWN,
    MAX_RETENTION_DAYS,
    DiscoveryAlreadyRunning,
    DiscoveryOff,
    discovery_settings_update,
    discovery_start,
)
from reports.models import Brand

RUN_SUGGESTIONS_SHOWN = 50


class DiscoverySettingsForm(forms.Form):
    enabled = forms.BooleanField(label="Contact discovery is on", required=False)
    accept_notice = forms.BooleanField(
        label="I have read the notice above and accept it for this organization",
        required=False,
    )
    role_keywords = forms.CharField(
        label="Role keywords",
        max_length=600,
        help_text="Comma separated, e.g. PR, press, communications, marketing. Only people whose "
        "title names one of them are suggested.",
    )
    retention_days = forms.IntegerField(
        label="Keep unimported suggestions for (days)",
        min_value=1,
        max_value=MAX_RETENTION_DAYS,
        help_text="Suggestions nobody imports are erased after this many days.",
    )


def discovery_settings(request: HttpRequest) -> HttpResponse:
    organization = request_organization(request)
    row = contact_settings_for(organization)
    can_change = request.membership.can_manage_members
    initial = {
        "enabled": row.discovery_enabled,
        "role_keywords": ", ".join(row.role_keywords or []),
        "retention_days": row.suggestion_retention_days,
    }
    form = DiscoverySettingsForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied("Only owners and admins can change contact discovery.")
        if form.is_valid():
            data = form.cleaned_data
            try:
                discovery_settings_update(
                    organization=organization,
                    actor=request.user,
                    enabled=data["enabled"],
                    accept_notice=data["accept_notice"],
                    role_keywords=data["role_keywords"],
                    retention_days=data["retention_days"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                state = "on" if data["enabled"] else "off"
                messages.success(request, f"Discovery settings saved; discovery is {state}.")
                return redirect("contacts:discovery_settings")
    if not can_change:
        for field in form.fields.values():
            field.disabled = True
    return render(
        request,
        "contacts/discovery_settings.html",
        {
            "form": form,
            "contact_settings": row,
            "can_change": can_change,
            "search_configured": bool(settings.SEARCH_API_KEY),
        },
    )


@require_POST
def discover(request: HttpRequest, brand_pk: int) -> HttpResponse:
    brand = get_object_for_request(request, Brand, pk=brand_pk)
    try:
        run = discovery_start(brand=brand, actor=request.user)
    except DiscoveryAlreadyRunning as running:
        link = reverse("contacts:discovery_run", args=[running.run.pk])
        messages.info(
            request, format_html('{} <a href="{}">See its progress</a>.', running.message, link)
        )
    except DiscoveryOff as off:
        link = reverse("contacts:discovery_settings")
        text = format_html('{} <a href="{}">Contact discovery settings</a>', off.message, link)
        messages.error(request, text)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if run.status == DiscoveryStatus.FAILED:
            messages.error(request, BROKER_DOWN)
        else:
            link = reverse("contacts:discovery_run", args=[run.pk])
            messages.success(
                request,
                format_html(
                    "Searching public sources for people at {}. "
                    'Suggestions appear in a moment; <a href="{}">see the progress</a>.',
                    brand.name,
                    link,
                ),
            )
    return redirect(next_url(request, reverse("brands:detail", args=[brand.pk])))


def discovery_run(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_for_request(
        request, DiscoveryRun.objects.select_related("brand", "requested_by"), pk=pk
    )
    suggestions = (
        scoped_queryset(request, BrandContact)
        .suggestions()
        .filter(brand=run.brand)
        .order_by("-updated_at", "id")[:RUN_SUGGESTIONS_SHOWN]
    )
    context = {"run": run, "suggestions": suggestions, "next": request.get_full_path()}
    if request.htmx and not request.htmx.boosted:
        return render(request, "contacts/discovery_run.html#run-live", context)
    return render(request, "contacts/discovery_run.html", context)


urlpatterns: list[URLPattern] = [
    path("settings/discovery/", discovery_settings, name="discovery_settings"),
    path("brands/<int:brand_pk>/discover/", discover, name="discover"),
    path("discovery/<int:pk>/", discovery_run, name="discovery_run"),
]
