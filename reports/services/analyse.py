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
"""

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Organization
from feeds.models import Article, ArticleStatus
from reports.extractors.base import ExtractionContext, ExtractionResult
from reports.extractors.llm import (
    PROMPT_VERSION,
    SYSTEM_PROMPT,
    InvalidModelOutput,
    LLMExtractor,
    answer_to_json,
    cut_to_budget,
    estimate_tokens,
    llm_configured,
)
from reports.extractors.rules import RulesExtractor, merge_findings
from reports.keyword_rules import CompiledRule
from reports.models import (
    BrandStatus,
    ExtractionCache,
    Mention,
    Report,
    ReportStatus,
    ReportVersion,
)
from reports.services.keyword_rules import compiled_rules, first_failing_rule
from reports.services.llm_calls import LLMFailure, call_llm
from reports.services.report_versions import report_mentions_replace, report_version_record
from reports.services.resolution import Resolver, build_context
from reports.services.usage import cost_estimate, quota_reached, usage_record
from resilience.database import DATABASE_OUTAGE_ERRORS

logger = logging.getLogger(__name__)

QUOTA_REACHED = "The organization's monthly LLM token quota is used up; analysed by rules."


@dataclass
class AnalysisOptions:
    use_llm: bool = True  # False: rules only (e.g. a job configured for rules).
    model: str | None = None
    reanalyse: bool = False  # Replace an existing report.
    job_id: int | None = None  # The job analysing: its keyword rules apply too.


def cache_key(content_hash: str, model: str, prompt_version: str) -> str:
    return hashlib.sha256(f"{content_hash}|{model}|{prompt_version}".encode()).hexdigest()


def _llm_result(
    article: Article,
    context: ExtractionContext,
    extractor: LLMExtractor,
) -> tuple[ExtractionResult, bool]:
    """The LLM's result for the article, from the cache when the same text was analysed."""
    text = article.display_text
    key = cache_key(article.content_hash, extractor.model, PROMPT_VERSION)
    cached = ExtractionCache.objects.filter(key=key).first() if article.content_hash else None
    if cached is not None:
        result = extractor.to_result(
            cached.result, text=text, language=article.language, context=context, tokens=(0, 0)
        )
        return result, True
    result = call_llm(
        lambda: extractor.extract(
            text=text, title=article.title, language=article.language, context=context
        )
    )
    if article.content_hash:
        ExtractionCache.objects.update_or_create(
            key=key,
            defaults={
                "result": answer_to_json(result),
                "tokens_in": result.tokens_in,
                "tokens_out": result.tokens_out,
            },
        )
    return result, False


def extract_for_article(
    article: Article,
    organization: Organization,
    context: ExtractionContext,
    options: AnalysisOptions,
    llm_factory: Callable[..., LLMExtractor] = LLMExtractor,
) -> tuple[ExtractionResult, str, bool, bool]:
    """Returns (result, status, cached, llm_pending)."""
    text = article.display_text
    rules = RulesExtractor().extract(
        text=text, title=article.title, language=article.language, context=context
    )
    if not (options.use_llm and llm_configured()):
        return rules, ReportStatus.DONE, False, False
    if organization.llm_prefilter and not rules.brands:
        return rules, ReportStatus.DONE, False, False
    if quota_reached(organization):
        rules.fallback_reason = QUOTA_REACHED
        return rules, ReportStatus.FALLBACK, False, True
    extractor = llm_factory(
        model=options.model,
        call_context={"organization_id": organization.pk, "article_id": article.pk},
    )
    try:
        result, cached = _llm_result(article, context, extractor)
    except InvalidModelOutput as exc:
        rules.fallback_reason = f"{exc.message} Analysed by rules instead."
        return rules, ReportStatus.FALLBACK, False, False
    except LLMFailure as exc:
        rules.fallback_reason = f"{exc.message} Analysed by rules instead."
        return rules, ReportStatus.FALLBACK, False, exc.retry_later
    result.brands = merge_findings(result.brands, rules.brands)
    return result, ReportStatus.DONE, cached, False


@transaction.atomic
def _save(
    article: Article,
    result: ExtractionResult,
    status: str,
    *,
    cached: bool,
    llm_pending: bool,
    resolver: Resolver,
    context: ExtractionContext,
) -> Report:
    now = timezone.now()
    cost = cost_estimate(result.model, result.tokens_in, result.tokens_out) if not cached else 0
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
        usage_record(
            organization=article.organization,
            tokens_in=report.tokens_in,
            tokens_out=report.tokens_out,
            cost=cost,
            cached=cached,
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
    if not (options.use_llm and llm_configured()) or quota_reached(article.organization):
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


def report_analyse(
    *,
    article: Article,
    options: AnalysisOptions | None = None,
    context: ExtractionContext | None = None,
    resolver: Resolver | None = None,
    rules: list[CompiledRule] | None = None,
) -> Report | None:
    """Analyse one article; None when there is nothing to analyse (copy, no text, done)."""
    options = options or AnalysisOptions()
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
    resolver = resolver or Resolver(organization)
    result, status, cached, pending = extract_for_article(article, organization, context, options)
    return _save(
        article,
        result,
        status,
        cached=cached,
        llm_pending=pending,
        resolver=resolver,
        context=context,
    )


def reports_analyse(
    *, article_ids: Iterable[int], options: AnalysisOptions | None = None
) -> list[Report]:
    """Analyse several articles; one bad article never stops the batch."""
    options = options or AnalysisOptions()
    reports: list[Report] = []
    contexts: dict[int, tuple[ExtractionContext, Resolver]] = {}
    # Compiled once per organization for the whole batch, not once per article.
    rules: dict[int, list[CompiledRule]] = {}
    articles = Article.objects.filter(pk__in=list(article_ids)).select_related("organization")
    for article in articles.order_by("id"):
        if article.organization_id not in contexts:
            contexts[article.organization_id] = (
                build_context(article.organization),
                Resolver(article.organization),
            )
        context, resolver = contexts[article.organization_id]
        if article.organization_id not in rules:
            rules[article.organization_id] = compiled_rules(article.organization_id, options.job_id)
        try:
            report = report_analyse(
                article=article,
                options=options,
                context=context,
                resolver=resolver,
                rules=rules[article.organization_id],
            )
        except (*DATABASE_OUTAGE_ERRORS, SoftTimeLimitExceeded):
            # The database is away, or the run's time limit struck here: not the article at
            # fault, so no "failed" report; the caller retries the batch, gives up or times out.
            raise
        except Exception as exc:
            logger.exception("Analysis of article %s failed", article.pk)
            # The resolver may hold brands of the rolled-back transaction: start afresh.
            contexts.pop(article.organization_id, None)
            report = _save_failure(article, exc)
        if report is not None:
            reports.append(report)
    return reports
