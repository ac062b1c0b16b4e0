"""Analysing an article: choose the extractor, control cost, resolve brands, save the report.

- Syndicated copies are not analysed: their original's report stands for them.
- The LLM is used when configured, under the organization's monthly token quota, and (with
  the optional pre-filter) only when the rules find a candidate. Its answers are cached by
  content hash + model + prompt version. The rules' known-brand matches are merged in, so a
  tracked brand is never missed because the model skipped it.
- Keyword rules come first: an article that fails an enabled rule (the organization's, or the
  analysing job's) gets an EXCLUDED report naming the rule and what the LLM call would have
  cost, and is never sent to the LLM nor searched for brands.
- Any LLM failure falls back to the rules, and the report says why; transient failures and
  the quota mark the report ``llm_pending`` so it is analysed by the LLM later. Nothing is lost.
- Economy mode (the organization's or the job's choice): the rules' report at once, and the
  article queued for the provider's batch interface (``reports/economy``), whose answer later
  updates the report through :func:`report_save`, the same checks and versioning.
- A batch keeps up to ``LLM_CONCURRENCY`` LLM requests in flight (each waiting for its slot
  in the shared budgets, ``reports/extractors/llm_budget.py``); everything that reads or
  writes the database stays on the task's thread. The monthly quota is checked before each
  request is sent, so the requests already in flight when it is reached still finish.
"""

import logging
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from decimal import Decimal

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from feeds.models import Article, ArticleStatus
from monitoring.metrics import count_llm_usage
from reports.extractors.base import ExtractionContext, ExtractionResult
from reports.extractors.llm import (
    PROMPT_VERSION,
    SYSTEM_PROMPT,
    cut_to_budget,
    estimate_tokens,
    llm_configured,
)
from reports.keyword_rules import CompiledRule
from reports.models import (
    BrandStatus,
    ExtractionCache,
    Mention,
    Report,
    ReportMode,
    ReportStatus,
    ReportVersion,
)
from reports.services.keyword_rules import compiled_rules, first_failing_rule
from reports.services.llm_step import (
    QUOTA_REACHED,
    AnalysisOptions,
    BatchDeferred,
    Extraction,
    LLMCall,
    cache_key,
    extract_for_article,
    llm_finish,
    llm_outcome,
    llm_start,
)
from reports.services.report_versions import report_mentions_replace, report_version_record
from reports.services.resolution import Resolver, build_context
from reports.services.usage import cost_estimate, llm_quota_reached, usage_record
from resilience.database import DATABASE_OUTAGE_ERRORS

logger = logging.getLogger(__name__)

__all__ = [
    "QUOTA_REACHED",
    "AnalysisOptions",
    "cache_key",
    "extract_for_article",
    "report_analyse",
    "report_save",
    "reports_analyse",
]


@transaction.atomic
def report_save(
    article: Article,
    result: ExtractionResult,
    status: str,
    *,
    cached: bool,
    llm_pending: bool,
    resolver: Resolver,
    context: ExtractionContext,
    mode: str = ReportMode.STANDARD,
) -> Report:
    """The article's report (created or versioned) with ``result``'s findings. An economy
    answer is priced at the batch discount, and the usage rows keep what it saved."""
    now = timezone.now()
    cost = cost_estimate(result.model, result.tokens_in, result.tokens_out) if not cached else 0
    saved = Decimal(0)
    if mode == ReportMode.ECONOMY and cost:
        full = cost
        cost = (full * (1 - Decimal(str(settings.LLM_BATCH_DISCOUNT)))).quantize(
            Decimal("0.000001")
        )
        saved = full - cost
    report, version = _report_upsert(
        article,
        summary=result.summary,
        topic=result.topic,
        sentiment_score=max(-1.0, min(1.0, result.sentiment_score)),
        sentiment_label=result.sentiment_label,
        language=result.language or article.language,
        extractor=result.extractor,
        model=result.model,
        prompt_version=result.prompt_version,
        tokens_in=0 if cached else result.tokens_in,
        tokens_out=0 if cached else result.tokens_out,
        cost_estimate=cost,
        cached=cached,
        invented_dropped=result.invented_dropped,
        status=status,
        error=result.fallback_reason,
        llm_pending=llm_pending,
        mode=mode,
        analysed_at=now,
    )
    mentions: dict[int, Mention] = {}
    for finding in result.brands:
        if _blocked(finding.surface, finding.name, context):
            continue
        brand = resolver.resolve(finding.name, industry=finding.industry, brand_id=finding.brand_id)
        if brand is None or brand.status == BrandStatus.IGNORED or brand.pk in mentions:
            continue
        mentions[brand.pk] = Mention(
            organization_id=article.organization_id,
            report=report,
            brand=brand,
            surface=finding.surface[:200],
            confidence=max(0.0, min(1.0, finding.confidence)),
            sentiment=max(-1.0, min(1.0, finding.sentiment)),
            evidence=finding.evidence,
            evidence_start=finding.start,
            evidence_end=finding.end,
            source=finding.source,
            mentioned_at=article.published_at or now,
        )
    report_mentions_replace(report=report, mentions=mentions.values(), version=version)
    if result.extractor == "llm" and (result.tokens_in or cached):
        count_llm_usage(result.model, report.tokens_in, report.tokens_out, cost, cached=cached)
        usage_record(
            organization=article.organization,
            tokens_in=report.tokens_in,
            tokens_out=report.tokens_out,
            cost=cost,
            cached=cached,
            batch=mode == ReportMode.ECONOMY,
            saved=saved,
            model=result.model,
        )
    return report


