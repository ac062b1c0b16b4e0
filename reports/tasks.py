"""Celery tasks for reports: thin adapters around the analysis service."""

import logging
from datetime import datetime, timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils import timezone

from accounts.llm_connection import own_connection_organizations
from accounts.models import Organization
from feeds.models import Article, ArticleStatus
from reports.exports.services import export_fail, export_run, exports_clean_up
from reports.extractors.llm import llm_configured
from reports.models import Report
from reports.services.analyse import AnalysisOptions, reports_analyse
from reports.services.usage import llm_quota_reached

logger = logging.getLogger(__name__)

PENDING_BATCH = 100
# The safety net runs every 10 minutes: two days give a lost analysis ~290 chances, even
# through a long worker outage, while the query stays bounded by two days of ingest.
UNREPORTED_WINDOW = timedelta(days=2)


@shared_task(name="reports.analyse_articles", acks_late=True, soft_time_limit=20 * 60)
def analyse_articles(article_ids: list[int], use_llm: bool = True) -> int:
    # Redelivery is harmless: articles that already have a report are skipped.
    return len(reports_analyse(article_ids=article_ids, options=AnalysisOptions(use_llm=use_llm)))


@shared_task(name="reports.analyse_llm_pending", soft_time_limit=20 * 60)
def analyse_llm_pending(organization_id: int | None = None) -> int:
    """Give the LLM the articles the rules analysed while it was unavailable or over quota."""
    pending = Report.objects.filter(llm_pending=True)
    if not llm_configured():
        # Only organizations with their own connection have an LLM to go back to.
        pending = pending.filter(organization_id__in=own_connection_organizations())
    if organization_id is not None:
        pending = pending.filter(organization_id=organization_id)
    # Organizations still over a monthly LLM limit (tokens, articles) would only be analysed
    # by the rules again: theirs wait for the month to turn.
    over_quota = [
        organization.pk
        for organization in Organization.objects.filter(
            pk__in=pending.values("organization_id").distinct()
        ).select_related("plan")
        if llm_quota_reached(organization) is not None
    ]
    pending = pending.exclude(organization_id__in=over_quota)
    ids = list(pending.order_by("id").values_list("article_id", flat=True)[:PENDING_BATCH])
    if not ids:
        return 0
    reports = reports_analyse(article_ids=ids, options=AnalysisOptions(reanalyse=True))
    return len(reports)


@shared_task(name="reports.run_llm_batches", soft_time_limit=20 * 60)
def run_llm_batches() -> dict[str, int]:
    """Economy analysis: poll and apply the open batches, submit the queued articles. A
    second run at once does no harm: every item is claimed before it is sent or applied."""
    from reports.economy.services import llm_batches_run

    summary = llm_batches_run()
    return {
        "polled": summary.polled,
        "applied": summary.applied,
        "failed": summary.failed,
        "submitted": len(summary.submitted),
    }


def unreported_article_ids(*, now: datetime | None = None, limit: int = PENDING_BATCH) -> list[int]:
    """Articles extracted within UNREPORTED_WINDOW that have no report: their task was lost.

    It reads only the window's articles, from article_status_fetched_idx (``fetched_at`` is
    when extraction claimed the article, moments before it was extracted). It once read every
    extracted article of the installation, every 10 minutes, to find the few without a
    report. An article whose analysis was lost longer ago than the window is picked up by the
    next run of a job that reads its feed (jobs.services.run, leftovers).
    """
    since = (now or timezone.now()) - UNREPORTED_WINDOW
    unreported = Article.objects.filter(
        status__in=[ArticleStatus.EXTRACTED, ArticleStatus.FAILED],
        fetched_at__gte=since,
        report__isnull=True,
        # Written as NOT (... IS NOT NULL): as "IS NULL", SQLite (no statistics) walked the
        # duplicate_of index, which holds nearly every article, instead of the window.
    ).exclude(duplicate_of__isnull=False)
    return list(unreported.order_by("id").values_list("id", flat=True)[:limit])


@shared_task(name="reports.analyse_unreported")
def analyse_unreported() -> int:
    """Safety net: recently extracted articles without a report (a lost task) are analysed."""
    ids = unreported_article_ids()
    if ids:
        analyse_articles.delay(ids)
    return len(ids)


# Writing 50,000 rows takes well under a minute; the limit only stops a runaway export, and
# stays below Redis' visibility timeout.
EXPORT_SOFT_TIME_LIMIT = 30 * 60


