"""Exports as a file now (small ones) or in the background (large ones), and their clean-up.

A background export is a row (``Export``) the task claims atomically, fills in with its
progress, and finishes with a file under ``EXPORT_DIR/<organization id>/`` that can be
downloaded until ``expires_at``; the periodic clean-up deletes the file afterwards."""

import logging
import secrets
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from accounts.audit import audit_record
from accounts.models import AuditAction, Organization
from reports.exports.models import (
    ACTIVE_EXPORT_STATUSES,
    Export,
    ExportFormat,
    ExportStatus,
)
from reports.exports.queries import RESOURCES, count_rows, export_queryset
from reports.exports.ranges import DateRange
from reports.exports.writer import Progress, write_export

logger = logging.getLogger(__name__)

CONTENT_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
BROKER_DOWN = (
    "The task queue is not answering, so the export could not be started. Try again in a "
    "minute; an operator can check /readyz."
)
# A queued or running export older than this lost its task (the task's own limit is lower).
STUCK_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class ExportSpec:
    """What to export: which rows (a list page's query string, a range) and how."""

    kind: str
    format: str
    query: str
    span: DateRange

    def queryset(self, organization: Organization) -> QuerySet:
        return export_queryset(organization, kind=self.kind, query=self.query, span=self.span)

    @property
    def filename(self) -> str:
        return f"{self.kind}-{self.span.start:%Y-%m-%d}-to-{self.span.end:%Y-%m-%d}.{self.format}"


def export_rows_count(*, organization: Organization, spec: ExportSpec) -> int:
    """The rows the export would have, counted up to EXPORT_BACKGROUND_ROWS + 1."""
    return count_rows(spec.queryset(organization), settings.EXPORT_BACKGROUND_ROWS)


def export_write(
    *,
    organization: Organization,
    spec: ExportSpec,
    out: IO[bytes],
    progress: Progress | None = None,
) -> int:
    """Write the whole export to ``out`` (times in the organization's time zone)."""
    resource = RESOURCES[spec.kind]()
    with timezone.override(spec.span.zone):
        return write_export(
            resource=resource,
            queryset=spec.queryset(organization),
            format=spec.format,
            out=out,
            progress=progress,
            title=spec.kind.capitalize(),
        )


def export_audit(
    *,
    organization: Organization,
    actor: AbstractBaseUser | None,
    spec: ExportSpec,
    background: bool,
) -> None:
    """A line in the organization's audit log: who exported which rows."""
    audit_record(
        organization=organization,
        actor=actor,
        action=AuditAction.DATA_EXPORTED,
        target=spec.filename,
        changes=[
            {"field": "filters", "before": None, "after": spec.query or "none"},
            {"field": "how", "before": None, "after": "background" if background else "at once"},
        ],
    )


def export_now(*, organization: Organization, spec: ExportSpec) -> IO[bytes]:
    """A small export as a temporary file, positioned at its start (the caller closes it)."""
    # Returned open: FileResponse streams it and closes it.
    out = tempfile.TemporaryFile(dir=_temp_dir())  # noqa: SIM115
    try:
        export_write(organization=organization, spec=spec, out=out)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    return out


def _temp_dir() -> Path:
    path = Path(settings.EXPORT_DIR) / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path


@transaction.atomic
def export_start(
    *,
    organization: Organization,
    actor: AbstractBaseUser | None,
    spec: ExportSpec,
    total_rows: int = 0,
) -> Export:
    """Queue a background export; the task is sent once the row is committed. If the queue
    is down the export is failed at once with a message that says so (read the row)."""
    from reports.tasks import run_export

    export = Export.objects.create(
        organization=organization,
        kind=spec.kind,
        format=spec.format,
        query=spec.query,
        date_from=spec.span.start,
        date_to=spec.span.end,
        time_zone=spec.span.time_zone,
        total_rows=total_rows,
        requested_by=actor if actor is not None and actor.is_authenticated else None,
    )
    export_audit(organization=organization, actor=actor, spec=spec, background=True)

    def send() -> None:
        try:
            run_export.apply_async(kwargs={"export_id": export.pk}, retry=False)
        except (BrokerError, OSError):
            logger.exception("Could not enqueue export %s", export.pk)
            if export_fail(export_id=export.pk, message=BROKER_DOWN):
                export.status, export.error = ExportStatus.FAILED, BROKER_DOWN

    transaction.on_commit(send)
    return export