def _blocked(surface: str, name: str, context: ExtractionContext) -> bool:
    from reports.normalize import normalize_brand

    return bool({normalize_brand(surface), normalize_brand(name)} & context.blocked_terms)


def _save_failure(article: Article, exc: Exception) -> Report | None:
    """Leave a visible failed report, so the article does not look unanalysed."""
    if Report.objects.filter(article=article).exists():
        return None
    return Report.objects.create(
        organization_id=article.organization_id,
        article=article,
        extractor="none",
        status=ReportStatus.FAILED,
        error=f"The analysis failed ({exc.__class__.__name__}); it will be retried.",
        llm_pending=True,
        analysed_at=timezone.now(),
    )


def _llm_saving(article: Article, options: AnalysisOptions) -> tuple[int, Decimal]:
    """The input tokens and cost the LLM call would have taken: nothing when no LLM would have
    been asked (none configured, rules-only job, quota used up) or when its answer for this
    text is already cached. (With the optional pre-filter the call might not have been made
    either; finding out would mean running the extractor the rule spared.)"""
    if not (options.use_llm and llm_configured()) or llm_quota_reached(article.organization):
        return 0, Decimal(0)
    model = options.model or settings.OPENAI_MODEL
    if (
        article.content_hash
        and ExtractionCache.objects.filter(
            key=cache_key(article.content_hash, model, PROMPT_VERSION)
        ).exists()
    ):
        return 0, Decimal(0)
    sent = cut_to_budget(article.display_text, settings.LLM_INPUT_TOKEN_BUDGET)
    tokens = estimate_tokens(SYSTEM_PROMPT) + estimate_tokens(article.title) + estimate_tokens(sent)
    # Rounded as the column stores it, so a month's sum is the sum of what the reports show
    # on every database (SQLite summed the unrounded values).
    return tokens, cost_estimate(model, tokens, 0).quantize(Decimal("0.000001"))


@transaction.atomic
def _save_excluded(article: Article, rule: CompiledRule, options: AnalysisOptions) -> Report:
    tokens, cost = _llm_saving(article, options)
    report, version = _report_upsert(
        article,
        extractor="none",
        status=ReportStatus.EXCLUDED,
        language=article.language,
        excluded_by_id=rule.rule_id,
        excluded_rule_name=rule.name,
        tokens_saved=tokens,
        cost_saved=cost,
        analysed_at=timezone.now(),
    )
    report_mentions_replace(report=report, mentions=(), version=version)
    return report


# What a report holds when a new analysis does not set it (an excluded article has no summary;
# an analysed one was excluded by no rule).
_REPORT_RESET = {
    "summary": "",
    "topic": "",
    "sentiment_score": 0.0,
    "sentiment_label": "neutral",
    "model": "",
    "prompt_version": "",
    "tokens_in": 0,
    "tokens_out": 0,
    "cost_estimate": Decimal(0),
    "cached": False,
    "invented_dropped": 0,
    "error": "",
    "llm_pending": False,
    "excluded_by_id": None,
    "excluded_rule_name": "",
    "tokens_saved": 0,
    "cost_saved": Decimal(0),
    "mode": ReportMode.STANDARD,
}


def _report_upsert(article: Article, **values: object) -> tuple[Report, ReportVersion | None]:
    """The article's report with ``values``: created, or updated in place (re-analysis), its
    previous content kept as a version. Identity is kept: URL, reviews, drafts, history."""
    values = {**_REPORT_RESET, **values}
    report = Report.objects.select_for_update().filter(article=article).first()
    if report is None:
        report = Report.objects.create(
            organization_id=article.organization_id, article=article, **values
        )
        return report, None
    version = report_version_record(report=report)
    for name, value in values.items():
        setattr(report, name, value)
    report.save(update_fields=list(values))
    return report, version


