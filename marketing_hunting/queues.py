"""Celery queues per kind of work, and which task goes to which.

A worker started without ``-Q`` consumes every queue below (``make run`` does that), so one
worker still runs everything. In production, workers are started per queue
(docs/deployment.md, "Workers per queue"), so a backlog of one kind of work (a burst of
page fetching, a slow LLM) never delays another: above all, the stuck-run sweep and the
other beat-driven maintenance run on their own worker.

Every task the project registers must have a route here; a test fails for one without, so a
new task cannot silently land on the default queue.
"""

from typing import Any

from kombu import Queue

INGEST = "ingest"  # feeds and article pages: network-bound
ANALYSIS = "analysis"  # rules-only analysis and exports: CPU- and database-bound
LLM = "llm"  # analysis that waits on the LLM provider (rate-limited, costly)
DISCOVERY = "discovery"  # contact discovery: web search and brands' sites
MAIL = "mail"  # digests and notifications: alert emails and webhook calls
MAINTENANCE = "maintenance"  # beat-driven sweeps, purges, clean-ups, dispatchers: short
DEFAULT = "celery"  # Celery's default: nothing of ours is routed here

QUEUES = [INGEST, ANALYSIS, LLM, DISCOVERY, MAIL, MAINTENANCE]

ROUTES: dict[str, str] = {
    "feeds.refresh_feed": INGEST,
    "feeds.extract_articles": INGEST,
    # A job run fetches its feeds and pages (and analyses what it found in the same task).
    "jobs.run_execution": INGEST,
    "reports.analyse_llm_pending": LLM,
    # Economy batches: requests to the LLM provider, and applying its answers.
    "reports.run_llm_batches": LLM,
    "reports.run_export": ANALYSIS,
    # Recounting an organization's mention roll-ups reads its whole history: minutes, not the
    # maintenance queue's seconds.
    "reports.rebuild_rollups": ANALYSIS,
    "reports.repair_rollups": ANALYSIS,
    # A merge's or an industry change's story recount: seconds to a minute, off the request.
    "reports.recount_stories": ANALYSIS,
    # The export of an organization being deleted, its erasure, and retention purges: they
    # read or delete a whole organization's rows, minutes rather than seconds.
    "accounts.build_deletion_export": ANALYSIS,
    "accounts.erase_due_organizations": ANALYSIS,
    "accounts.apply_retention": ANALYSIS,
    "contacts.discover_brand": DISCOVERY,
    "reports.send_alert_delivery": MAIL,
    "monitoring.send_operator_delivery": MAIL,
    "reports.send_digest_delivery": MAIL,
    "billing.send_webhook_delivery": MAIL,
    # Reads mentions per rule: short, and alerts should not wait behind a page-fetch backlog.
    "reports.evaluate_alerts": MAINTENANCE,
    # Beat-driven and short: each finds work and enqueues it, or sweeps and purges.
    "feeds.refresh_due_feeds": MAINTENANCE,
    "jobs.run_scheduled_job": MAINTENANCE,
    "jobs.sweep_stuck_executions": MAINTENANCE,
    "monitoring.purge_old_log_entries": MAINTENANCE,
    # Operator alerts: every minute, and must not wait behind an ingest or analysis backlog.
    "monitoring.evaluate_operator_alerts": MAINTENANCE,
    "reports.analyse_unreported": MAINTENANCE,
    "reports.clean_up_exports": MAINTENANCE,
    "contacts.expire_suggestions": MAINTENANCE,
    "contacts.refresh_stale_suggestions": MAINTENANCE,
    "reports.send_due_alert_deliveries": MAINTENANCE,
    "reports.purge_old_alerts": MAINTENANCE,
    "reports.send_due_digests": MAINTENANCE,
    # Reads each limited organization's use (a few indexed counts) and mails the few warnings.
    "accounts.check_quota_warnings": MAINTENANCE,
    # Billing: closing yesterday's usage records (a few queries per organization), and the
    # sweep of webhook deliveries whose retry was lost.
    "billing.close_usage_days": MAINTENANCE,
    "billing.send_due_webhook_deliveries": MAINTENANCE,
}


def analysis_queue(use_llm: bool) -> str:
    """LLM analysis waits on the provider; rules-only analysis keeps a CPU busy."""
    from reports.extractors.llm import llm_configured

    return LLM if use_llm and llm_configured() else ANALYSIS


def route_task(
    name: str, args: Any, kwargs: Any, options: dict[str, Any], task: Any = None, **_: Any
) -> dict[str, str] | None:
    """Celery's router (``task_routes``): the queue for one message."""
    if name == "reports.analyse_articles":
        use_llm = (kwargs or {}).get("use_llm", args[1] if args and len(args) > 1 else True)
        return {"queue": analysis_queue(bool(use_llm))}
    queue = ROUTES.get(name)
    return {"queue": queue} if queue else None


def task_queues() -> list[Queue]:
    """Declared queues: a worker without ``-Q`` consumes them all (and the default)."""
    return [Queue(name, routing_key=name) for name in [*QUEUES, DEFAULT]]
