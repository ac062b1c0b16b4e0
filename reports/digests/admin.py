"""Digests in the operator console: templates and subscriptions (editable), and deliveries,
where failed sends are listed (filter on state Failed) and can be retried."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from reports.digests.models import DigestDelivery, DigestSubscription, DigestTemplate
from reports.digests.services import deliveries_retry


@admin.register(DigestTemplate)
class DigestTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "min_confidence", "updated_at")
    list_filter = ("organization",)
    list_select_related = ("organization",)
    search_fields = ("name",)
    raw_id_fields = ("created_by",)
    filter_horizontal = ("groups", "feeds")


@admin.register(DigestSubscription)
class DigestSubscriptionAdmin(admin.ModelAdmin):
    list_display = (
        "template",
        "organization",
        "user",
        "frequency",
        "send_time",
        "time_zone",
        "enabled",
        "last_period",
    )
    list_filter = ("frequency", "enabled", "organization")
    list_select_related = ("organization", "template", "user")
    raw_id_fields = ("template", "user", "created_by", "opted_out")


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "organization",
        "recipient",
        "period",
        "status",
        "attempts",
        "was_empty",
        "last_error",
    )
    list_filter = ("status", "organization")
    list_select_related = ("organization",)
    search_fields = ("recipient", "last_error")
    raw_id_fields = ("subscription", "user")
    actions = ["retry"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description="Retry the selected failed deliveries")
    def retry(self, request: HttpRequest, queryset: QuerySet[DigestDelivery]) -> None:
        count = deliveries_retry(delivery_ids=queryset.values_list("id", flat=True))
        self.message_user(request, f"{count} failed deliveries queued again.", messages.SUCCESS)
