"""The LLM step of an article's analysis, split so the request can run on a pool thread.

:func:`llm_start` does everything that needs the database before the request (the rules,
the quota, the answer cache) on the task's thread; :meth:`LLMCall.run` is the request alone
(no database: it may run on a pool thread); :func:`llm_finish` stores the answer in the cache
on the task's thread again. Django's connections are per thread, and the pool threads never
open one.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from accounts.llm_connection import (
    LLMConnectionBroken,
    connection_for,
    failure_of,
    llm_connection_failed,
    llm_connection_recovered,
)
from accounts.models import AnalysisMode, Organization
from feeds.models import Article
from reports.extractors.base import ExtractionContext, ExtractionResult
from reports.extractors.llm import (
    PROMPT_VERSION,
    InvalidModelOutput,
    LLMConnection,
    LLMExtractor,
    answer_to_json,
)
from reports.extractors.rules import RulesExtractor, merge_findings
from reports.models import ExtractionCache, ReportStatus
from reports.services.llm_calls import LLMFailure, call_llm
from reports.services.usage import llm_quota_reached

QUOTA_REACHED = "The organization's monthly LLM token quota is used up; analysed by rules."
# Set on reports kept from the LLM by a plan's monthly limit: the plan's own words follow.
QUOTA_PREFIX = "Monthly quota reached. "
BATCH_QUEUED = (
    "Economy mode: analysed by rules at once; the LLM's answer comes with the next batch "
    "(within 24 hours)."
)


@dataclass
class AnalysisOptions:
    use_llm: bool = True  # False: rules only (e.g. a job configured for rules).
    model: str | None = None
    reanalyse: bool = False  # Replace an existing report.
    job_id: int | None = None  # The job analysing: its keyword rules apply too.
    # AnalysisMode: "economy" sends the LLM requests through the provider's batch interface;
    # None or "": the organization's mode.
    mode: str | None = None


def cache_key(content_hash: str, model: str, prompt_version: str) -> str:
    return hashlib.sha256(f"{content_hash}|{model}|{prompt_version}".encode()).hexdigest()


def _cached_result(
    article: Article, context: ExtractionContext, extractor: LLMExtractor
) -> ExtractionResult | None:
    """The LLM's earlier answer for the same text, model and prompt, if any."""
    if not article.content_hash:
        return None
    key = cache_key(article.content_hash, extractor.cache_model, PROMPT_VERSION)
    cached = ExtractionCache.objects.filter(key=key).first()
    if cached is None:
        return None
    return extractor.to_result(
        cached.result,
        text=article.display_text,
        language=article.language,
        context=context,
        tokens=(0, 0),
        title=article.title,
    )


def cache_store(article: Article, extractor: LLMExtractor, result: ExtractionResult) -> None:
    if article.content_hash:
        ExtractionCache.objects.update_or_create(
            key=cache_key(article.content_hash, extractor.cache_model, PROMPT_VERSION),
            defaults={
                "result": answer_to_json(result),
                "tokens_in": result.tokens_in,
                "tokens_out": result.tokens_out,
            },
        )


# (result, status, cached, llm_pending)
Extraction = tuple[ExtractionResult, str, bool, bool]


@dataclass
class LLMCall:
    """An article waiting for its LLM answer. :meth:`run` touches no database, so it may run on
    a pool thread; :func:`llm_finish` (the cache, the report) runs on the task's thread."""

    article: Article
    context: ExtractionContext
    extractor: LLMExtractor
    rules: ExtractionResult

    def run(self) -> ExtractionResult:
        article = self.article
        return call_llm(
            lambda: self.extractor.extract(
                text=article.display_text,
                title=article.title,
                language=article.language,
                context=self.context,
            )
        )


@dataclass
class BatchDeferred:
    """Economy mode: the rules' extraction now, the LLM request in the next batch."""

    extraction: Extraction
    model: str


def economy_mode(
    organization: Organization, options: AnalysisOptions, connection: LLMConnection | None = None
) -> bool:
    # Batches run on the installation's account: an organization's own connection is always
    # asked at once.
    if connection is not None and connection.own:
        return False
    return (options.mode or organization.analysis_mode) == AnalysisMode.ECONOMY


