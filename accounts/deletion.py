"""Deleting an organization: an owner asks (typing its name), an export of everything is
prepared, and after the grace period (ORGANIZATION_DELETION_GRACE_DAYS) a beat task erases
every row and file of the organization. An owner can cancel until then.

During the grace period the organization works as usual (members keep working; a banner on
every page says when it will be erased). Its data is exported when the request is made; an
owner can prepare the export again to include what was added since.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import secrets
import shutil
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import (
    AuditAction,
    DeletionExportStatus,
    DeletionStatus,
    Membership,
    Organization,
    OrganizationDeletion,
    Role,
)

logger = logging.getLogger(__name__)


def _require_owner(actor: Membership, organization_id: int) -> None:
    if actor.organization_id != organization_id or actor.role != Role.OWNER:
        raise PermissionDenied("Only owners can delete the organization or cancel its deletion.")


def pending_deletion(organization: Organization) -> OrganizationDeletion | None:
    return OrganizationDeletion.objects.filter(
        organization=organization, status=DeletionStatus.PENDING
    ).first()


@transaction.atomic
def deletion_request(
    *, organization: Organization, actor: Membership, confirm_name: str
) -> OrganizationDeletion:
    """Schedule the organization's erasure after the grace period and queue its export."""
    _require_owner(actor, organization.pk)
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if confirm_name.strip() != organization.name:
        raise ValidationError(
            {"confirm_name": "Type the organization's name exactly as shown to confirm."}
        )
    if pending_deletion(organization) is not None:
        raise ValidationError("This organization is already being deleted.")
    erase_after = timezone.now() + timedelta(days=settings.ORGANIZATION_DELETION_GRACE_DAYS)
    deletion = OrganizationDeletion.objects.create(
        organization=organization,
        organization_ref=organization.pk,
        organization_name=organization.name,
        requested_by=actor.user,
        requested_by_label=actor.user.get_username(),
        erase_after=erase_after,
    )
    organization.deletion_scheduled_for = erase_after
    # save(), not update(): the members' cached organization rows are refreshed with it.
    organization.save(update_fields=["deletion_scheduled_for"])
    audit_record(
        organization=organization,
        actor=actor,
        action=AuditAction.DELETION_REQUESTED,
        target=organization.name,
        changes=[{"field": "erased on", "before": None, "after": erase_after.isoformat()}],
    )
    _queue_export(deletion)
    return deletion


def _queue_export(deletion: OrganizationDeletion) -> None:
    from accounts.tasks import build_deletion_export

    def send() -> None:
        try:
            build_deletion_export.delay(deletion.pk)
        except Exception:  # the queue is down: the beat task builds it later
            logger.exception("Could not queue the export of deletion %s", deletion.pk)

    transaction.on_commit(send)


@transaction.atomic
def deletion_export_again(*, deletion: OrganizationDeletion, actor: Membership) -> None:
    """Prepare the export again (to include what was added since the request)."""
    _require_owner(actor, deletion.organization_id or 0)
    updated = OrganizationDeletion.objects.filter(
        pk=deletion.pk, status=DeletionStatus.PENDING
    ).update(export_status=DeletionExportStatus.QUEUED, export_error="")
    if updated != 1:
        raise ValidationError("This deletion is no longer pending.")
    _queue_export(deletion)


@transaction.atomic
def deletion_cancel(*, deletion: OrganizationDeletion, actor: Membership) -> OrganizationDeletion:
    status = OrganizationDeletion.objects.filter(pk=deletion.pk).values_list("status", flat=True)
    if status.first() != DeletionStatus.PENDING:
        raise ValidationError("This deletion can no longer be cancelled: it was not pending.")
    _require_owner(actor, deletion.organization_id or 0)
    cancelled = OrganizationDeletion.objects.filter(
        pk=deletion.pk, status=DeletionStatus.PENDING
    ).update(
        status=DeletionStatus.CANCELLED,
        cancelled_at=timezone.now(),
        cancelled_by_label=actor.user.get_username(),
    )
    if cancelled != 1:
        raise ValidationError("This deletion can no longer be cancelled: it was not pending.")
    organization = Organization.objects.select_for_update().get(pk=deletion.organization_id)
    organization.deletion_scheduled_for = None
    organization.save(update_fields=["deletion_scheduled_for"])
    audit_record(
        organization=organization,
        actor=actor,
        action=AuditAction.DELETION_CANCELLED,
        target=organization.name,
    )
    deletion.refresh_from_db()
    transaction.on_commit(lambda: _delete_export_file(deletion))
    return deletion


# -- The export ---------------------------------------------------------------------------------

