"""Alert pages: the member's notifications, an alert with its articles and deliveries, and
the rules (owners and admins edit them in the drawer; every member can mute them)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.drawer import add_service_errors, drawer_done, next_url, render_drawer
from accounts.tenancy import get_object_for_request, request_organization, scoped_queryset
from reports.alerts import services
from reports.alerts.forms import AlertRuleForm
from reports.alerts.models import Alert, AlertMute, AlertNotification, AlertRule

PER_PAGE = 25


def _require_manager(request: HttpRequest) -> None:
    request_organization(request)
    if not request.membership.can_manage_members:
        raise PermissionDenied("Only owners and admins can change alert rules.")


def _muted_all(request: HttpRequest) -> bool:
    return AlertMute.objects.filter(
        organization=request_organization(request), user=request.user, rule__isnull=True
    ).exists()


def notification_list(request: HttpRequest) -> HttpResponse:
    organization = request_organization(request)
    notices = (
        AlertNotification.objects.filter(organization=organization, user=request.user)
        .select_related("alert__rule")
        .order_by("-created_at", "-id")
    )
    unread_only = request.GET.get("show") == "unread"
    if unread_only:
        notices = notices.filter(read_at__isnull=True)
    page = Paginator(notices, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/alerts/notification_list.html",
        {"page": page, "unread_only": unread_only, "muted_all": _muted_all(request)},
    )


def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_object_for_request(request, Alert.objects.select_related("rule", "brand"), pk=pk)
    # Opening the alert reads it.
    services.notifications_mark_read(
        user=request.user, organization=alert.organization, alert_ids=[alert.pk]
    )
    mentions = alert.mentions.select_related("report__article").order_by("-mentioned_at", "-id")
    return render(
        request,
        "reports/alerts/alert_detail.html",
        {"alert": alert, "mentions": mentions, "deliveries": alert.deliveries.all()},
    )


@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    organization = request_organization(request)
    ids = [int(value) for value in request.POST.getlist("alert") if value.isdigit()]
    count = services.notifications_mark_read(
        user=request.user, organization=organization, alert_ids=ids or None
    )
    if count:
        messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked read.")
    return redirect(next_url(request, reverse("alerts:list")))


def rule_list(request: HttpRequest) -> HttpResponse:
    organization = request_organization(request)
    mutes = AlertMute.objects.filter(organization=organization, user=request.user)
    muted_rules = set(mutes.filter(rule__isnull=False).values_list("rule_id", flat=True))
    rules = (
        scoped_queryset(request, AlertRule)
        .select_related("group")
        .prefetch_related("email_recipients")
        .annotate(alert_count=Count("alerts"))
        .order_by("name")
    )
    return render(
        request,
        "reports/alerts/rule_list.html",
        {
            "rules": rules,
            "muted_rules": muted_rules,
            "muted_all": mutes.filter(rule__isnull=True).exists(),
            "can_edit": request.membership.can_manage_members,
        },
    )


def _rule_form(request: HttpRequest, rule: AlertRule | None) -> HttpResponse:
    _require_manager(request)
    organization = request_organization(request)
    form = AlertRuleForm(
        request.POST if request.method == "POST" else None,
        instance=rule,
        organization=organization,
    )
    back = reverse("alerts:rules")
    if request.method == "POST" and form.is_valid():
        try:
            if rule is None:
                rule = services.alert_rule_create(
                    organization=organization,
                    actor=request.membership,
                    recipients=form.cleaned_data["recipients"],
                    **form.values(),
                )
                messages.success(request, f"Alert rule “{rule}” created.")
            else:
                services.alert_rule_update(
                    rule=rule,
                    actor=request.membership,
                    recipients=form.cleaned_data["recipients"],
                    **form.values(),
                )
                messages.success(request, f"Alert rule “{rule}” saved.")
        except ValidationError as error:
            add_service_errors(form, error, rename={"email_recipients": "recipients"})
        else:
            return drawer_done(request, back)
    return render_drawer(
        request, "reports/alerts/rule_form.html", {"form": form, "rule": rule, "back": back}
    )


def rule_create(request: HttpRequest) -> HttpResponse:
    return _rule_form(request, None)


def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _rule_form(request, get_object_for_request(request, AlertRule, pk=pk))


def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_for_request(request, AlertRule, pk=pk)
    _require_manager(request)
    back = reverse("alerts:rules")
    if request.method == "POST":
        name = str(rule)
        services.alert_rule_delete(rule=rule, actor=request.membership)
        messages.success(request, f"Alert rule “{name}” deleted, with its alerts.")
        return drawer_done(request, back)
    return render_drawer(request, "reports/alerts/rule_delete.html", {"rule": rule, "back": back})


@require_POST
def rule_new_secret(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_for_request(request, AlertRule, pk=pk)
    _require_manager(request)
    services.alert_rule_new_secret(rule=rule, actor=request.membership)
    messages.success(
        request, f"New webhook secret for “{rule}”: update the receiver before the next alert."
    )
    return redirect(reverse("alerts:rule_edit", args=[rule.pk]))


@require_POST
def rule_mute(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_for_request(request, AlertRule, pk=pk)
    muted = request.POST.get("muted") == "1"
    services.alert_mute_set(
        user=request.user, organization=request_organization(request), rule=rule, muted=muted
    )
    state = "muted: you get no notification or email from it" if muted else "unmuted"
    messages.success(request, f"“{rule}” {state}.")
    return redirect(next_url(request, reverse("alerts:rules")))


@require_POST
def mute_all(request: HttpRequest) -> HttpResponse:
    muted = request.POST.get("muted") == "1"
    services.alert_mute_set(
        user=request.user, organization=request_organization(request), rule=None, muted=muted
    )
    messages.success(
        request,
        "Every alert is muted for you: no notification, no email."
        if muted
        else "Alerts are on again for you.",
    )
    return redirect(next_url(request, reverse("alerts:list")))
