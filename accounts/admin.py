from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.audit import audit_record, changes_between
from accounts.models import (
    ApiKey,
    AuditAction,
    AuditEvent,
    Invitation,
    Membership,
    Organization,
    OrganizationDeletion,
    OrganizationLLM,
    Plan,
    QuotaWarning,
)
from accounts.services import api_keys_revoke
from accounts.signals import organization_created, plan_changed
from marketing_hunting.admin_readonly import RecordAdmin

# The limits an operator sets per organization; each change is a line of its audit log.
QUOTA_FIELDS = (
    "max_feeds",
    "max_jobs",
    "max_members",
    "max_contacts",
    "max_analysed_articles",
    "max_discovery_searches",
    "max_api_calls_per_minute",
    "llm_monthly_token_quota",
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    """Limits per plan; an empty limit means no limit. Lowering one deletes nothing: the
    organizations over it only cannot create more until they are back under."""

    list_display = [
        "name",
        "max_feeds",
        "max_jobs",
        "max_members",
        "max_contacts",
        "max_analysed_articles",
        "max_llm_tokens",
        "max_discovery_searches",
        "max_api_calls_per_minute",
    ]
    search_fields = ["name"]
    fieldsets = [
        (None, {"fields": ["name"]}),
        ("Counts", {"fields": ["max_feeds", "max_jobs", "max_members", "max_contacts"]}),
        (
            "Each month (UTC)",
            {"fields": ["max_analysed_articles", "max_llm_tokens", "max_discovery_searches"]},
        ),
        ("Rate", {"fields": ["max_api_calls_per_minute"]}),
    ]


@admin.register(QuotaWarning)
class QuotaWarningAdmin(admin.ModelAdmin):
    """The warnings mailed to owners (80 % and 100 % of a limit), read-only: deleting one
    lets the same threshold warn again in its period."""

    list_display = ["organization", "resource", "threshold", "period", "used", "limit", "sent_at"]
    list_filter = ["resource", "threshold"]
    list_select_related = ["organization"]
    search_fields = ["organization__name"]
    readonly_fields = ["organization", "resource", "period", "threshold", "used", "limit"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "plan", "time_zone", "analysis_mode", "created_at"]
    list_filter = ["plan"]
    list_select_related = ["plan"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]
    readonly_fields = ["deletion_scheduled_for"]

    def save_model(self, request: HttpRequest, obj: Organization, form: Any, change: bool) -> None:
        """Record the operator's quota and plan changes in the organization's audit log, and
        send the organization's events, in the same transaction as the save (the admin wraps
        it): the audit lines and billing events commit with the change or not at all."""
        # The row as stored, not as the form left it on ``obj``.
        old = (
            Organization.objects.filter(pk=obj.pk).select_related("plan").first()
            if change
            else None
        )
        super().save_model(request, obj, form, change)
        if old is None:
            organization_created.send(sender=Organization, organization=obj)
            return
        before = {name: getattr(old, name) for name in QUOTA_FIELDS}
        after = {name: getattr(obj, name) for name in QUOTA_FIELDS}
        changes = changes_between(before, after)
        if changes:
            audit_record(
                organization=obj,
                actor=request.user,
                action=AuditAction.QUOTA_CHANGED,
                target="quotas",
                changes=changes,
            )
        if old.plan_id != obj.plan_id:
            plan_changed.send(
                sender=Organization,
                organization=obj,
                old_plan=old.plan,
                new_plan=obj.plan,
                actor=request.user,
            )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role", "organization"]
    list_select_related = ["user", "organization"]
    search_fields = ["user__username", "user__email", "organization__name"]
    autocomplete_fields = ["user", "organization"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organization", "role", "invited_by", "created_at", "accepted_at"]
    list_filter = ["role", "organization", ("accepted_at", admin.EmptyFieldListFilter)]
    list_select_related = ["organization", "invited_by"]
    search_fields = ["email", "organization__name"]
    readonly_fields = ["token", "created_at", "accepted_at", "accepted_by"]
    autocomplete_fields = ["organization", "invited_by"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are made in the app (Organization settings), where the secret is shown once; here
    operators see them and revoke them, e.g. one leaked."""

    list_display = [
        "name",
        "prefix",
        "organization",
        "created_by",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "organization"]
    list_select_related = ["organization", "created_by"]
    search_fields = ["name", "prefix", "organization__name", "created_by__username"]
    # The hash stays out of sight: nothing to do with it but guess.
    exclude = ["hashed_secret"]
    readonly_fields = [
        "organization",
        "name",
        "prefix",
        "scopes",
        "created_by",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    ]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Revoke the selected API keys")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        count = api_keys_revoke(keys=queryset, by=request.user)
        self.message_user(request, f"{count} API key(s) revoked.", messages.SUCCESS)


@admin.register(OrganizationLLM)
class OrganizationLLMAdmin(admin.ModelAdmin):
    """Operators see which organizations use their own LLM connection and whether it works;
    never the key (not even encrypted), and they cannot set one: owners do, in the app."""

    list_display = ["organization", "source", "model", "base_url", "test_ok", "failing_since"]
    list_filter = ["source", ("failing_since", admin.EmptyFieldListFilter)]
    list_select_related = ["organization"]
    search_fields = ["organization__name"]
    fields = [
        "organization",
        "source",
        "base_url",
        "model",
        "api_key_last4",
        "api_key_set_at",
        "api_key_set_by",
        "tested_at",
        "test_ok",
        "test_message",
        "failing_since",
        "failure_message",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(RecordAdmin):
    """Every organization's audit log, read-only: lines are never changed or deleted."""

    list_display = ["created_at", "organization", "actor_label", "action", "target", "ip_address"]
    list_filter = ["action", "organization"]
    list_select_related = ["organization"]
    search_fields = ["actor_label", "target", "organization__name"]
    date_hierarchy = "created_at"
    # The table grows for ever: no exact count of a filtered list on every page.
    show_full_result_count = False


@admin.register(OrganizationDeletion)
class OrganizationDeletionAdmin(RecordAdmin):
    """Owners' deletion requests and, once erased, the record of what was erased."""

    list_display = [
        "organization_name",
        "organization_ref",
        "status",
        "requested_by_label",
        "requested_at",
        "erase_after",
        "export_status",
        "erased_at",
    ]
    list_filter = ["status", "export_status"]
    search_fields = ["organization_name", "requested_by_label"]
    exclude = ["export_file"]