# acks_late: an export lost with its worker is delivered again; the claim makes a second
# delivery a no-op, and the clean-up fails exports that never finish.
@shared_task(
    name="reports.run_export",
    acks_late=True,
    soft_time_limit=EXPORT_SOFT_TIME_LIMIT,
    time_limit=EXPORT_SOFT_TIME_LIMIT + 60,
)
def run_export(export_id: int) -> str | None:
    try:
        export = export_run(export_id=export_id)
    except SoftTimeLimitExceeded:
        minutes = EXPORT_SOFT_TIME_LIMIT // 60
        export_fail(
            export_id=export_id,
            message=f"The export took longer than {minutes} minutes and was stopped; narrow "
            "the range or the filters and export again.",
        )
        return "stopped"
    except Exception:
        export_fail(
            export_id=export_id,
            message="An unexpected error stopped the export; operators can find it in the logs.",
        )
        raise
    return export.status if export else None


@shared_task(name="reports.clean_up_exports")
def clean_up_exports() -> int:
    done = exports_clean_up()
    if done.failed:
        logger.warning("Failed %d exports that never finished", done.failed)
    return done.expired


# --- Alerts (reports.alerts) ---------------------------------------------------------------------


@shared_task(name="reports.evaluate_alerts", soft_time_limit=10 * 60)
def evaluate_alerts(organization_id: int | None = None) -> int:
    """Beat (every 5 minutes) and right after an analysis: raise what the
    rules say. Running it twice is harmless (the rule is locked, then the cool-down holds)."""
    from reports.alerts.services import alerts_evaluate

    return len(alerts_evaluate(organization_id=organization_id))


@shared_task(name="reports.send_alert_delivery", acks_late=True, soft_time_limit=60)
def send_alert_delivery(delivery_id: int) -> str | None:
    """One email or webhook call; the claim makes a redelivered message a no-op."""
    from reports.alerts.delivery import delivery_attempt

    delivery = delivery_attempt(delivery_id=delivery_id)
    return delivery.status if delivery else None


@shared_task(name="reports.send_due_alert_deliveries")
def send_due_alert_deliveries() -> int:
    """Safety net: deliveries whose retry message was lost, or whose worker died mid-send."""
    from reports.alerts.delivery import deliveries_due, enqueue_deliveries

    ids = deliveries_due()
    enqueue_deliveries(ids)
    return len(ids)


@shared_task(name="reports.purge_old_alerts")
def purge_old_alerts() -> int:
    """Enforces ALERT_RETENTION_DAYS on alerts, their notifications and deliveries."""
    from reports.alerts.services import alerts_purge

    return alerts_purge(older_than_days=settings.ALERT_RETENTION_DAYS)


# --- Digests (reports.digests) -------------------------------------------------------------------


@shared_task(name="reports.send_due_digests")
def send_due_digests() -> int:
    """Beat, every minute: deliveries for the subscriptions whose local send time has come,
    and the safety net for deliveries whose retry message or worker was lost."""
    from reports.digests.services import deliveries_due, digests_dispatch, enqueue_deliveries

    created = digests_dispatch()
    due = [pk for pk in deliveries_due() if pk not in set(created)]
    enqueue_deliveries(due)
    return len(created) + len(due)


# Rendering charts and a PDF takes seconds; the limit stops a runaway one well before Redis'
# visibility timeout.
@shared_task(name="reports.send_digest_delivery", acks_late=True, soft_time_limit=120)
def send_digest_delivery(delivery_id: int) -> str | None:
    """One digest email; the claim makes a redelivered message a no-op."""
    from reports.digests.services import delivery_attempt

    delivery = delivery_attempt(delivery_id=delivery_id)
    return delivery.status if delivery else None


@shared_task(name="reports.rebuild_rollups", acks_late=True, soft_time_limit=30 * 60)
def rebuild_rollups(organization_id: int) -> int:
    """After a change of time zone. Idempotent: a redelivery counts the same rows again."""
    from reports.rollups.services import rollup_rebuild

    organization = Organization.objects.filter(pk=organization_id).first()
    return rollup_rebuild(organization=organization) if organization else 0


@shared_task(name="reports.repair_rollups", soft_time_limit=30 * 60)
def repair_rollups() -> int:
    """The nightly safety net: roll-ups missing or in an old time zone are rebuilt, and the
    last days that differ from the mention rows are counted again."""
    from reports.rollups.services import rollups_repair

    return sum(rollups_repair().values())
