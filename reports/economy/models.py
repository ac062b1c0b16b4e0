"""Economy analysis: articles waiting for the provider's batch interface, and the batches.

An article analysed in economy mode gets its rules report at once and an ``LLMBatchItem``
(queued). Beat gathers queued items into an ``LLMBatch`` (one JSONL file of chat completion
requests at the provider), polls it, and applies each answer to the report through the same
evidence checks and versioning as the standard path (``reports.economy.services``).
"""

from django.db import models
from django.db.models import Q

from accounts.tenancy import TenantModel


class BatchStatus(models.TextChoices):
    SUBMITTING = "submitting", "Being submitted"
    OPEN = "open", "At the provider"
    DONE = "done", "Applied"
    EXPIRED = "expired", "Expired (unanswered items queued again)"
    FAILED = "failed", "Failed"


class BatchItemStatus(models.TextChoices):
    QUEUED = "queued", "Queued for the next batch"
    SUBMITTED = "submitted", "In a batch at the provider"
    APPLIED = "applied", "Answer applied"
    RETRIED = "retried", "Unanswered; queued again"
    FAILED = "failed", "Unanswered twice; the rules' result stands"


OPEN_ITEM_STATUSES = (BatchItemStatus.QUEUED, BatchItemStatus.SUBMITTED)


class LLMBatch(TenantModel):
    """One batch at the provider (OpenAI's Batch API): its input file and what came of it."""

    model = models.CharField(max_length=100)
    provider_id = models.CharField(max_length=100, blank=True)
    input_file_id = models.CharField(max_length=100, blank=True)
    output_file_id = models.CharField(max_length=100, blank=True)
    error_file_id = models.CharField(max_length=100, blank=True)
    status = models.CharField(
        max_length=12, choices=BatchStatus.choices, default=BatchStatus.SUBMITTING
    )
    # The provider's own word (validating, in_progress, finalizing, completed, expired...).
    provider_status = models.CharField(max_length=20, blank=True)
    request_count = models.PositiveIntegerField(default=0)
    completed_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    poll_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    polled_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "LLM batch"
        verbose_name_plural = "LLM batches"
        constraints = [
            models.UniqueConstraint(
                fields=["provider_id"],
                condition=~Q(provider_id=""),
                name="llm_batch_unique_provider_id",
            ),
        ]
        indexes = [
            # The poller reads the few open and submitting batches, never the history.
            models.Index(
                fields=["status"],
                name="llm_batch_active_idx",
                condition=Q(status__in=["submitting", "open"]),
            ),
        ]

    def __str__(self) -> str:
        return self.provider_id or f"Batch {self.pk} (not submitted)"


class LLMBatchItem(TenantModel):
    """One report's request in economy mode. At most one is queued or submitted per report
    (a constraint), and an answer is applied only by the transaction that moves the item from
    submitted to applied, so a duplicate poll or a killed worker never applies it twice."""

    batch = models.ForeignKey(
        LLMBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )
    report = models.ForeignKey(
        "reports.Report", on_delete=models.CASCADE, related_name="batch_items"
    )
    model = models.CharField(max_length=100)
    attempt = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(
        max_length=10, choices=BatchItemStatus.choices, default=BatchItemStatus.QUEUED
    )
    error = models.TextField(blank=True)
    tokens_in = models.PositiveIntegerField(default=0)
    tokens_out = models.PositiveIntegerField(default=0)
    cost = models.DecimalField(max_digits=12, decimal_places=6, default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "LLM batch item"
        constraints = [
            models.UniqueConstraint(
                fields=["report"],
                condition=Q(status__in=["queued", "submitted"]),
                name="llm_batch_item_one_open_per_report",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organization", "model"],
                name="llm_batch_item_queued_idx",
                condition=Q(status="queued"),
            ),
        ]

    def __str__(self) -> str:
        return self.custom_id

    @property
    def custom_id(self) -> str:
        """The request's id in the batch file: the report's id, and this item's (a report
        may be queued again after a failed attempt)."""
        return f"report-{self.report_id}-item-{self.pk}"


def item_id_from_custom_id(custom_id: str) -> int | None:
    parts = custom_id.split("-")
    if len(parts) == 4 and parts[0] == "report" and parts[2] == "item" and parts[3].isdigit():
        return int(parts[3])
    return None
