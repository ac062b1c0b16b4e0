"""Series read when Prometheus scrapes: the state of things, not counts of events.

Queue lengths, circuit breakers, paused providers, the log collector's lag, runs waiting or
running (and those past their heartbeat), and how long ago each process last beat. They are
read from the broker, Redis and the database at scrape time, so they are right whichever
process answers ``/metrics`` and after any restart. A part that cannot be read is left out
and counted in ``mh_metrics_read_errors`` (one per part), so the rest still arrives.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)


def _queues() -> Iterator[Metric]:
    from monitoring.system_health import declared_queues, queue_lengths

    family = GaugeMetricFamily(
        "mh_queue_messages", "Messages waiting in a broker queue.", labels=["queue"]
    )
    for queue, length in sorted(queue_lengths(sorted(declared_queues())).items()):
        family.add_metric([queue], length)
    yield family


def _breakers() -> Iterator[Metric]:
    from resilience import OPENAI, SEARCH, breaker_states, provider_disabled

    open_ = GaugeMetricFamily(
        "mh_circuit_breaker_open",
        "1 while a circuit breaker refuses calls (open and cooling down), else 0.",
        labels=["kind", "name"],
    )
    failures = GaugeMetricFamily(
        "mh_circuit_breaker_failures",
        "Consecutive failures a circuit breaker has counted.",
        labels=["kind", "name"],
    )
    for breaker in breaker_states():
        open_.add_metric([breaker.kind, breaker.name], 1 if breaker.refusing else 0)
        failures.add_metric([breaker.kind, breaker.name], breaker.failures)
    paused = GaugeMetricFamily(
        "mh_provider_paused",
        "1 while a provider is paused for every worker (quota reached), else 0.",
        labels=["provider"],
    )
    for provider in (OPENAI, SEARCH):
        paused.add_metric([provider], 1 if provider_disabled(provider) else 0)
    yield from (open_, failures, paused)


def _collector() -> Iterator[Metric]:
    from monitoring.collector import collector_status

    status = collector_status()
    if not status or "unreachable" in status:
        return  # Never reported, or Redis is down: no figure rather than a wrong one.
    yield GaugeMetricFamily(
        "mh_log_collector_lag_seconds",
        "How far the log collector is behind the newest log record.",
        value=float(status.get("lag_seconds") or 0),
    )
    age = timezone.now().timestamp() - float(status.get("updated_at", 0))
    yield GaugeMetricFamily(
        "mh_log_collector_report_age_seconds",
        "Seconds since the log collector last reported (it reports every few seconds).",
        value=max(age, 0.0),
    )


def _executions() -> Iterator[Metric]:
    from jobs.models import ACTIVE_STATUSES, ExecutionStatus, JobExecution

    stale = timezone.now() - timedelta(seconds=settings.STUCK_AFTER_SECONDS)
    counts = JobExecution.objects.filter(status__in=ACTIVE_STATUSES).aggregate(
        queued=Count("id", filter=Q(status=ExecutionStatus.QUEUED)),
        running=Count("id", filter=Q(status=ExecutionStatus.RUNNING)),
        # The sweep's own test, with the installation's default (a job may set its own).
        stuck=Count(
            "id",
            filter=Q(status=ExecutionStatus.RUNNING)
            & (Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True, started_at__lt=stale)),
        ),
    )
    family = GaugeMetricFamily(
        "mh_job_executions_active", "Job runs queued or running now.", labels=["status"]
    )
    family.add_metric(["queued"], counts["queued"])
    family.add_metric(["running"], counts["running"])
    yield family
    yield GaugeMetricFamily(
        "mh_job_executions_stuck",
        "Running job runs with no heartbeat for STUCK_AFTER_SECONDS (the sweep fails them).",
        value=counts["stuck"],
    )


def _heartbeats() -> Iterator[Metric]:
    from monitoring.models import ProcessHeartbeat

    now = timezone.now()
    family = GaugeMetricFamily(
        "mh_process_heartbeat_age_seconds",
        "Seconds since each running web, worker, beat or collector process last beat.",
        labels=["role", "name"],
    )
    rows = ProcessHeartbeat.objects.filter(
        stopped_at__isnull=True, seen_at__gte=now - timedelta(days=1)
    ).values_list("role", "name", "seen_at")
    for role, name, seen_at in rows:
        family.add_metric([role, name], max((now - seen_at).total_seconds(), 0.0))
    yield family


PARTS: dict[str, Callable[[], Iterator[Metric]]] = {
    "queues": _queues,
    "breakers": _breakers,
    "collector": _collector,
    "executions": _executions,
    "heartbeats": _heartbeats,
}


class StateCollector(Collector):
    """The scrape-time series above, each part guarded."""

    def collect(self) -> Iterator[Metric]:
        errors = GaugeMetricFamily(
            "mh_metrics_read_errors",
            "1 when a part of the scrape-time series could not be read this time.",
            labels=["part"],
        )
        for part, read in PARTS.items():
            try:
                metrics = list(read())
            except Exception as exc:  # One unreadable part must not empty the scrape.
                logger.warning("Metrics: %s could not be read: %s", part, exc)
                errors.add_metric([part], 1)
                continue
            errors.add_metric([part], 0)
            yield from metrics
        yield errors