# What the export holds, one CSV per model (app label, model, file name). Every column of the
# row is written; a row of another organization can never be in it (filtered by organization).
EXPORTED: tuple[tuple[str, str, str], ...] = (
    ("reports", "Report", "reports.csv"),
    ("reports", "Mention", "mentions.csv"),
    ("reports", "Brand", "brands.csv"),
    ("reports", "BrandAlias", "brand_aliases.csv"),
    ("reports", "Industry", "industries.csv"),
    ("reports", "BrandGroup", "brand_groups.csv"),
    ("contacts", "BrandContact", "contacts.csv"),
    ("contacts", "EmailDraft", "email_drafts.csv"),
    ("feeds", "Feed", "feeds.csv"),
    ("feeds", "Article", "articles.csv"),
    ("jobs", "Job", "jobs.csv"),
    ("jobs", "JobExecution", "job_runs.csv"),
    ("accounts", "AuditEvent", "audit_log.csv"),
)


def export_root() -> Path:
    return Path(settings.ORGANIZATION_EXPORT_DIR)


def export_path(deletion: OrganizationDeletion) -> Path | None:
    if not deletion.export_file:
        return None
    return export_root() / deletion.export_file


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def _write_csv(archive: zipfile.ZipFile, name: str, rows: models.QuerySet) -> int:
    model = rows.model
    columns = [field.attname for field in model._meta.concrete_fields]
    count = 0
    with archive.open(name, "w") as raw, io.TextIOWrapper(raw, "utf-8", newline="") as text:
        writer = csv.writer(text)
        writer.writerow(columns)
        for row in rows.order_by("pk").values_list(*columns).iterator(chunk_size=2000):
            writer.writerow([_cell(value) for value in row])
            count += 1
    return count


def organization_export_write(organization: Organization, out: io.BufferedIOBase) -> dict:
    """Write the ZIP of the organization's data to ``out``; the manifest (counts) returned."""
    counts: dict[str, int] = {}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for app_label, model_name, file_name in EXPORTED:
            model = apps.get_model(app_label, model_name)
            rows = model._base_manager.filter(organization=organization)
            counts[file_name] = _write_csv(archive, file_name, rows)
        members = [
            {"username": m.user.get_username(), "email": m.user.email, "role": m.role}
            for m in Membership.objects.filter(organization=organization).select_related("user")
        ]
        manifest = {
            "organization": {"id": organization.pk, "name": organization.name},
            "exported_at": timezone.now().isoformat(),
            "members": members,
            "files": counts,
        }
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
    return manifest


def deletion_export_build(*, deletion_id: int) -> OrganizationDeletion | None:
    """Build the export of a pending deletion; None when there is nothing to build (already
    ready, or no longer pending). Safe to run twice: the second finds it ready."""
    deletion = (
        OrganizationDeletion.objects.select_related("organization")
        .filter(pk=deletion_id, status=DeletionStatus.PENDING)
        .exclude(export_status=DeletionExportStatus.READY)
        .first()
    )
    if deletion is None or deletion.organization is None:
        return None
    organization = deletion.organization
    relative = f"{organization.pk}/{deletion.pk}-{secrets.token_hex(8)}.zip"
    final = export_root() / relative
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = final.with_name(final.name + ".part")
    try:
        with partial.open("wb") as out:
            organization_export_write(organization, out)
        partial.replace(final)
    except Exception as error:
        partial.unlink(missing_ok=True)
        OrganizationDeletion.objects.filter(pk=deletion.pk).update(
            export_status=DeletionExportStatus.FAILED, export_error=str(error)[:500]
        )
        raise
    old = export_path(deletion)
    with transaction.atomic():
        updated = OrganizationDeletion.objects.filter(
            pk=deletion.pk, status=DeletionStatus.PENDING
        ).update(
            export_status=DeletionExportStatus.READY,
            export_file=relative,
            export_size=final.stat().st_size,
            export_error="",
            export_finished_at=timezone.now(),
        )
        if updated == 1:
            audit_record(
                organization=organization,
                actor=None,
                action=AuditAction.DELETION_EXPORT_READY,
                target=final.name,
            )
    if updated != 1:  # cancelled or erased meanwhile: keep no copy
        final.unlink(missing_ok=True)
        return None
    if old is not None and old != final:
        old.unlink(missing_ok=True)
    deletion.refresh_from_db()
    return deletion


def _delete_export_file(deletion: OrganizationDeletion) -> None:
    path = export_path(deletion)
    if path is not None:
        path.unlink(missing_ok=True)


# -- The erasure ---------------------------------------------------------------------------------