def llm_start(
    article: Article,
    organization: Organization,
    context: ExtractionContext,
    options: AnalysisOptions,
    llm_factory: Callable[..., LLMExtractor] = LLMExtractor,
) -> Extraction | LLMCall | BatchDeferred:
    """Everything before the LLM request: the rules, the quota, the cache, and in economy
    mode the rules' result standing in until the batch answers."""
    text = article.display_text
    rules = RulesExtractor().extract(
        text=text, title=article.title, language=article.language, context=context
    )
    if not options.use_llm:
        return rules, ReportStatus.DONE, False, False
    try:
        connection = connection_for(organization, options.model)
    except LLMConnectionBroken as error:
        # The organization chose its own connection and it cannot be used: the rules answer,
        # the dashboard says why (not llm_pending: retrying cannot help until someone acts).
        llm_connection_failed(organization_id=organization.pk, message=error.message)
        rules.fallback_reason = f"{error.message} Analysed by rules instead."
        return rules, ReportStatus.FALLBACK, False, False
    if connection is None:
        return rules, ReportStatus.DONE, False, False
    if organization.llm_prefilter and not rules.brands:
        return rules, ReportStatus.DONE, False, False
    reached = llm_quota_reached(organization)
    if reached is not None:
        # "Monthly quota reached. Your plan allows 10,000 articles analysed by the LLM a month;
        # you have used 10,000: new articles are analysed by rules now and by the LLM when the
        # month turns (1 January 2027)." llm_pending: the hourly catch-up takes it then.
        rules.fallback_reason = QUOTA_PREFIX + reached.message
        return rules, ReportStatus.FALLBACK, False, True
    extractor = llm_factory(
        model=options.model,
        call_context={"organization_id": organization.pk, "article_id": article.pk},
        connection=connection,
    )
    try:
        cached = _cached_result(article, context, extractor)
    except InvalidModelOutput as exc:
        rules.fallback_reason = f"{exc.message} Analysed by rules instead."
        return rules, ReportStatus.FALLBACK, False, False
    if cached is not None:
        cached.brands = merge_findings(cached.brands, rules.brands)
        return cached, ReportStatus.DONE, True, False
    if economy_mode(organization, options, connection):
        rules.fallback_reason = BATCH_QUEUED
        return BatchDeferred((rules, ReportStatus.FALLBACK, False, False), extractor.model)
    return LLMCall(article, context, extractor, rules)


def llm_finish(call: LLMCall, outcome: ExtractionResult | BaseException) -> Extraction:
    """The LLM's answer (or why there is none) turned into the article's extraction."""
    rules = call.rules
    connection = call.extractor.connection
    if isinstance(outcome, InvalidModelOutput | LLMFailure):
        message = outcome.message
        if isinstance(outcome, LLMFailure) and connection.own:
            # The organization's own provider failed: its words for it (never the key), and
            # the dashboard's banner until an answer comes back.
            message = failure_of(outcome, connection)
            llm_connection_failed(
                organization_id=connection.organization_id,
                message=message,
                secret=connection.api_key,
            )
        rules.fallback_reason = f"{message} Analysed by rules instead."
        pending = isinstance(outcome, LLMFailure) and outcome.retry_later
        return rules, ReportStatus.FALLBACK, False, pending
    if isinstance(outcome, BaseException):
        raise outcome
    llm_connection_recovered(connection=connection)
    cache_store(call.article, call.extractor, outcome)
    outcome.brands = merge_findings(outcome.brands, rules.brands)
    return outcome, ReportStatus.DONE, False, False


def llm_outcome(call: LLMCall) -> ExtractionResult | BaseException:
    try:
        return call.run()
    except (InvalidModelOutput, LLMFailure) as exc:
        return exc


def extract_for_article(
    article: Article,
    organization: Organization,
    context: ExtractionContext,
    options: AnalysisOptions,
    llm_factory: Callable[..., LLMExtractor] = LLMExtractor,
) -> Extraction:
    """Returns (result, status, cached, llm_pending)."""
    step = llm_start(article, organization, context, options, llm_factory)
    if isinstance(step, LLMCall):
        return llm_finish(step, llm_outcome(step))
    if isinstance(step, BatchDeferred):  # No batch from here: the rules' result alone.
        return step.extraction
    return step
