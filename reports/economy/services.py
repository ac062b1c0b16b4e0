"""Economy analysis: queue, submit, poll and apply batches of LLM requests.

- ``batch_item_queue``: called with the rules' report of an article in economy mode.
- ``llm_batches_run`` (beat, every few minutes): polls the open batches and applies what
  finished, then submits what is queued, one batch per organization and model.
- An answer goes through the standard path's evidence checks (``LLMExtractor.to_result``),
  answer cache and report versioning (``report_save``), priced at the batch discount.
- Idempotent: an item moves submitted → applied in the same transaction that saves its report
  (the row is locked first), so a second poll, a redelivered task or a worker killed mid-apply
  never applies an answer twice; an unfinished batch is read again at the next poll.
- An item the batch did not answer (expired, failed, unusable answer) is queued once more;
  the second time the rules' result stands and the report says why.
"""

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Organization
from reports.economy.models import (
    OPEN_ITEM_STATUSES,
    BatchItemStatus,
    BatchStatus,
    LLMBatch,
    LLMBatchItem,
    item_id_from_custom_id,
)
from reports.economy.provider import ENDPOINT, BatchProvider, ProviderBatch
from reports.extractors.base import ExtractionContext
from reports.extractors.llm import (
    InvalidModelOutput,
    LLMExtractor,
    completion_answer,
    llm_configured,
    make_client,
)
from reports.extractors.rules import RulesExtractor, merge_findings
from reports.models import Report, ReportMode, ReportStatus
from reports.services.analyse import report_save
from reports.services.llm_step import cache_store
from reports.services.resolution import Resolver, build_context
from resilience import PermanentFailure, ProviderError
from resilience.database import DATABASE_OUTAGE_ERRORS

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 2
# A batch row still "submitting" this long after it was made lost its worker mid-submission.
SUBMIT_STALE_AFTER = timedelta(minutes=15)
INTERRUPTED = "The submission was interrupted; its articles were queued again."
GAVE_UP = (
    "Economy mode: the batch did not answer for this article twice ({reason}); the rules' "
    "result stands. Re-analyse it to try again."
)


def batch_item_queue(*, report: Report, model: str) -> LLMBatchItem | None:
    """Queue ``report`` for the next batch, unless it already waits in one. Called inside the
    transaction that saved the report (its row locked), so two analyses cannot both queue."""
    if LLMBatchItem.objects.filter(report=report, status__in=OPEN_ITEM_STATUSES).exists():
        return None
    return LLMBatchItem.objects.create(
        organization_id=report.organization_id, report=report, model=model
    )


@dataclass
class RunSummary:
    polled: int = 0
    applied: int = 0
    failed: int = 0
    submitted: list[int] = field(default_factory=list)  # batch row ids


class _Contexts:
    """Each organization's extraction context and resolver, built once per run."""

    def __init__(self) -> None:
        self._by_org: dict[int, tuple[ExtractionContext, Resolver]] = {}

    def get(self, organization: Organization) -> tuple[ExtractionContext, Resolver]:
        if organization.pk not in self._by_org:
            self._by_org[organization.pk] = (build_context(organization), Resolver(organization))
        return self._by_org[organization.pk]

    def forget(self, organization_id: int) -> None:
        self._by_org.pop(organization_id, None)


def llm_batches_run(*, provider: BatchProvider | None = None) -> RunSummary:
    """One beat tick: poll and apply the open batches, then submit the queued items."""
    summary = RunSummary()
    if not llm_configured():
        return summary
    provider = provider or BatchProvider()
    contexts = _Contexts()
    _recover_stale_submissions(provider)
    for batch_id in (
        LLMBatch.objects.filter(status=BatchStatus.OPEN).order_by("id").values_list("id", flat=True)
    ):
        summary.polled += 1
        applied, failed = batch_poll(batch_id=batch_id, provider=provider, contexts=contexts)
        summary.applied += applied
        summary.failed += failed
    summary.submitted = batches_submit(provider=provider)
    return summary


# -- submitting -----------------------------------------------------------------------------