def tenant_models() -> list[type[models.Model]]:
    """Every model with a foreign key to Organization (the portal's own deletion record
    aside): what erasure deletes and what its tests count."""
    found = []
    for model in apps.get_models():
        if model is OrganizationDeletion:
            continue
        if any(
            field.concrete and field.is_relation and field.related_model is Organization
            for field in model._meta.get_fields()
        ):
            found.append(model)
    return found


def tenant_row_counts(organization_id: int) -> dict[str, int]:
    counts = {}
    for model in tenant_models():
        fields = [
            f.name
            for f in model._meta.get_fields()
            if f.concrete and f.is_relation and f.related_model is Organization
        ]
        query = models.Q()
        for name in fields:
            query |= models.Q(**{f"{name}_id": organization_id})
        counts[model._meta.label] = model._base_manager.filter(query).count()
    return counts


@dataclass(frozen=True)
class Erasure:
    deletion: OrganizationDeletion
    rows: dict[str, int]


def _only_here(organization_id: int) -> Iterable[AbstractBaseUser]:
    """The accounts that belong to this organization alone (and are not operators')."""
    elsewhere = Membership.objects.exclude(organization_id=organization_id).values("user_id")
    return (
        get_user_model()
        .objects.filter(
            memberships__organization_id=organization_id, is_staff=False, is_superuser=False
        )
        .exclude(pk__in=elsewhere)
    )


def organization_erase(*, deletion_id: int, now: datetime | None = None) -> Erasure | None:
    """Erase the organization of a pending deletion whose grace period is over: every row
    that belongs to it, the accounts of people who belonged to it alone, its jobs' beat
    schedules and its files. The deletion row stays, for operators, with what was erased.
    None when it is not due (cancelled, already erased, or too early)."""
    from django_celery_beat.models import PeriodicTask

    now = now or timezone.now()
    with transaction.atomic():
        deletion = (
            OrganizationDeletion.objects.select_for_update()
            .filter(pk=deletion_id, status=DeletionStatus.PENDING, erase_after__lte=now)
            .first()
        )
        if deletion is None or deletion.organization_id is None:
            return None
        organization_id = deletion.organization_id
        rows = {label: n for label, n in tenant_row_counts(organization_id).items() if n}
        users = list(_only_here(organization_id))
        rows["auth.User"] = len(users)
        job_model = apps.get_model("jobs", "Job")
        schedule_ids = list(
            job_model.objects.filter(
                organization_id=organization_id, periodic_task__isnull=False
            ).values_list("periodic_task_id", flat=True)
        )
        old_export = export_path(deletion)
        OrganizationDeletion.objects.filter(pk=deletion.pk).update(
            status=DeletionStatus.ERASED, erased_at=now, erased_rows=rows
        )
        # The audit events are immutable to everything but this: a raw delete first, since the
        # cascade from the organization row would go through their guarded queryset.
        audit = apps.get_model("accounts", "AuditEvent")
        audit.objects.filter(organization_id=organization_id)._raw_delete(audit.objects.db)
        Organization.objects.filter(pk=organization_id).delete()
        PeriodicTask.objects.filter(pk__in=schedule_ids).delete()
        get_user_model().objects.filter(pk__in=[user.pk for user in users]).delete()

        def remove_files() -> None:
            for root in (export_root(), Path(settings.EXPORT_DIR)):
                shutil.rmtree(root / str(organization_id), ignore_errors=True)
            if old_export is not None:
                old_export.unlink(missing_ok=True)

        transaction.on_commit(remove_files)
    deletion.refresh_from_db()
    logger.warning(
        "Erased organization %s (%s) after its deletion request %s",
        organization_id,
        deletion.organization_name,
        deletion.pk,
    )
    return Erasure(deletion=deletion, rows=rows)


def erase_due(*, now: datetime | None = None) -> list[int]:
    """Erase every organization whose grace period is over; the deletion ids erased."""
    now = now or timezone.now()
    due = OrganizationDeletion.objects.filter(
        status=DeletionStatus.PENDING, erase_after__lte=now
    ).values_list("pk", flat=True)
    return [pk for pk in list(due) if organization_erase(deletion_id=pk, now=now) is not None]


def exports_missing() -> list[int]:
    """Pending deletions whose export was never built (its task was lost)."""
    stale = timezone.now() - timedelta(hours=1)
    return list(
        OrganizationDeletion.objects.filter(
            status=DeletionStatus.PENDING,
            export_status=DeletionExportStatus.QUEUED,
            requested_at__lt=stale,
        ).values_list("pk", flat=True)
    )
