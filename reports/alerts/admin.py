"""Alerts in the operator console: rules (editable; AlertRule.clean checks the group and the
webhook URL), alerts, and deliveries, where failed sends are listed and can be retried."""

from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from reports.alerts.delivery import deliveries_retry
from reports.alerts.models import Alert, AlertDelivery, AlertRule


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "kind", "group", "enabled", "cooldown_hours")
    list_filter = ("kind", "enabled", "organization")
    list_select_related = ("organization", "group")
    search_fields = ("name",)
    raw_id_fields = ("group", "created_by")
    filter_horizontal = ("email_recipients",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ("created_at", "organization", "kind", "brand_name", "rule", "observed")
    list_filter = ("kind", "organization")
    list_select_related = ("organization", "rule")
    search_fields = ("brand_name", "summary")
    raw_id_fields = ("rule", "brand", "mentions")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AlertDelivery)
class AlertDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "organization",
        "channel",
        "recipient",
        "status",
        "attempts",
        "response_status",
        "last_error",
    )
    list_filter = ("status", "channel", "organization")
    list_select_related = ("organization",)
    search_fields = ("recipient", "last_error")
    raw_id_fields = ("alert",)
    actions = ["retry"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description="Retry the selected failed deliveries")
    def retry(self, request: HttpRequest, queryset: QuerySet[AlertDelivery]) -> None:
        count = deliveries_retry(delivery_ids=queryset.values_list("id", flat=True))
        self.message_user(request, f"{count} failed deliveries queued again.", messages.SUCCESS)