def batches_submit(*, provider: BatchProvider) -> list[int]:
    """Submit every queued item, at most LLM_BATCH_MAX_REQUESTS per batch."""
    submitted = []
    groups = (
        LLMBatchItem.objects.filter(status=BatchItemStatus.QUEUED)
        .order_by("organization_id", "model")
        .values_list("organization_id", "model")
        .distinct()
    )
    for organization_id, model in list(groups):
        while (batch := _batch_claim(organization_id, model)) is not None:
            if not _batch_send(batch, provider):
                break  # The provider is away: the items wait for the next tick.
            submitted.append(batch.pk)
    return submitted


@transaction.atomic
def _batch_claim(organization_id: int, model: str) -> LLMBatch | None:
    """A new batch row holding up to LLM_BATCH_MAX_REQUESTS queued items of one organization
    and model. The items are claimed by a conditional update, so two submitters never put one
    item into two batches."""
    ids = list(
        LLMBatchItem.objects.filter(
            organization_id=organization_id, model=model, status=BatchItemStatus.QUEUED
        )
        .order_by("id")
        .values_list("id", flat=True)[: settings.LLM_BATCH_MAX_REQUESTS]
    )
    if not ids:
        return None
    batch = LLMBatch.objects.create(organization_id=organization_id, model=model)
    claimed = LLMBatchItem.objects.filter(pk__in=ids, status=BatchItemStatus.QUEUED).update(
        batch=batch, status=BatchItemStatus.SUBMITTED
    )
    if not claimed:
        batch.delete()  # Another submitter took them; nothing was sent.
        return None
    batch.request_count = claimed
    batch.save(update_fields=["request_count"])
    return batch


