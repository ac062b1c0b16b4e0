"""``/metrics`` for Prometheus, and the middleware that times every request.

Access: a bearer token (``METRICS_TOKEN``) or a client address in
``METRICS_ALLOWED_NETWORKS`` (loopback by default). The series name queues, providers and
processes, never a user's data, but they still describe the installation: not for the world.
"""

from __future__ import annotations

import hmac
import ipaddress
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from monitoring import metrics
from monitoring.metrics_collector import StateCollector
from monitoring.metrics_exposition import render

REFUSED = (
    "Forbidden: /metrics answers a client with the bearer token (METRICS_TOKEN) or from an "
    "address in METRICS_ALLOWED_NETWORKS.\n"
)


@lru_cache(maxsize=8)
def _networks(
    spec: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header.removeprefix("Bearer ").strip(), token)
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(
        address in network for network in _networks(tuple(settings.METRICS_ALLOWED_NETWORKS))
    )


def metrics_page(request: HttpRequest) -> HttpResponse:
    if not metrics.enabled():
        raise Http404("Metrics are turned off (METRICS_ENABLED=false).")
    if not allowed(request):
        return HttpResponse(REFUSED, status=403, content_type="text/plain; charset=utf-8")
    registry = CollectorRegistry()
    registry.register(StateCollector())
    # Counted series from the files of every process, then the state read now.
    body = render(Path(settings.METRICS_DIR)).encode() + generate_latest(registry)
    response = HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response


class RequestMetricsMiddleware:
    """Times each request, labelled by the view that answered it (its URL name), not by path:
    ``/reports/123/`` and ``/reports/124/`` are one series. First in MIDDLEWARE, so the time
    includes every other middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        if metrics.enabled():
            metrics.observe_request(
                view_label(request),
                request.method or "-",
                response.status_code,
                time.perf_counter() - started,
            )
        return response


def view_label(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or "-"
    # Answered before URL resolution: health checks and /metrics (HealthCheckMiddleware),
    # static files (WhiteNoise); anything else did not match a URL.
    answered_by = getattr(request, "answered_by", "")
    if answered_by:
        return answered_by
    if request.path.startswith(settings.STATIC_URL or "/static/"):
        return "static"
    return "unmatched"
