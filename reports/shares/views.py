"""Share links: the "Share" drawers (Analytics page, digest template), the organization's
"Shared links" page with revoke, and the public page /s/<token>/ that needs no login.

The public page is a dead end on purpose: a page of its own (not base.html: no navigation,
no forms, no CSRF cookie, no session read or written), ``noindex``, no referrer sent when the
client follows an article link, and one 404 for every token that does not open.
"""

from __future__ import annotations

import base64
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.drawer import add_service_errors, render_drawer
from accounts.logo import logo_png
from accounts.models import Organization
from accounts.tenancy import get_object_for_request, request_organization, scoped_queryset
from contacts.discovery.ratelimit import rate_take
from reports.analytics_form import AnalyticsForm
from reports.digests.models import DigestTemplate
from reports.shares import public, services
from reports.shares.forms import DigestShareForm, ShareLinkForm
from reports.shares.models import ShareKind, ShareLink

logger = logging.getLogger("reports.shares")


def _query_params(request: HttpRequest) -> dict[str, list[str]]:
    return {key: request.GET.getlist(key) for key in services.ANALYTICS_KEYS if key in request.GET}


def _created(request: HttpRequest, link: ShareLink, token: str) -> HttpResponse:
    url = request.build_absolute_uri(reverse("share_page", args=[token]))
    return render_drawer(
        request,
        "reports/shares/share_form.html",
        {"link": link, "url": url, "back": reverse("shares:list")},
    )


@require_http_methods(["GET", "POST"])
def share_analytics(request: HttpRequest) -> HttpResponse:
    """Share the Analytics view whose filters are in the query string."""
    organization = request_organization(request)
    params = _query_params(request)
    filters = AnalyticsForm(
        public.as_query(params) or None, groups=[], time_zone=organization.time_zone
    )
    span = filters.span()
    # The page shows its default range beside a wrong one; a link would freeze that
    # surprise for a client, so it is refused until the dates are fixed.
    wrong_dates = [
        message
        for name in ("range", "date_from", "date_to", "__all__")
        for message in filters.errors.get(name, [])
    ]
    form = ShareLinkForm(
        request.POST if request.method == "POST" else None,
        initial={"title": f"Analytics, {span.describe()}"},
    )
    for message in wrong_dates:
        form.add_error(None, f"Fix the Analytics page's dates first: {message}")
    if request.method == "POST" and form.is_valid():
        try:
            link, token = services.share_link_create(
                organization=organization,
                actor=request.user,
                kind=ShareKind.ANALYTICS,
                title=form.cleaned_data["title"],
                params=params,
                days=form.cleaned_data["days"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _created(request, link, token)
    query = request.GET.urlencode()
    return render_drawer(
        request,
        "reports/shares/share_form.html",
        {
            "form": form,
            "action": reverse("shares:analytics") + (f"?{query}" if query else ""),
            "what": "this Analytics view",
            "back": reverse("analytics:page") + (f"?{query}" if query else ""),
        },
    )


@require_http_methods(["GET", "POST"])
def share_digest(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_object_for_request(request, DigestTemplate, pk=pk)
    organization = request_organization(request)
    form = DigestShareForm(
        request.POST if request.method == "POST" else None,
        initial={"title": template.name},
        time_zone=organization.time_zone,
    )
    if request.method == "POST" and form.is_valid():
        try:
            link, token = services.share_link_create(
                organization=organization,
                actor=request.user,
                kind=ShareKind.DIGEST,
                title=form.cleaned_data["title"],
                params=form.params(),
                days=form.cleaned_data["days"],
                template=template,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _created(request, link, token)
    return render_drawer(
        request,
        "reports/shares/share_form.html",
        {
            "form": form,
            "action": reverse("shares:digest", args=[template.pk]),
            "what": f"the digest “{template.name}”",
            "back": reverse("digests:list"),
        },
    )


def share_list(request: HttpRequest) -> HttpResponse:
    links = scoped_queryset(request, ShareLink).select_related(
        "created_by", "revoked_by", "template"
    )
    now = timezone.now()
    return render(
        request,
        "reports/shares/share_list.html",
        {"rows": [(link, link.status(now)) for link in links]},
    )


@require_POST
def share_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Any member may revoke: whoever notices a link went too far should be able to stop it."""
    link = get_object_for_request(request, ShareLink, pk=pk)
    if services.share_link_revoke(link=link, actor=request.user):
        messages.success(request, f"“{link.title}” revoked: the link no longer opens.")
    return redirect("shares:list")


# --- The public page (no login) -----------------------------------------------------------------


def _client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD"])
def share_page(request: HttpRequest, token: str) -> HttpResponse:
    limit = settings.SHARE_LINK_VIEWS_PER_MINUTE
    if limit and not rate_take(name=f"share:{_client_ip(request)}", per_minute=limit):
        response = render(request, "reports/shares/too_many.html", status=429)
        response["Retry-After"] = "60"
        return _sealed(response)
    link = services.share_link_open(token)
    if link is None:
        # Unknown, tampered, expired, revoked: one answer, so a token says nothing about itself.
        return _gone(request)
    organization = link.organization
    context: dict = {"link": link, "organization": organization, "logo": _logo(organization)}
    if link.kind == ShareKind.ANALYTICS:
        context["view"] = public.analytics_view(organization, link.params)
    else:
        if link.template is None:  # is_active() checked it; for the type checker
            return _gone(request)
        try:
            context["content"] = public.digest_view(organization, link.template, link.params)
        except ValidationError:
            # A range that was valid when made and is not now (cannot happen for presets).
            return _gone(request)
    return _sealed(render(request, "reports/shares/public.html", context))


def _logo(organization: Organization) -> str:
    """The organization's logo as a data: URI (the CSP allows data: images): the page then
    needs no other URL, and the logo's own view (which asks for a login) stays closed."""
    png = logo_png(organization)
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii") if png else ""


def _gone(request: HttpRequest) -> HttpResponse:
    """The one 404 of the public page: a page of its own (the app's 404 page links into the
    app and sets a CSRF cookie)."""
    return _sealed(render(request, "reports/shares/gone.html", status=404))


def _sealed(response: HttpResponse) -> HttpResponse:
    # Article links on the page must not carry the token to other sites.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
