"""The provider's batch interface (OpenAI's Files + Batches API), each request under the
project's one retry policy and the ``openai`` breaker (``resilience.call_openai``).

The client is the analysis' client (``make_client``: explicit timeout, no retries of its own),
so OPENAI_BASE_URL points batches at any server that speaks the same API.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import openai

from reports.extractors.llm import make_client
from resilience import call_openai

ENDPOINT = "/v1/chat/completions"
COMPLETION_WINDOW = "24h"
# The provider's statuses after which nothing more happens to a batch.
FINISHED = frozenset({"completed", "expired", "failed", "cancelled"})
# Stored in the provider's batch, so an interrupted submission finds its batch again.
METADATA_KEY = "mh_batch"


@dataclass(frozen=True)
class ProviderBatch:
    id: str
    status: str
    input_file_id: str
    output_file_id: str
    error_file_id: str
    total: int
    completed: int
    failed: int
    errors: str  # Why the provider failed a whole batch (validation), if it did.
    metadata: Mapping[str, str]

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


def _batch(raw: Any) -> ProviderBatch:
    counts = raw.request_counts
    errors = ""
    if raw.errors is not None and raw.errors.data:
        errors = "; ".join(
            f"{error.code or 'error'}: {error.message or ''}" for error in raw.errors.data
        )
    return ProviderBatch(
        id=raw.id,
        status=raw.status,
        input_file_id=raw.input_file_id or "",
        output_file_id=raw.output_file_id or "",
        error_file_id=raw.error_file_id or "",
        total=counts.total if counts else 0,
        completed=counts.completed if counts else 0,
        failed=counts.failed if counts else 0,
        errors=errors[:2000],
        metadata=dict(raw.metadata or {}),
    )


class BatchProvider:
    def __init__(
        self, client: openai.OpenAI | None = None, context: Mapping[str, object] | None = None
    ) -> None:
        self.client = client or make_client()
        self.context = dict(context or {})

    def _call(self, fn: Any, endpoint: str) -> Any:
        return call_openai(fn, endpoint=endpoint, context=self.context)

    def submit(self, jsonl: bytes, *, batch_id: int) -> ProviderBatch:
        """Upload the requests and create the batch; the batch carries our row's id."""
        uploaded = self._call(
            lambda: self.client.files.create(
                file=(f"batch-{batch_id}.jsonl", jsonl, "application/jsonl"), purpose="batch"
            ),
            "files.create",
        )
        created = self._call(
            lambda: self.client.batches.create(
                input_file_id=uploaded.id,
                endpoint=ENDPOINT,
                completion_window=COMPLETION_WINDOW,
                metadata={METADATA_KEY: str(batch_id)},
            ),
            "batches.create",
        )
        return _batch(created)

    def retrieve(self, provider_id: str) -> ProviderBatch:
        return _batch(self._call(lambda: self.client.batches.retrieve(provider_id), "batches.get"))

    def find(self, batch_id: int) -> ProviderBatch | None:
        """The provider's batch created for our row ``batch_id`` (recent batches only)."""
        page = self._call(lambda: self.client.batches.list(limit=100), "batches.list")
        for raw in page.data:
            if (raw.metadata or {}).get(METADATA_KEY) == str(batch_id):
                return _batch(raw)
        return None

    def file_text(self, file_id: str) -> str:
        return self._call(lambda: self.client.files.content(file_id).text, "files.content")
