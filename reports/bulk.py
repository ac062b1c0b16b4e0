"""Bulk actions on reports and brands (the console, reports/admin.py): re-analyse in place and
delete reports; mark brands tracked or ignored.

Identity is sacred: a report people worked on (a reviewed mention, feedback on its mentions,
an email draft citing it) is what those reviews and drafts point at, so it is never deleted
here; re-analysis keeps its identity instead. Everything else goes with its mentions and
earlier analyses, and the article stays (a later run of a job reading its feed analyses it
again, as a new report).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest

from contacts.models import EmailDraft
from monitoring.admin_bulk import BulkAction, Outcome, one_by_one
from reports.models import (
    Brand,
    BrandStatus,
    FeedbackEvent,
    Mention,
    Report,
    ReportStatus,
    ReportVersion,
    ReviewStatus,
)
from reports.services import feedback

HAS_REVIEWS = "kept: people reviewed its mentions (re-analyse it instead)"
HAS_FEEDBACK = "kept: feedback was given on its mentions (re-analyse it instead)"
HAS_DRAFTS = "kept: an email draft cites it (re-analyse it instead)"


def _count(queryset: QuerySet, link: str) -> Coalesce:
    # One subquery per kind: counting through joins would multiply them together.
    counted = (
        queryset.filter(**{link: OuterRef("pk")})
        .order_by()
        .values(link)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_dependants(queryset: QuerySet[Report]) -> QuerySet[Report]:
    """What points at each report, counted for the delete rule and the confirmation."""
    return queryset.annotate(
        mention_count=_count(Mention.objects.all(), "report"),
        reviewed_count=_count(
            Mention.objects.exclude(review_status=ReviewStatus.UNREVIEWED), "report"
        ),
        feedback_count=_count(FeedbackEvent.objects.all(), "mention__report"),
        draft_count=_count(EmailDraft.objects.all(), "report"),
        version_count=_count(ReportVersion.objects.all(), "report"),
    )


def delete_refusal(report: Any) -> Outcome:
    """Why this report (annotated by ``with_dependants``) must be kept, or ''."""
    if report.draft_count:
        return HAS_DRAFTS
    if report.reviewed_count:
        return HAS_REVIEWS
    if report.feedback_count:
        return HAS_FEEDBACK
    return ""


def report_label(report: Any) -> str:
    return f"“{report.article.title}” (report {report.pk})"


def _plural(n: int, word: str, words: str) -> str:
    return f"{n} {word if n == 1 else words}"


def _delete_will(report: Any) -> str:
    return (
        f"deleted with {_plural(report.mention_count, 'mention', 'mentions')} and "
        f"{_plural(report.version_count, 'earlier analysis', 'earlier analyses')}"
    )


def _delete(request: HttpRequest, reports: list[Any]) -> dict[Any, Outcome]:
    # Checked again at the moment of deleting: a review or a draft may have come meanwhile.
    still = {
        r.pk: r for r in with_dependants(Report.objects.filter(pk__in=[r.pk for r in reports]))
    }
    outcomes = {
        r.pk: delete_refusal(still[r.pk]) if r.pk in still else "already deleted" for r in reports
    }
    Report.objects.filter(pk__in=[pk for pk, reason in outcomes.items() if not reason]).delete()
    return outcomes


DELETE_REPORTS = BulkAction(
    name="delete_reports",
    verb="Delete",
    done="deleted",
    singular="report",
    plural="reports",
    will=_delete_will,
    plan=delete_refusal,
    apply_many=_delete,
    consequence="A report is deleted with its mentions and earlier analyses. Reports people "
    "worked on (reviewed mentions, feedback, email drafts citing them) are kept: the reviews "
    "and drafts point at them; re-analyse those instead. The articles stay: a later run of a "
    "job reading their feeds analyses them again, as new reports.",
    danger=True,
    log_deletions=True,
    label=report_label,
)


def _reanalyse(request: HttpRequest, reports: list[Any]) -> dict[Any, Outcome]:
    # Imported here: the analysis pulls in the extractors, which the admin otherwise does
    # not need at start-up.
    from reports.services.analyse import AnalysisOptions, reports_analyse

    made = reports_analyse(
        article_ids=[r.article_id for r in reports], options=AnalysisOptions(reanalyse=True)
    )
    by_article = {report.article_id: report for report in made}
    outcomes: dict[Any, Outcome] = {}
    for report in reports:
        again = by_article.get(report.article_id)
        if again is None:
            outcomes[report.pk] = "the article has no text to analyse"
        elif again.status == ReportStatus.FAILED:
            outcomes[report.pk] = "the analysis failed (see the report's error)"
        else:
            outcomes[report.pk] = ""
    return outcomes


REANALYSE_REPORTS = BulkAction(
    name="reanalyse",
    verb="Re-analyse",
    done="re-analysed",
    singular="report",
    plural="reports",
    will=lambda report: "analysed again in place",
    plan=lambda report: "",
    apply_many=_reanalyse,
    label=report_label,
    consequence="Each report is analysed again with today's extractor, rules and brands. It "
    "keeps its address, reviews, feedback and the drafts citing it; what it said before is "
    "kept as an earlier analysis. With the LLM, this uses tokens of each organization's "
    "quota.",
)


# --- Brands ----------------------------------------------------------------------------------


def _brand_status(status: str, done: str) -> BulkAction:
    def apply(request: HttpRequest, brand: Brand) -> Outcome:
        # Through the service: the change is recorded in the brand's feedback history.
        feedback.brand_update(
            brand=brand,
            actor=request.user,
            name=brand.name,
            status=status,
            industry=brand.industry,
            website=brand.website,
        )
        return ""

    return BulkAction(
        name=f"mark_{status}",
        verb=f"Mark {done}",
        done=f"marked {done}",
        singular="brand",
        plural="brands",
        will=lambda brand: f"{brand.get_status_display().lower()} → {done}",
        plan=lambda brand: f"already {done}" if brand.status == status else "",
        apply_many=one_by_one(apply),
        consequence=(
            "Tracked brands are found by the rules extractor too and lead the dashboard. Each "
            "change is kept in the brand's feedback history."
            if status == BrandStatus.TRACKED
            else "An ignored brand is still recognised, so it never comes back as a discovery, "
            "but the next analyses leave it out; past mentions are kept. Each change is kept "
            "in the brand's feedback history."
        ),
    )


MARK_TRACKED = _brand_status(BrandStatus.TRACKED, "tracked")
MARK_IGNORED = _brand_status(BrandStatus.IGNORED, "ignored")
