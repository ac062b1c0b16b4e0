import copy

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.views.decorators.http import require_POST

from accounts import llm_connection, retention, selectors, services
from accounts.briefing_cache import cached_dashboard
from accounts.deletion import pending_deletion
from accounts.drawer import add_service_errors, drawer_done, render_drawer
from accounts.forms import (
    ApiKeyForm,
    InvitationForm,
    InvitationSignupForm,
    MembershipRoleForm,
    OrganizationForm,
)
from accounts.middleware import SESSION_KEY
from accounts.models import (
    ApiKey,
    AuditEvent,
    Invitation,
    Membership,
    Organization,
    OrganizationLogo,
    Role,
)
from accounts.quotas import QuotaExceeded, quota_limit, quota_usage
from accounts.request_cache import cached_for_organization
from accounts.tenancy import get_object_for_request, request_organization, scoped_queryset
from reports.charts import DataTable, Series, line_chart
from reports.extractors.llm import llm_configured


def _manager_membership(request: HttpRequest) -> Membership:
    """The request's membership, if it may manage the organization (403 otherwise)."""
    request_organization(request)
    if not request.membership.can_manage_members:
        raise PermissionDenied("Only owners and admins can change organization settings.")
    return request.membership


def _tracked_chart(briefing: selectors.Briefing) -> tuple[SafeString, DataTable] | None:
    """The compact chart of the busiest tracked brands, and the numbers behind it."""
    line = briefing.tracked_timeline
    if line is None:
        return None
    names = {trend.brand_id: trend.name for trend in briefing.tracked}
    charted = [(pk, names.get(pk, "")) for pk in line.by_brand]
    title = "Mentions per day, last 30 days"
    chart = line_chart(
        line.periods,
        [Series(name, line.by_brand[pk]) for pk, name in charted],
        title=title,
        width=420,
        height=180,
    )
    table = DataTable(
        f"{title}, busiest tracked brands",
        ["Day", *[name for _, name in charted]],
        [
            [period.long, *[line.by_brand[pk][index] for pk, _ in charted]]
            for index, period in enumerate(line.periods)
        ],
    )
    return chart, table


def _checklist(organization: Organization, *, can_invite: bool) -> selectors.Checklist | None:
    """The getting-started checklist: 5 queries, cached under the organization's generation
    (members, invitations, feeds, brands and jobs written replace it). Hiding it is read
    from the organization's row itself, which the generation ignores."""
    if organization.getting_started_hidden_at is not None:
        return None
    return cached_for_organization(
        organization.pk,
        f"getting-started:{can_invite}",
        lambda: selectors.getting_started(organization, can_invite=can_invite),
    )


def dashboard(request: HttpRequest) -> HttpResponse:
    organization = request.organization
    if organization is None:
        return render(request, "accounts/dashboard.html", {})
    cached = cached_dashboard(organization)
    context = {
        "figures": cached.figures,
        "banners": cached.banners,
        "briefing": cached.briefing,
        "tracked_chart": _tracked_chart(cached.briefing),
        "checklist": _checklist(organization, can_invite=request.membership.can_manage_members),
    }
    return render(request, "accounts/dashboard.html", context)


@require_POST
def getting_started_hide(request: HttpRequest) -> HttpResponse:
    organization = request_organization(request)
    services.organization_hide_getting_started(organization=organization, actor=request.membership)
    messages.success(request, "The getting-started checklist is hidden for your organization.")
    return redirect("dashboard")


@require_POST
def organization_switch(request: HttpRequest) -> HttpResponse:
    try:
        organization_id = int(request.POST.get("organization", ""))
    except ValueError:
        raise Http404("Unknown organization.") from None
    membership = next(
        (m for m in request.memberships if m.organization_id == organization_id), None
    )
    if membership is None:
        raise Http404("Unknown organization.")
    request.session[SESSION_KEY] = organization_id
    messages.success(request, f"Switched to {membership.organization}.")
    # Object pages of the previous organization would 404 now: go to the dashboard unless the
    # page asked for a safe place to return to.
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = reverse("dashboard")
    return redirect(next_url)


def organization_settings(request: HttpRequest) -> HttpResponse:
    organization = request_organization(request)
    members = scoped_queryset(request, Membership).select_related("user").order_by("user__username")
    invitations = scoped_queryset(request, Invitation).filter(accepted_at__isnull=True)
    # Keys are the managers' business: plain members neither see nor make them.
    api_keys = (
        scoped_queryset(request, ApiKey).select_related("created_by", "revoked_by")
        if request.membership.can_manage_members
        else ApiKey.objects.none()
    )
    llm = llm_connection.llm_settings_for(organization)
    manager = request.membership.can_manage_members
    return render(
        request,
        "accounts/settings.html",
        {
            "organization": organization,
            "members": members,
            "invitations": invitations,
            "api_keys": api_keys,
            "llm": llm,
            "llm_key_summary": llm_connection.key_summary(llm),
            "installation_llm": llm_configured(),
            "has_logo": OrganizationLogo.objects.filter(organization=organization).exists(),
            # The plan is the managers' business, like the keys.
            "usage": quota_usage(organization) if request.membership.can_manage_members else [],
            "api_calls_limit": quota_limit(organization, "api_calls"),
            # The portal's sections (accounts.portal_views): the latest audit lines, the
            # retention in force and a pending deletion.
            "recent_audit": (
                list(scoped_queryset(request, AuditEvent).order_by("-created_at", "-id")[:5])
                if manager
                else []
            ),
            "retention": {
                "report_days": retention.report_days_for(organization),
                "log_days": retention.log_days_for(organization),
            },
            "deletion": pending_deletion(organization) if manager else None,
            "is_owner": request.membership.role == Role.OWNER,
            "grace_days": settings.ORGANIZATION_DELETION_GRACE_DAYS,
        },
    )


