"""Keyword rules: writing them, compiling the ones that apply, and gating analysis with them.

Rules decide which articles are analysed at all. They never delete anything: changing or
removing a rule affects the next analysis (or a re-analysis), not reports already made.
"""

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from accounts.models import Organization
from feeds.models import Article
from jobs.models import Job
from reports.keyword_rules import CompiledRule, Document, QueryError

__all__ = [
    "CompiledRule",
    "compiled_rules",
    "exclusion_savings",
    "first_failing_rule",
    "keyword_rule_create",
    "keyword_rule_delete",
    "keyword_rule_preview",
    "keyword_rule_set_enabled",
    "keyword_rule_update",
]
from reports.models import KeywordRule, Report, ReportStatus

logger = logging.getLogger(__name__)

PREVIEW_ARTICLES = 500
PREVIEW_TITLES = 5


def _validated(rule: KeywordRule) -> KeywordRule:
    rule.name = rule.name.strip()
    rule.include = rule.include.strip()
    rule.exclude = rule.exclude.strip()
    rule.full_clean()  # Field limits, the unique name, and both expressions (KeywordRule.clean).
    return rule


@transaction.atomic
def keyword_rule_create(
    *,
    organization: Organization,
    name: str,
    include: str = "",
    exclude: str = "",
    enabled: bool = True,
    job: Job | None = None,
) -> KeywordRule:
    rule = _validated(
        KeywordRule(
            organization=organization,
            name=name,
            include=include,
            exclude=exclude,
            enabled=enabled,
            job=job,
        )
    )
    rule.save()
    return rule


@transaction.atomic
def keyword_rule_update(
    *,
    rule: KeywordRule,
    name: str,
    include: str,
    exclude: str,
    enabled: bool,
    job: Job | None,
) -> KeywordRule:
    before = (rule.name, rule.include, rule.exclude, rule.enabled, rule.job_id)
    rule.name, rule.include, rule.exclude, rule.enabled, rule.job = (
        name,
        include,
        exclude,
        enabled,
        job,
    )
    try:
        _validated(rule)
    except ValidationError:
        # The caller's object must not keep values that were refused.
        rule.name, rule.include, rule.exclude, rule.enabled, rule.job_id = before
        raise
    rule.save(update_fields=["name", "include", "exclude", "enabled", "job", "updated_at"])
    return rule


@transaction.atomic
def keyword_rule_set_enabled(*, rule: KeywordRule, enabled: bool) -> KeywordRule:
    rule.enabled = enabled
    rule.save(update_fields=["enabled", "updated_at"])
    return rule


@transaction.atomic
def keyword_rule_delete(*, rule: KeywordRule) -> None:
    # Reports it excluded keep the rule's name (excluded_rule_name); their link becomes null.
    rule.delete()


def compiled_rules(organization_id: int, job_id: int | None = None) -> list[CompiledRule]:
    """The enabled rules an article of this organization must pass: organization-wide ones
    first, then the job's. A stored rule that no longer parses (edited outside the app) is
    skipped with a warning rather than blocking every article."""
    scope = Q(job__isnull=True)
    if job_id is not None:
        scope |= Q(job_id=job_id)
    rows = KeywordRule.objects.filter(scope, organization_id=organization_id, enabled=True)
    compiled: list[CompiledRule] = []
    # Organization-wide rules (no job) first on every database: PostgreSQL sorts NULL last.
    for rule in rows.order_by(F("job_id").asc(nulls_first=True), "name"):
        try:
            compiled.append(
                CompiledRule.compile(
                    include=rule.include, exclude=rule.exclude, name=rule.name, rule_id=rule.pk
                )
            )
        except QueryError as error:
            logger.warning("Keyword rule %s is malformed and was skipped: %s", rule.pk, error)
    return compiled


def first_failing_rule(rules: list[CompiledRule], title: str, text: str) -> CompiledRule | None:
    if not rules:
        return None
    document = Document.from_article(title, text)
    return next((rule for rule in rules if not rule.passes(document)), None)


@dataclass
class RulePreview:
    matched: int
    total: int
    titles: list[str]

    @property
    def excluded(self) -> int:
        return self.total - self.matched


def keyword_rule_preview(
    *, organization: Organization, include: str, exclude: str, job: Job | None = None
) -> RulePreview:
    """How a rule being edited would have judged the organization's latest articles (those of
    the job's feeds for a job rule). Raises QueryError for a malformed expression."""
    rule = CompiledRule.compile(include=include, exclude=exclude)
    articles = Article.objects.filter(organization=organization, duplicate_of__isnull=True)
    if job is not None and job.feeds.exists():
        articles = articles.filter(feeds__in=job.feeds.all()).distinct()
    rows = articles.order_by("-id").values_list("title", "text", "summary")[:PREVIEW_ARTICLES]
    matched, titles = 0, []
    for title, text, summary in rows:
        # The text analysis would read (Article.display_text): the summary when none was extracted.
        if rule.passes(Document.from_article(title, text or summary)):
            matched += 1
            if len(titles) < PREVIEW_TITLES:
                titles.append(title or "(untitled)")
    return RulePreview(matched=matched, total=len(rows), titles=titles)


@dataclass
class ExclusionSavings:
    articles: int
    tokens: int
    cost: Decimal


def exclusion_savings(organization: Organization) -> ExclusionSavings:
    """Articles kept from analysis this month and the LLM cost that saved (estimated)."""
    today = timezone.localdate()
    start = today.replace(day=1)
    totals = Report.objects.filter(
        organization=organization, status=ReportStatus.EXCLUDED, analysed_at__date__gte=start
    ).aggregate(articles=Count("id"), tokens=Sum("tokens_saved"), cost=Sum("cost_saved"))
    return ExclusionSavings(
        articles=totals["articles"] or 0,
        tokens=totals["tokens"] or 0,
        cost=totals["cost"] or Decimal(0),
    )
