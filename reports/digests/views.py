"""Digest pages: the list of templates and subscriptions, their drawers (the template's with a
live preview), and the unsubscribe page that needs no login."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.drawer import add_service_errors, drawer_done, render_drawer
from accounts.tenancy import get_object_for_request, request_organization, scoped_queryset
from reports.digests import services
from reports.digests.content import digest_build
from reports.digests.forms import DigestSubscriptionForm, DigestTemplateForm
from reports.digests.models import DigestSubscription, DigestTemplate, Section
from reports.digests.pdf import digest_pdf
from reports.digests.tokens import read_unsubscribe_token
from reports.exports.ranges import RangePreset, resolve_range
from reports.pdf.render import PdfUnavailable

logger = logging.getLogger(__name__)

PREVIEW_DAYS = 7


def _can_manage(request: HttpRequest) -> bool:
    return request.membership.can_manage_members


def _visible_subscriptions(request: HttpRequest):  # type: ignore[no-untyped-def]
    """The member's own subscriptions and the organization's (never another member's)."""
    return scoped_queryset(request, DigestSubscription).filter(
        Q(user=request.user) | Q(user__isnull=True)
    )


def digest_list(request: HttpRequest) -> HttpResponse:
    organization = request_organization(request)
    subscriptions = _visible_subscriptions(request).select_related("template", "user")
    opted_out = set(
        DigestSubscription.objects.filter(
            organization=organization, opted_out=request.user
        ).values_list("pk", flat=True)
    )
    return render(
        request,
        "reports/digests/digest_list.html",
        {
            "templates": scoped_queryset(request, DigestTemplate).order_by("name"),
            "subscriptions": subscriptions,
            "opted_out": opted_out,
            "can_manage": _can_manage(request),
            "ranges": [
                (value, label)
                for value, label in RangePreset.choices
                if value != RangePreset.CUSTOM
            ],
        },
    )


# --- Templates -----------------------------------------------------------------------------------


def _require_template_editor(request: HttpRequest, template: DigestTemplate | None) -> None:
    if template and not (_can_manage(request) or template.created_by_id == request.user.pk):
        raise PermissionDenied("Only owners, admins and its author can change this template.")


def _template_form(request: HttpRequest, template: DigestTemplate | None) -> HttpResponse:
    _require_template_editor(request, template)
    organization = request_organization(request)
    form = DigestTemplateForm(
        request.POST if request.method == "POST" else None,
        instance=template,
        organization=organization,
    )
    back = reverse("digests:list")
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.digest_template_save(
                organization=organization,
                actor=request.user,
                template=template,
                groups=form.cleaned_data["groups"],
                feeds=form.cleaned_data["feeds"],
                **form.values(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Digest template “{saved}” saved.")
            return drawer_done(request, back)
    preview = _preview_content(request, template) if template else None
    return render_drawer(
        request,
        "reports/digests/template_form.html",
        {"form": form, "template": template, "back": back, "content": preview},
    )


def template_create(request: HttpRequest) -> HttpResponse:
    return _template_form(request, None)


def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _template_form(request, get_object_for_request(request, DigestTemplate, pk=pk))


def template_delete(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_object_for_request(request, DigestTemplate, pk=pk)
    _require_template_editor(request, template)
    back = reverse("digests:list")
    in_use = template.subscriptions.count()
    if request.method == "POST" and not in_use:
        name = str(template)
        template.delete()
        messages.success(request, f"Digest template “{name}” deleted.")
        return drawer_done(request, back)
    return render_drawer(
        request,
        "reports/digests/template_delete.html",
        {"template": template, "back": back, "in_use": in_use},
    )


def _preview_content(request: HttpRequest, template: DigestTemplate, **filters):  # type: ignore[no-untyped-def]
    organization = request_organization(request)
    end = timezone.now()
    return digest_build(
        template=template,
        organization=organization,
        start=end - timedelta(days=PREVIEW_DAYS),
        end=end,
        time_zone=organization.time_zone,
        **filters,
    )


@require_POST
def template_preview(request: HttpRequest) -> HttpResponse:
    """The drawer's live preview: the digest of the last 7 days as the form stands (unsaved)."""
    organization = request_organization(request)
    form = DigestTemplateForm(request.POST, organization=organization)
    context: dict = {}
    # A half-typed name must not block the preview: only the fields it needs are checked.
    if form.is_valid() or not (set(form.errors) - {"name"}):
        data = form.cleaned_data
        template = DigestTemplate(
            organization=organization,
            name=data.get("name") or "Digest",
            sections=data.get("sections") or [],
            columns=data.get("columns") or [],
            min_confidence=data["min_confidence"],
            top_count=data["top_count"],
        )
        context["content"] = _preview_content(
            request,
            template,
            groups=list(data.get("groups") or []),
            feeds=list(data.get("feeds") or []),
        )
    else:
        context["errors"] = [error for field in form.errors.values() for error in field]
    return render(request, "reports/digests/template_form.html#preview", context)


def template_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The template's digest over a date range (a preset, or ``custom`` with ``date_from``
    and ``date_to``; the last 7 days by default) as a PDF download."""
    template = get_object_for_request(request, DigestTemplate, pk=pk)
    organization = request_organization(request)
    try:
        span = resolve_range(
            preset=request.GET.get("range") or RangePreset.LAST_7_DAYS,
            time_zone=organization.time_zone,
            date_from=_date(request.GET.get("date_from")),
            date_to=_date(request.GET.get("date_to")),
            too_long="a digest covers at most {max_days} days (two years).",
        )
    except ValidationError as error:
        return render(
            request,
            "reports/digests/pdf_error.html",
            {"template": template, "messages_": error.messages},
            status=400,
        )
    content = digest_build(
        template=template,
        organization=organization,
        start=span.since,
        end=span.until,
        time_zone=organization.time_zone,
    )
    try:
        filename, pdf = digest_pdf(content)
    except PdfUnavailable as error:
        logger.error("Digest PDF unavailable: %s", error)
        return render(
            request,
            "reports/digests/pdf_error.html",
            {"template": template, "unavailable": True},
            status=503,
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _date(value: str | None) -> date | None:
    """A date from the query, or None; a malformed one is treated as missing (the range
    then says which day to choose)."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


# --- Subscriptions -------------------------------------------------------------------------------


def _subscription_form(
    request: HttpRequest, subscription: DigestSubscription | None
) -> HttpResponse:
    organization = request_organization(request)
    if subscription and subscription.user_id is None and not _can_manage(request):
        raise PermissionDenied("Only owners and admins change the organization's digests.")
    form = DigestSubscriptionForm(
        request.POST if request.method == "POST" else None,
        instance=subscription,
        organization=organization,
        can_manage=_can_manage(request),
    )
    back = reverse("digests:list")
    if not form.fields["template"].queryset.exists():
        messages.info(request, "Create a digest template first: it chooses what a digest shows.")
        return drawer_done(request, reverse("digests:template_create"))
    if request.method == "POST" and form.is_valid():
        try:
            services.digest_subscription_save(
                organization=organization,
                actor=request.user,
                subscription=subscription,
                for_everyone=form.cleaned_data.get("for_everyone", False),
                **form.values(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Digest schedule saved.")
            return drawer_done(request, back)
    return render_drawer(
        request,
        "reports/digests/subscription_form.html",
        {"form": form, "subscription": subscription, "back": back},
    )


def subscription_create(request: HttpRequest) -> HttpResponse:
    return _subscription_form(request, None)


def subscription_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _subscription_form(
        request, get_object_for_request(request, _visible_subscriptions(request), pk=pk)
    )


def subscription_delete(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = get_object_for_request(request, _visible_subscriptions(request), pk=pk)
    if subscription.user_id is None and not _can_manage(request):
        raise PermissionDenied("Only owners and admins change the organization's digests.")
    back = reverse("digests:list")
    if request.method == "POST":
        services.digest_subscription_delete(subscription=subscription)
        messages.success(request, "Digest schedule deleted.")
        return drawer_done(request, back)
    return render_drawer(
        request,
        "reports/digests/subscription_delete.html",
        {"subscription": subscription, "back": back},
    )


# --- Unsubscribe (no login) ----------------------------------------------------------------------


@login_not_required
@csrf_exempt  # the signed token is the credential; mail clients' one-click POST has no CSRF
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    found = read_unsubscribe_token(token)
    if found is None:
        raise Http404("This unsubscribe link is not valid.")
    subscription_id, user_id = found
    subscription = (
        DigestSubscription.objects.select_related("template", "organization")
        .filter(pk=subscription_id)
        .first()
    )
    if subscription is None or (subscription.user_id not in (None, user_id)):
        raise Http404("This digest no longer exists.")
    done = None
    if request.method == "POST":
        if request.POST.get("action") == "resubscribe":
            services.digest_resubscribe(subscription=subscription, user_id=user_id)
            done = "resubscribed"
        else:
            services.digest_unsubscribe(subscription=subscription, user_id=user_id)
            done = "unsubscribed"
    return render(
        request,
        "reports/digests/unsubscribe.html",
        {"subscription": subscription, "done": done, "sections": Section},
    )