def organization_edit(request: HttpRequest) -> HttpResponse:
    actor = _manager_membership(request)
    organization = request.organization
    # A ModelForm writes the cleaned values onto its instance while validating: give it a copy,
    # so a rejected edit does not show up elsewhere on the page (the header names the org).
    form = OrganizationForm(request.POST or None, instance=copy.copy(organization))
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_update(
                organization=organization,
                actor=actor,
                name=form.cleaned_data["name"],
                time_zone=form.cleaned_data["time_zone"],
                discovery_confirmed_only=form.cleaned_data["discovery_confirmed_only"],
                analysis_mode=form.cleaned_data["analysis_mode"],
                language=form.cleaned_data["language"],
                report_retention_days=form.cleaned_data["report_retention_days"],
                log_retention_days=form.cleaned_data["log_retention_days"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Organization settings saved.")
            return drawer_done(request, reverse("accounts:settings"))
    return render_drawer(request, "accounts/organization_form.html", {"form": form})


def member_invite(request: HttpRequest) -> HttpResponse:
    actor = _manager_membership(request)
    form = InvitationForm(request.POST or None, roles=actor.grantable_roles())
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                organization=request.organization,
                actor=actor,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                accept_url_base=request.build_absolute_uri("/"),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return drawer_done(request, reverse("accounts:settings"))
    return render_drawer(request, "accounts/invite_form.html", {"form": form})


def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _manager_membership(request)
    membership = get_object_for_request(request, Membership.objects.select_related("user"), pk=pk)
    form = MembershipRoleForm(
        request.POST or None, roles=actor.grantable_roles(), initial={"role": membership.role}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_change_role(
                membership=membership, actor=actor, role=form.cleaned_data["role"]
            )
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, _as_error(exc))
        else:
            messages.success(request, f"{membership.user} is now {membership.get_role_display()}.")
            return drawer_done(request, reverse("accounts:settings"))
    return render_drawer(
        request, "accounts/member_form.html", {"form": form, "membership": membership}
    )


def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _manager_membership(request)
    membership = get_object_for_request(request, Membership.objects.select_related("user"), pk=pk)
    error = None
    if request.method == "POST":
        try:
            services.membership_remove(membership=membership, actor=actor)
        except (ValidationError, PermissionDenied) as exc:
            error = " ".join(_as_error(exc).messages)
        else:
            messages.success(request, f"{membership.user} was removed from the organization.")
            return drawer_done(request, reverse("accounts:settings"))
    return render_drawer(
        request, "accounts/member_remove.html", {"membership": membership, "error": error}
    )


@require_POST
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _manager_membership(request)
    invitation = get_object_for_request(request, Invitation, pk=pk, accepted_at__isnull=True)
    services.invitation_revoke(invitation=invitation, actor=actor)
    messages.success(request, f"Invitation to {invitation.email} revoked.")
    return redirect("accounts:settings")


def api_key_create(request: HttpRequest) -> HttpResponse:
    """The drawer that makes a key; on success it shows the key, once, in place of the form
    (the full key is never stored, so no page can show it again)."""
    actor = _manager_membership(request)
    form = ApiKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            key, token = services.api_key_create(
                organization=request.organization,
                actor=actor,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_in_days=form.cleaned_data["expires_in_days"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            response = render_drawer(
                request, "accounts/api_key_created.html", {"key": key, "token": token}
            )
            # The key is in this response: no cache may keep it.
            response["Cache-Control"] = "no-store"
            return response
    return render_drawer(request, "accounts/api_key_form.html", {"form": form})


@require_POST
def api_key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _manager_membership(request)
    key = get_object_for_request(request, ApiKey, pk=pk)
    services.api_key_revoke(key=key, actor=actor)
    messages.success(request, f"API key “{key.name}” revoked; it no longer works.")
    return redirect("accounts:settings")


def _as_error(exc: Exception) -> ValidationError:
    return exc if isinstance(exc, ValidationError) else ValidationError(str(exc))


def _full_problem(full: QuotaExceeded) -> str:
    return f"{full.messages[0]} Ask whoever invited you to make room or change the plan."


@login_not_required
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = get_object_or_404(Invitation.objects.select_related("organization"), token=token)
    problem = None
    if invitation.accepted_at is not None:
        problem = "This invitation has already been used."
    elif invitation.is_expired():
        problem = "This invitation has expired. Ask the person who invited you for a new one."
    if problem:
        return render(
            request,
            "accounts/invitation_accept.html",
            {"invitation": invitation, "problem": problem},
        )

    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                services.invitation_accept(invitation=invitation, user=request.user)
            except QuotaExceeded as full:
                return render(
                    request,
                    "accounts/invitation_accept.html",
                    {"invitation": invitation, "problem": _full_problem(full)},
                )
            request.session[SESSION_KEY] = invitation.organization_id
            messages.success(request, f"Welcome to {invitation.organization}.")
            return redirect("dashboard")
        return render(request, "accounts/invitation_accept.html", {"invitation": invitation})

    form = InvitationSignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_signup(
                invitation=invitation,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
            )
        except QuotaExceeded as full:
            # The signup rolled back with the refusal: no account without a membership.
            return render(
                request,
                "accounts/invitation_accept.html",
                {"invitation": invitation, "problem": _full_problem(full)},
            )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        request.session[SESSION_KEY] = invitation.organization_id
        messages.success(request, f"Welcome to {invitation.organization}.")
        return redirect("dashboard")
    return render(
        request, "accounts/invitation_accept.html", {"invitation": invitation, "form": form}
    )
