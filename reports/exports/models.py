"""An export that runs in the background: its progress and the file it left."""

from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import models
from django.urls import reverse

from accounts.tenancy import TenantModel


class ExportKind(models.TextChoices):
    REPORTS = "reports", "Reports"
    MENTIONS = "mentions", "Mentions"
    BRANDS = "brands", "Brands"


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel (XLSX)"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Ready"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired"


ACTIVE_EXPORT_STATUSES = (ExportStatus.QUEUED, ExportStatus.RUNNING)


class Export(TenantModel):
    kind = models.CharField(max_length=10, choices=ExportKind.choices)
    format = models.CharField(max_length=5, choices=ExportFormat.choices)
    status = models.CharField(
        max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    # The list page's query string (its filters), read again by the task through the same
    # filter form as the page, so the file holds exactly what the page would list.
    query = models.CharField(max_length=2000, blank=True)
    date_from = models.DateField()
    date_to = models.DateField()
    time_zone = models.CharField(max_length=64)
    total_rows = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    # Relative to EXPORT_DIR; set once the file is complete.
    file_name = models.CharField(max_length=200, blank=True)
    size_bytes = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="export_status_created_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} export {self.pk} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("reports:export_detail", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status not in ACTIVE_EXPORT_STATUSES

    def is_downloadable(self, now: datetime) -> bool:
        return (
            self.status == ExportStatus.SUCCEEDED
            and bool(self.file_name)
            and self.expires_at is not None
            and now < self.expires_at
        )

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.SUCCEEDED:
            return 100
        if not self.total_rows:
            return 0
        return min(99, self.rows_done * 100 // self.total_rows)

    @property
    def path(self) -> Path | None:
        return Path(settings.EXPORT_DIR) / self.file_name if self.file_name else None

    @property
    def download_name(self) -> str:
        return f"{self.kind}-{self.date_from:%Y-%m-%d}-to-{self.date_to:%Y-%m-%d}.{self.format}"
