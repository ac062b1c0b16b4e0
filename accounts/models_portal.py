"""The tenant admin portal's records: the audit log and organization deletion requests."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from accounts.tenancy import TenantModel, TenantQuerySet


class AuditAction(models.TextChoices):
    SETTINGS_CHANGED = "settings.changed", "Settings changed"
    MEMBER_ADDED = "member.added", "Member added"
    MEMBER_REMOVED = "member.removed", "Member removed"
    ROLE_CHANGED = "member.role_changed", "Role changed"
    INVITATION_SENT = "invitation.sent", "Invitation sent"
    INVITATION_REVOKED = "invitation.revoked", "Invitation revoked"
    API_KEY_CREATED = "api_key.created", "API key created"
    API_KEY_REVOKED = "api_key.revoked", "API key revoked"
    LLM_CHANGED = "llm.changed", "LLM connection changed"
    LOGO_CHANGED = "logo.changed", "Logo changed"
    LOGO_REMOVED = "logo.removed", "Logo removed"
    PLAN_CHANGED = "plan.changed", "Plan changed"
    QUOTA_CHANGED = "quota.changed", "Quota changed"
    CONTACT_ERASED = "gdpr.erased", "Contact erased (GDPR)"
    CONTACT_EXPORTED = "gdpr.exported", "Contact exported (GDPR)"
    DATA_EXPORTED = "data.exported", "Data exported"
    DELETION_REQUESTED = "deletion.requested", "Deletion requested"
    DELETION_CANCELLED = "deletion.cancelled", "Deletion cancelled"
    DELETION_EXPORT_READY = "deletion.export_ready", "Deletion export ready"


class ImmutableRecord(Exception):
    """An audit event was to be changed or deleted: the log is append-only."""


class AuditEventQuerySet(TenantQuerySet):
    def update(self, **kwargs: Any) -> int:
        raise ImmutableRecord("Audit events cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        # Only the erasure of the whole organization removes them (a cascade from the
        # Organization row, which does not go through this method).
        raise ImmutableRecord("Audit events cannot be deleted.")


class AuditEvent(TenantModel):
    """Who did what to the organization, and when: append-only.

    ``actor_label`` keeps the name of whoever acted, so the line still reads right after the
    account is gone; ``changes`` is a list of ``{"field", "before", "after"}`` (never a secret:
    an LLM key change reads "replaced")."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="audit_events"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=40, choices=AuditAction.choices)
    target = models.CharField(max_length=300, blank=True)
    changes = models.JSONField(default=list, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The audit page: newest first, filtered by action or by actor.
            models.Index(fields=["organization", "-created_at"], name="audit_org_created_idx"),
            models.Index(
                fields=["organization", "action", "-created_at"], name="audit_org_action_idx"
            ),
            models.Index(
                fields=["organization", "actor", "-created_at"], name="audit_org_actor_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.actor_label}: {self.get_action_display()} {self.target}".strip()

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ImmutableRecord("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableRecord("Audit events cannot be deleted.")

    @property
    def summary(self) -> str:
        """The changes in one line: "name: Acme → Acme Ltd; time zone: UTC → Europe/Paris"."""
        return "; ".join(
            f"{change['field']}: {change.get('before') or '—'} → {change.get('after') or '—'}"
            for change in self.changes
        )


class DeletionStatus(models.TextChoices):
    PENDING = "pending", "Pending (grace period)"
    CANCELLED = "cancelled", "Cancelled"
    ERASED = "erased", "Erased"


class DeletionExportStatus(models.TextChoices):
    QUEUED = "queued", "Being prepared"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class OrganizationDeletion(models.Model):
    """An owner's request to delete the organization, and, once erased, the operators' record
    of it: the organization's name, id and what was erased stay here (the foreign key is
    cleared with the organization)."""

    organization = models.ForeignKey(
        "accounts.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deletions",
    )
    organization_ref = models.PositiveBigIntegerField(help_text="The organization's id.")
    organization_name = models.CharField(max_length=200)
    status = models.CharField(
        max_length=10, choices=DeletionStatus.choices, default=DeletionStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by_label = models.CharField(max_length=200)
    requested_at = models.DateTimeField(auto_now_add=True)
    erase_after = models.DateTimeField()
    cancelled_by_label = models.CharField(max_length=200, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The export of everything, made first (relative to ORGANIZATION_EXPORT_DIR).
    export_status = models.CharField(
        max_length=10, choices=DeletionExportStatus.choices, default=DeletionExportStatus.QUEUED
    )
    export_file = models.CharField(max_length=200, blank=True)
    export_size = models.PositiveBigIntegerField(default=0)
    export_error = models.CharField(max_length=500, blank=True)
    export_finished_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)
    # What the erasure deleted: {"feeds.Article": 120, ...}, for operators.
    erased_rows = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(status="pending"),
                name="one_pending_deletion_per_org",
            ),
        ]
        indexes = [
            # The beat task's query: pending requests whose grace period is over.
            models.Index(fields=["status", "erase_after"], name="deletion_due_idx"),
        ]

    def __str__(self) -> str:
        return f"Deletion of {self.organization_name} ({self.get_status_display()})"
