"""Prometheus metrics: what the app counts as it works, shared by every process.

Web servers (uvicorn runs several workers), Celery workers and their children all count into
one folder, ``METRICS_DIR`` (prometheus-client's multiprocess mode: one memory-mapped file per
process and metric type); ``/metrics`` adds them up (``monitoring.metrics_view``). What can be
read at scrape time instead of counted — queue lengths, breakers, executions by status, the
collector's lag — is read then (``monitoring.metrics_collector``), never kept as a gauge here:
a gauge in a file outlives the process that set it.

Files are named by host and process id, not by process id alone: in the compose deployment
every container starts its processes with the same small pids and all share ``var/``.
A dead process's counters stay in its files and keep counting in the totals, so a counter
never goes backwards when a worker restarts; delete the folder only with every process stopped.

Labels are small, fixed sets (a view's name, a provider, an outcome): never an organization,
a URL or a brand, or the number of series would grow without bound.
"""

from __future__ import annotations

import os
import socket
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from prometheus_client import Counter, Histogram, values

_HOST = socket.gethostname()


def _process_identifier() -> str:
    # Called on every increment (prometheus-client checks for a fork): no system call for the
    # host name here.
    return f"{_HOST}-{os.getpid()}"


def _prepare() -> None:
    folder = Path(settings.METRICS_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    # prometheus-client reads the folder from the environment when a series is first used.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    values.ValueClass = values.MultiProcessValue(process_identifier=_process_identifier)


_prepare()

# Request latency: seconds from the first middleware to the response (the body of a streamed
# response is not included). Buckets from 5 ms to 10 s: pages, htmx fragments and exports.
REQUEST_SECONDS = Histogram(
    "mh_http_request_duration_seconds",
    "Time to answer a request, by view.",
    ["view", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=None,
)
FEED_FETCHES = Counter(
    "mh_feed_fetches_total",
    "Feed downloads, by outcome (ok, not_modified, failed).",
    ["outcome"],
    registry=None,
)
ARTICLE_PAGES = Counter(
    "mh_article_pages_total",
    "Article pages read, by outcome (extracted, fetch_failed, http_error, not_html, "
    "extraction_error, no_text).",
    ["outcome"],
    registry=None,
)
PROVIDER_CALLS = Counter(
    "mh_provider_calls_total",
    "Calls to outside services (LLM, search APIs) after retries, by provider and outcome.",
    ["provider", "endpoint", "outcome"],
    registry=None,
)
PROVIDER_REQUESTS = Counter(
    "mh_provider_requests_total",
    "Requests sent to outside services, retries included.",
    ["provider", "endpoint"],
    registry=None,
)
LLM_TOKENS = Counter(
    "mh_llm_tokens_total",
    "LLM tokens used, by model and direction (in, out).",
    ["model", "direction"],
    registry=None,
)
LLM_COST = Counter(
    "mh_llm_cost_usd_total",
    "Estimated LLM cost in USD (LLM_PRICES), by model.",
    ["model"],
    registry=None,
)
LLM_CACHE_HITS = Counter(
    "mh_llm_cache_hits_total",
    "Analyses answered from the LLM answer cache instead of a call.",
    registry=None,
)
JOB_EXECUTIONS = Counter(
    "mh_job_executions_finished_total",
    "Job runs that ended, by status (succeeded, partial, failed, cancelled, timed_out).",
    ["status"],
    registry=None,
)
JOB_SWEPT = Counter(
    "mh_job_executions_swept_total",
    "Job runs failed by the stuck-job sweep (no heartbeat, or lost by every worker).",
    registry=None,
)


def enabled() -> bool:
    return bool(settings.METRICS_ENABLED)


def observe_request(view: str, method: str, status: int, seconds: float) -> None:
    if enabled():
        REQUEST_SECONDS.labels(view, method, f"{status // 100}xx").observe(seconds)


def count_feed_fetch(outcome: str) -> None:
    if enabled():
        FEED_FETCHES.labels(outcome).inc()


def count_article_page(outcome: str) -> None:
    if enabled():
        ARTICLE_PAGES.labels(outcome).inc()


def count_provider_call(provider: str, endpoint: str, outcome: str, requests: int) -> None:
    if not enabled():
        return
    PROVIDER_CALLS.labels(provider, endpoint or "-", outcome).inc()
    if requests:
        PROVIDER_REQUESTS.labels(provider, endpoint or "-").inc(requests)


def count_llm_usage(
    model: str, tokens_in: int, tokens_out: int, cost: Decimal | float, *, cached: bool = False
) -> None:
    if not enabled():
        return
    if cached:
        LLM_CACHE_HITS.inc()
        return
    model = model or "unknown"
    LLM_TOKENS.labels(model, "in").inc(max(tokens_in, 0))
    LLM_TOKENS.labels(model, "out").inc(max(tokens_out, 0))
    LLM_COST.labels(model).inc(float(cost))


def count_job_execution(status: str) -> None:
    if enabled():
        JOB_EXECUTIONS.labels(status).inc()


def count_job_swept() -> None:
    """A run the sweep failed: one more failed run, and one more found stuck."""
    if enabled():
        JOB_SWEPT.inc()
        JOB_EXECUTIONS.labels("failed").inc()