def _batch_lines(batch: LLMBatch, provider: BatchProvider) -> bytes:
    items = (
        batch.items.filter(status=BatchItemStatus.SUBMITTED)
        .select_related("report__article", "organization")
        .order_by("id")
    )
    contexts = _Contexts()
    extractor = LLMExtractor(client=provider.client, model=batch.model)
    lines = []
    for item in items:
        article = item.report.article
        context, _ = contexts.get(item.organization)
        body = extractor.request_body(
            text=article.display_text, title=article.title, context=context
        )
        line = {"custom_id": item.custom_id, "method": "POST", "url": ENDPOINT, "body": body}
        lines.append(json.dumps(line, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode()


def _batch_send(batch: LLMBatch, provider: BatchProvider) -> bool:
    """Upload and create the batch; False when the provider could not take it now."""
    try:
        remote = provider.submit(_batch_lines(batch, provider), batch_id=batch.pk)
    except PermanentFailure as exc:
        # The provider refuses these requests: each item gets its second chance, then stays
        # with the rules' result.
        logger.warning("The provider refused LLM batch %s: %s", batch.pk, exc.message)
        for item_id in batch.items.filter(status=BatchItemStatus.SUBMITTED).values_list(
            "id", flat=True
        ):
            _item_fail(item_id, batch.pk, f"the provider refused the batch: {exc.message}")
        _batch_finish(batch.pk, BatchStatus.FAILED, error=exc.message)
        return True
    except ProviderError as exc:
        logger.warning("LLM batch %s not submitted, queued again: %s", batch.pk, exc.message)
        _batch_release(batch.pk, f"Not submitted ({exc.message}); its articles were queued again.")
        return False
    _batch_opened(batch.pk, remote)
    return True


def _batch_opened(batch_id: int, remote: ProviderBatch) -> None:
    LLMBatch.objects.filter(pk=batch_id, status=BatchStatus.SUBMITTING).update(
        provider_id=remote.id,
        input_file_id=remote.input_file_id,
        provider_status=remote.status,
        status=BatchStatus.OPEN,
        submitted_at=timezone.now(),
    )


@transaction.atomic
def _batch_release(batch_id: int, error: str) -> None:
    """Give a batch's items back to the queue (nothing of it reached the provider)."""
    LLMBatchItem.objects.filter(batch_id=batch_id, status=BatchItemStatus.SUBMITTED).update(
        batch=None, status=BatchItemStatus.QUEUED
    )
    _batch_finish(batch_id, BatchStatus.FAILED, error=error)


def _recover_stale_submissions(provider: BatchProvider, now: datetime | None = None) -> None:
    """A worker killed between claiming items and recording the provider's batch id: find
    the provider's batch by the row id it carries, else queue the items again."""
    cutoff = (now or timezone.now()) - SUBMIT_STALE_AFTER
    for batch in LLMBatch.objects.filter(status=BatchStatus.SUBMITTING, created_at__lt=cutoff):
        try:
            remote = provider.find(batch.pk)
        except ProviderError as exc:
            logger.warning("Could not look for LLM batch %s: %s", batch.pk, exc.message)
            return
        if remote is not None:
            _batch_opened(batch.pk, remote)
        else:
            _batch_release(batch.pk, INTERRUPTED)


# -- polling and applying -------------------------------------------------------------------


def batch_poll(
    *, batch_id: int, provider: BatchProvider, contexts: _Contexts | None = None
) -> tuple[int, int]:
    """Ask the provider how the batch is doing; once it is finished, apply its answers and
    give every item it did not answer its second chance. Returns (applied, failed)."""
    batch = LLMBatch.objects.filter(pk=batch_id, status=BatchStatus.OPEN).first()
    if batch is None:
        return 0, 0
    try:
        remote = provider.retrieve(batch.provider_id)
    except PermanentFailure as exc:
        # The provider no longer knows the batch (deleted there, another account's key):
        # polling again cannot help. Its items get their second chance in a new batch.
        logger.warning("LLM batch %s unknown to the provider: %s", batch.pk, exc.message)
        failed = 0
        for item_id in batch.items.filter(status=BatchItemStatus.SUBMITTED).values_list(
            "id", flat=True
        ):
            reason = f"the provider could not find the batch: {exc.message}"
            failed += _item_fail(item_id, batch.pk, reason) == "failed"
        _batch_finish(batch.pk, BatchStatus.FAILED, error=exc.message)
        return 0, failed
    except ProviderError as exc:
        logger.warning("LLM batch %s not polled: %s", batch.pk, exc.message)
        return 0, 0
    LLMBatch.objects.filter(pk=batch.pk).update(
        provider_status=remote.status,
        completed_count=remote.completed,
        failed_count=remote.failed,
        output_file_id=remote.output_file_id,
        error_file_id=remote.error_file_id,
        poll_count=F("poll_count") + 1,
        polled_at=timezone.now(),
    )
    if not remote.finished:
        return 0, 0
    contexts = contexts or _Contexts()
    applied = failed = 0
    try:
        for custom_id, body, error in _results(remote, provider):
            item_id = item_id_from_custom_id(custom_id)
            if item_id is None:
                continue
            if body is not None:
                outcome = _item_apply(item_id, batch, body, contexts)
            else:
                outcome = _item_fail(item_id, batch.pk, error)
            applied += outcome == "applied"
            failed += outcome == "failed"
    except ProviderError as exc:
        # A result file could not be read: the batch stays open and is read again next time.
        logger.warning("LLM batch %s results not read: %s", batch.pk, exc.message)
        return applied, failed
    reason = _unanswered_reason(remote)
    for item_id in batch.items.filter(status=BatchItemStatus.SUBMITTED).values_list(
        "id", flat=True
    ):
        failed += _item_fail(item_id, batch.pk, reason) == "failed"
    status = {"completed": BatchStatus.DONE, "expired": BatchStatus.EXPIRED}.get(
        remote.status, BatchStatus.FAILED
    )
    _batch_finish(batch.pk, status, error=remote.errors)
    return applied, failed


def _unanswered_reason(remote: ProviderBatch) -> str:
    if remote.status == "expired":
        return "the batch expired (24 h) before this article was answered"
    if remote.status == "completed":
        return "the batch returned no answer for this article"
    detail = f": {remote.errors}" if remote.errors else ""
    return f"the batch {remote.status}{detail}"


def _results(
    remote: ProviderBatch, provider: BatchProvider
) -> list[tuple[str, dict[str, Any] | None, str]]:
    """(custom_id, completion body or None, error) for every line of the output and error
    files. Unreadable lines are skipped: their items count as unanswered."""
    rows = []
    for file_id in (remote.output_file_id, remote.error_file_id):
        if not file_id:
            continue
        for raw in provider.file_text(file_id).splitlines():
            try:
                line = json.loads(raw)
                custom_id = str(line["custom_id"])
            except (ValueError, KeyError, TypeError):
                continue
            response = line.get("response") or {}
            error = line.get("error") or {}
            if response.get("status_code") == 200 and isinstance(response.get("body"), dict):
                rows.append((custom_id, response["body"], ""))
                continue
            body = response.get("body") if isinstance(response.get("body"), dict) else {}
            message = (
                error.get("message")
                or (body.get("error") or {}).get("message")
                or f"status {response.get('status_code')}"
            )
            code = error.get("code") or response.get("status_code") or "error"
            rows.append((custom_id, None, f"{code}: {message}"[:500]))
    return rows


def _item_apply(item_id: int, batch: LLMBatch, body: dict[str, Any], contexts: _Contexts) -> str:
    """Apply one answer; "applied", "failed" (unusable: second chance) or "" (done before)."""
    try:
        with transaction.atomic():
            item = (
                LLMBatchItem.objects.select_for_update(of=("self",))
                .select_related("report__article__organization")
                .filter(pk=item_id, batch=batch, status=BatchItemStatus.SUBMITTED)
                .first()
            )
            if item is None:
                return ""  # Applied by an earlier poll, or not an item of this batch.
            try:
                answer, tokens_in, tokens_out = completion_answer(body)
            except InvalidModelOutput as exc:
                return _item_fail_locked(item, exc.message)
            report = _apply_answer(item, answer, (tokens_in, tokens_out), contexts)
            item.status = BatchItemStatus.APPLIED
            item.tokens_in, item.tokens_out = tokens_in, tokens_out
            item.cost = report.cost_estimate
            item.finished_at = timezone.now()
            item.save(update_fields=["status", "tokens_in", "tokens_out", "cost", "finished_at"])
            return "applied"
    except DATABASE_OUTAGE_ERRORS:
        raise
    except Exception:
        # One bad answer never stops the batch: the item stays submitted, and is given its
        # second chance when the batch is closed.
        logger.exception("Applying LLM batch item %s failed", item_id)
        contexts.forget(batch.organization_id)
        return ""


def _apply_answer(
    item: LLMBatchItem,
    answer: dict[str, Any],
    tokens: tuple[int, int],
    contexts: _Contexts,
) -> Report:
    """The standard path's steps after an answer: evidence checks, the cache, the rules'
    known-brand matches merged in, the report updated (its earlier content versioned)."""
    article = item.report.article
    organization = article.organization
    context, resolver = contexts.get(organization)
    extractor = LLMExtractor(
        client=make_client(),  # the process's shared client; no request is made here
        model=item.model,
        call_context={"organization_id": organization.pk, "article_id": article.pk},
    )
    text = article.display_text
    result = extractor.to_result(
        answer,
        text=text,
        language=article.language,
        context=context,
        tokens=tokens,
        title=article.title,
    )
    cache_store(article, extractor, result)
    rules = RulesExtractor().extract(
        text=text, title=article.title, language=article.language, context=context
    )
    result.brands = merge_findings(result.brands, rules.brands)
    return report_save(
        article,
        result,
        ReportStatus.DONE,
        cached=False,
        llm_pending=False,
        resolver=resolver,
        context=context,
        mode=ReportMode.ECONOMY,
    )


def _item_fail(item_id: int, batch_id: int, reason: str) -> str:
    with transaction.atomic():
        item = (
            LLMBatchItem.objects.select_for_update(of=("self",))
            .filter(pk=item_id, batch_id=batch_id, status=BatchItemStatus.SUBMITTED)
            .first()
        )
        if item is None:
            return ""
        return _item_fail_locked(item, reason)


def _item_fail_locked(item: LLMBatchItem, reason: str) -> str:
    """Second chance for an unanswered item (queued again), or the rules' result for good."""
    last = item.attempt >= MAX_ATTEMPTS
    item.status = BatchItemStatus.FAILED if last else BatchItemStatus.RETRIED
    item.error = reason[:1000]
    item.finished_at = timezone.now()
    item.save(update_fields=["status", "error", "finished_at"])
    if last:
        Report.objects.filter(pk=item.report_id).update(error=GAVE_UP.format(reason=reason[:300]))
    else:
        LLMBatchItem.objects.create(
            organization_id=item.organization_id,
            report_id=item.report_id,
            model=item.model,
            attempt=item.attempt + 1,
        )
    return "failed"


def _batch_finish(batch_id: int, status: str, *, error: str = "") -> None:
    LLMBatch.objects.filter(
        pk=batch_id, status__in=[BatchStatus.SUBMITTING, BatchStatus.OPEN]
    ).update(status=status, error=error, finished_at=timezone.now())
