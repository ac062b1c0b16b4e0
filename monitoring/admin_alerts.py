"""Operator alerts in the admin: rules (editable; OperatorAlertRule.clean checks addresses
and the webhook URL), incidents (read-only, with their status), and the deliveries of their
messages, where failed ones are listed and can be retried."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from monitoring.models import OperatorAlertRule, OperatorDelivery, OperatorIncident
from monitoring.operator_alerts import operator_deliveries_retry


class ReadOnly(admin.ModelAdmin):
    # Evidence of what happened: operators read (and may delete), nobody edits or invents.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(OperatorAlertRule)
class OperatorAlertRuleAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "kind",
        "enabled",
        "level",
        "for_minutes",
        "email_recipients",
        "webhook_url",
        "evaluated_at",
    )
    list_editable = ("enabled",)
    list_filter = ("kind", "enabled")
    search_fields = ("name",)
    readonly_fields = ("evaluated_at", "created_at", "updated_at")
    fields = (
        "name",
        "kind",
        "enabled",
        "level",
        "for_minutes",
        "email_recipients",
        "webhook_url",
        "webhook_secret",
        "evaluated_at",
        "created_at",
        "updated_at",
    )
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class IncidentStatus(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [
            ("open", "Open (pending or firing)"),
            ("firing", "Firing"),
            ("resolved", "Resolved"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value == "open":
            return queryset.filter(resolved_at__isnull=True)
        if value == "firing":
            return queryset.filter(resolved_at__isnull=True, fired_at__isnull=False)
        if value == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(OperatorIncident)
class OperatorIncidentAdmin(ReadOnly):
    list_display = (
        "opened_at",
        "status",
        "rule",
        "subject",
        "reason",
        "fired_at",
        "last_seen_at",
        "resolved_at",
    )
    list_filter = (IncidentStatus, "rule")
    list_select_related = ("rule",)
    search_fields = ("subject", "reason", "key")
    date_hierarchy = "opened_at"
    show_full_result_count = False

    @admin.display(description="status")
    def status(self, incident: OperatorIncident) -> str:
        return incident.status


@admin.register(OperatorDelivery)
class OperatorDeliveryAdmin(ReadOnly):
    list_display = (
        "created_at",
        "rule",
        "event",
        "channel",
        "recipient",
        "status",
        "attempts",
        "response_status",
        "last_error",
    )
    list_filter = ("status", "channel")
    list_select_related = ("notification__rule",)
    search_fields = ("recipient", "last_error")
    raw_id_fields = ("notification",)
    actions = ["retry"]

    @admin.display(description="rule")
    def rule(self, delivery: OperatorDelivery) -> str:
        return delivery.notification.rule.name

    @admin.display(description="event")
    def event(self, delivery: OperatorDelivery) -> str:
        return delivery.notification.get_event_display()

    @admin.action(description="Retry the selected failed deliveries")
    def retry(self, request: HttpRequest, queryset: QuerySet[OperatorDelivery]) -> None:
        count = operator_deliveries_retry(delivery_ids=queryset.values_list("id", flat=True))
        self.message_user(request, f"{count} failed deliveries queued again.", messages.SUCCESS)