def _rules_for(
    article: Article, options: AnalysisOptions, rules: list[CompiledRule] | None
) -> list[CompiledRule]:
    """The rules to apply. Re-analysing an article a job's rule excluded keeps that job's
    rules in force (the current version of them), so a re-run does not let it slip through."""
    job_id = options.job_id
    if job_id is None and options.reanalyse:
        job_id = (
            Report.objects.filter(article=article, excluded_by__job__isnull=False)
            .values_list("excluded_by__job_id", flat=True)
            .first()
        )
    if rules is not None and job_id == options.job_id:
        return rules
    return compiled_rules(article.organization_id, job_id)


@dataclass
class _Pending:
    """An article whose LLM answer is awaited; saved on the task's thread when it comes."""

    call: LLMCall


def _report_begin(
    article: Article,
    options: AnalysisOptions,
    context: ExtractionContext | None,
    resolver: Resolver | None,
    rules: list[CompiledRule] | None,
) -> Report | _Pending | None:
    """Everything up to the LLM request: the report, None, or the request still to make."""
    if article.duplicate_of_id is not None or article.status in (
        ArticleStatus.PENDING,
        ArticleStatus.SKIPPED,
    ):
        return None
    if not options.reanalyse and Report.objects.filter(article=article).exists():
        return None
    if not article.display_text.strip():
        return None
    failing = first_failing_rule(
        _rules_for(article, options, rules), article.title, article.display_text
    )
    if failing is not None:
        return _save_excluded(article, failing, options)
    organization = article.organization
    context = context or build_context(organization)
    step = llm_start(article, organization, context, options)
    if isinstance(step, LLMCall):
        return _Pending(step)
    if isinstance(step, BatchDeferred):
        return _save_deferred(article, step, resolver or Resolver(organization), context)
    return _report_end(article, step, resolver or Resolver(organization), context)


@transaction.atomic
def _save_deferred(
    article: Article, step: BatchDeferred, resolver: Resolver, context: ExtractionContext
) -> Report:
    """Economy mode: the rules' report now, and the article queued for the next batch."""
    from reports.economy.services import batch_item_queue

    report = _report_end(article, step.extraction, resolver, context)
    batch_item_queue(report=report, model=step.model)
    return report


def _report_end(
    article: Article, extraction: Extraction, resolver: Resolver, context: ExtractionContext
) -> Report:
    result, status, cached, pending = extraction
    return report_save(
        article,
        result,
        status,
        cached=cached,
        llm_pending=pending,
        resolver=resolver,
        context=context,
    )


def report_analyse(
    *,
    article: Article,
    options: AnalysisOptions | None = None,
    context: ExtractionContext | None = None,
    resolver: Resolver | None = None,
    rules: list[CompiledRule] | None = None,
) -> Report | None:
    """Analyse one article; None when there is nothing to analyse (copy, no text, done)."""
    begun = _report_begin(article, options or AnalysisOptions(), context, resolver, rules)
    if not isinstance(begun, _Pending):
        return begun
    call = begun.call
    resolver = resolver or Resolver(article.organization)
    return _report_end(article, llm_finish(call, llm_outcome(call)), resolver, call.context)


def _on_pool_thread(call: LLMCall) -> ExtractionResult | BaseException:
    try:
        return llm_outcome(call)
    finally:
        # The request needs no database; should anything in it open a connection, it is this
        # thread's own and must not outlive the call.
        connections.close_all()


