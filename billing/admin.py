"""Billing hooks in the operator console: endpoints (the installation's, or an
organization's), the usage records (read-only: a closed day is what was billed), the events,
and the delivery log, where any delivery can be replayed."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from billing.models import BillingEvent, UsageRecord, WebhookDelivery, WebhookEndpoint
from billing.services import webhook_deliveries_replay
from marketing_hunting.admin_readonly import ReadOnlyAdmin


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "organization", "events", "enabled", "created_at"]
    list_filter = ["enabled", ("organization", admin.EmptyFieldListFilter)]
    list_select_related = ["organization"]
    search_fields = ["url", "description", "organization__name"]
    autocomplete_fields = ["organization"]
    fields = ["organization", "url", "events", "description", "enabled"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(
        self, request: HttpRequest, obj: WebhookEndpoint, form: Any, change: bool
    ) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        if not change:
            # The only time the secret is shown: the receiver needs it to check signatures.
            self.message_user(
                request,
                f"Signing secret of {obj.url} (copy it now, it is not shown again): {obj.secret}",
                messages.WARNING,
            )


@admin.register(UsageRecord)
class UsageRecordAdmin(ReadOnlyAdmin):
    list_display = [
        "date",
        "organization",
        "articles_analysed",
        "llm_calls",
        "llm_tokens_in",
        "llm_tokens_out",
        "llm_cost",
        "active_users",
        "closed_at",
    ]
    list_filter = [("closed_at", admin.EmptyFieldListFilter)]
    list_select_related = ["organization"]
    search_fields = ["organization__name", "organization__slug"]
    date_hierarchy = "date"
    show_full_result_count = False


@admin.register(BillingEvent)
class BillingEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "type", "organization", "event_id"]
    list_filter = ["type"]
    list_select_related = ["organization"]
    search_fields = ["event_id", "organization__name"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "event_type",
        "organization",
        "recipient",
        "status",
        "attempts",
        "response_status",
        "last_error",
        "replay_of",
    ]
    list_filter = ["status"]
    list_select_related = ["billing_event__organization", "endpoint"]
    search_fields = ["recipient", "last_error", "event_id"]
    raw_id_fields = ["billing_event", "endpoint", "replay_of"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = ["replay"]

    @admin.display(description="event")
    def event_type(self, delivery: WebhookDelivery) -> str:
        return delivery.billing_event.type

    @admin.display(description="organization")
    def organization(self, delivery: WebhookDelivery) -> str:
        return str(delivery.billing_event.organization)

    @admin.action(description="Replay the selected deliveries (same event id, new signature)")
    def replay(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        made = webhook_deliveries_replay(delivery_ids=queryset.values_list("id", flat=True))
        skipped = queryset.count() - len(made)
        text = f"{len(made)} deliveries queued again."
        if skipped:
            text += f" {skipped} still waiting for their own attempt were left alone."
        self.message_user(request, text, messages.SUCCESS)