def _spec(export: Export) -> ExportSpec:
    span = DateRange(export.date_from, export.date_to, export.time_zone)
    return ExportSpec(kind=export.kind, format=export.format, query=export.query, span=span)


def export_run(*, export_id: int) -> Export | None:
    """Claim the queued export and write its file; None if another delivery has it already."""
    name = f"{export_id}-{secrets.token_hex(8)}"
    claimed = Export.objects.filter(pk=export_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, started_at=timezone.now()
    )
    if claimed != 1:
        return None
    export = Export.objects.select_related("organization").get(pk=export_id)
    file_name = f"{export.organization_id}/{name}.{export.format}"
    # Named before writing, so the clean-up finds a partial file if the worker dies.
    export.file_name = file_name
    export.save(update_fields=["file_name"])
    final = Path(settings.EXPORT_DIR) / file_name
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = _partial(final)

    def progress(rows: int) -> None:
        Export.objects.filter(pk=export_id).update(rows_done=rows)

    spec = _spec(export)
    if not export.total_rows:
        export.total_rows = spec.queryset(export.organization).order_by().count()
        export.save(update_fields=["total_rows"])
    with partial.open("wb") as out:
        rows = export_write(organization=export.organization, spec=spec, out=out, progress=progress)
    partial.replace(final)
    now = timezone.now()
    export.status = ExportStatus.SUCCEEDED
    export.rows_done = export.total_rows = rows
    export.size_bytes = final.stat().st_size
    export.finished_at = now
    export.expires_at = now + timedelta(hours=settings.EXPORT_LINK_HOURS)
    export.save(
        update_fields=[
            "status",
            "rows_done",
            "total_rows",
            "size_bytes",
            "finished_at",
            "expires_at",
        ]
    )
    return export


def _partial(path: Path) -> Path:
    return path.with_name(path.name + ".part")


def _delete_files(export: Export) -> None:
    if export.path is not None:
        for path in (export.path, _partial(export.path)):
            path.unlink(missing_ok=True)


def export_fail(*, export_id: int, message: str) -> Export | None:
    """End a queued or running export with ``message``; its partial file is deleted."""
    with transaction.atomic():
        export = (
            Export.objects.select_for_update()
            .filter(pk=export_id, status__in=ACTIVE_EXPORT_STATUSES)
            .first()
        )
        if export is None:
            return None
        _delete_files(export)
        export.status = ExportStatus.FAILED
        export.error = message
        export.file_name = ""
        export.finished_at = timezone.now()
        export.save(update_fields=["status", "error", "file_name", "finished_at"])
        return export


@dataclass(frozen=True)
class CleanUp:
    expired: int
    failed: int
    orphans: int = 0


def exports_clean_up(*, now: datetime | None = None) -> CleanUp:
    """Delete the files of exports past their link's lifetime, and fail lost exports."""
    now = now or timezone.now()
    expired = 0
    due = Export.objects.filter(status=ExportStatus.SUCCEEDED, expires_at__lte=now)
    for export in due.iterator():
        _delete_files(export)
        updated = Export.objects.filter(pk=export.pk, status=ExportStatus.SUCCEEDED).update(
            status=ExportStatus.EXPIRED, file_name=""
        )
        expired += updated
    stuck = Export.objects.filter(
        status__in=ACTIVE_EXPORT_STATUSES, created_at__lt=now - STUCK_AFTER
    ).values_list("pk", flat=True)
    message = "The export never finished (its worker stopped or the task was lost); start it again."
    failed = sum(export_fail(export_id=pk, message=message) is not None for pk in list(stuck))
    return CleanUp(expired=expired, failed=failed, orphans=_delete_orphans(now))


def _delete_orphans(now: datetime) -> int:
    """Files no export row accounts for (its row or its organization was deleted), once
    they are older than any link could be."""
    root = Path(settings.EXPORT_DIR)
    if not root.is_dir():
        return 0
    kept = set(
        Export.objects.filter(status__in=(*ACTIVE_EXPORT_STATUSES, ExportStatus.SUCCEEDED))
        .exclude(file_name="")
        .values_list("file_name", flat=True)
    )
    cutoff = (now - timedelta(hours=settings.EXPORT_LINK_HOURS) - STUCK_AFTER).timestamp()
    deleted = 0
    for path in root.glob("*/*"):
        name = path.relative_to(root).as_posix().removesuffix(".part")
        if name in kept or not path.is_file() or path.stat().st_mtime > cutoff:
            continue
        path.unlink(missing_ok=True)
        deleted += 1
    return deleted