class _Batch:
    """Analyses a batch: each article's database work on the calling (task's) thread, up to
    ``LLM_CONCURRENCY`` LLM requests at once on a thread pool.

    Threads, not asyncio: the openai client, its deadline transport, the retry policy, the
    breakers and the ORM are all synchronous; threads reuse them unchanged, and a thread
    waiting on its socket releases the GIL. The CPU each answer needs (JSON, evidence
    checks) is a few milliseconds, so a handful of threads fills any provider budget (see
    docs/benchmarks.md, "analysis").
    """

    def __init__(self, options: AnalysisOptions) -> None:
        self.options = options
        self.reports: list[Report] = []
        self.contexts: dict[int, tuple[ExtractionContext, Resolver]] = {}
        # Compiled once per organization for the whole batch, not once per article.
        self.rules: dict[int, list[CompiledRule]] = {}
        self.concurrency = max(1, settings.LLM_CONCURRENCY)
        self.pool: ThreadPoolExecutor | None = None
        self.in_flight: dict[Future, tuple[Article, LLMCall]] = {}
        # Requests that ended, their reports not saved yet.
        self.answered: list[tuple[Article, LLMCall, Future]] = []

    def _context(self, article: Article) -> tuple[ExtractionContext, Resolver]:
        organization_id = article.organization_id
        if organization_id not in self.contexts:
            self.contexts[organization_id] = (
                build_context(article.organization),
                Resolver(article.organization),
            )
        return self.contexts[organization_id]

    def _guarded(self, article: Article, step) -> None:  # type: ignore[no-untyped-def]
        """Run one step of ``article``; one bad article never stops the batch."""
        try:
            report = step()
        except (*DATABASE_OUTAGE_ERRORS, SoftTimeLimitExceeded):
            # The database is away, or the run's time limit struck here: not the article at
            # fault, so no "failed" report; the caller retries the batch, gives up or times out.
            raise
        except Exception as exc:
            logger.exception("Analysis of article %s failed", article.pk)
            # The resolver may hold brands of the rolled-back transaction: start afresh.
            self.contexts.pop(article.organization_id, None)
            report = _save_failure(article, exc)
        if report is not None:
            self.reports.append(report)

    def add(self, article: Article) -> None:
        context, resolver = self._context(article)
        if article.organization_id not in self.rules:
            self.rules[article.organization_id] = compiled_rules(
                article.organization_id, self.options.job_id
            )
        rules = self.rules[article.organization_id]
        begun: list[_Pending] = []

        def begin() -> Report | None:
            outcome = _report_begin(article, self.options, context, resolver, rules)
            if isinstance(outcome, _Pending):
                begun.append(outcome)
                return None
            return outcome

        self._guarded(article, begin)
        if not begun:
            return
        call = begun[0].call
        if self.concurrency == 1:
            self._finish(article, call, llm_outcome(call))
            return
        if self.pool is None:
            self.pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="llm-call")
        # Answers are saved only while every thread is busy: a freed thread gets the next
        # article as soon as it is prepared, not after the reports of a whole wave of answers.
        while len(self.in_flight) >= self.concurrency:
            if self.answered:
                self._save_answers()
            else:
                self.answered = self._answered()
        self.in_flight[self.pool.submit(_on_pool_thread, call)] = (article, call)

    def _finish(
        self, article: Article, call: LLMCall, outcome: ExtractionResult | BaseException
    ) -> None:
        def end() -> Report:
            # The organization's resolver now, not the one when the call started (it may
            # have been replaced after a failure).
            _, resolver = self._context(article)
            return _report_end(article, llm_finish(call, outcome), resolver, call.context)

        self._guarded(article, end)

    def _answered(self) -> list[tuple[Article, LLMCall, Future]]:
        """The requests that ended (at least one; waits), taken out of ``in_flight``."""
        done, _ = wait(list(self.in_flight), return_when=FIRST_COMPLETED)
        return [(*self.in_flight.pop(future), future) for future in done]

    def _save_answers(self) -> None:
        answered, self.answered = self.answered, []
        for article, call, future in sorted(answered, key=lambda item: item[0].pk):
            error = future.exception()
            self._finish(article, call, error if error is not None else future.result())

    def finish(self) -> list[Report]:
        self._save_answers()
        while self.in_flight:
            self.answered = self._answered()
            self._save_answers()
        self.close()
        return sorted(self.reports, key=lambda report: report.article_id)

    def close(self) -> None:
        if self.pool is not None:
            # Requests already sent end on their own deadline (LLM_TIMEOUT); none start.
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None


def reports_analyse(
    *, article_ids: Iterable[int], options: AnalysisOptions | None = None
) -> list[Report]:
    """Analyse several articles, their LLM requests concurrently (``LLM_CONCURRENCY``)
    within the shared budgets; one bad article never stops the batch. Reports come back in
    article order."""
    batch = _Batch(options or AnalysisOptions())
    articles = Article.objects.filter(pk__in=list(article_ids)).select_related("organization")
    try:
        for article in articles.order_by("id"):
            batch.add(article)
        reports = batch.finish()
    finally:
        batch.close()
    _evaluate_alerts_soon(reports)
    return reports


def _evaluate_alerts_soon(reports: list[Report]) -> None:
    """New mentions may raise alerts: their organizations' rules are evaluated shortly (only
    organizations with rules; at most once a minute each). Never fails the analysis."""
    from reports.alerts.services import alerts_evaluate_soon

    organizations = {r.organization_id for r in reports if r.status != ReportStatus.FAILED}
    if not organizations:
        return
    try:
        alerts_evaluate_soon(organization_ids=organizations)
    except SoftTimeLimitExceeded:
        raise  # The run's time limit, not a queueing failure: the run must stop.
    except Exception:
        logger.exception("Could not queue the alert evaluation after an analysis")
