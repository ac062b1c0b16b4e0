"""Request middleware of the monitoring app: /healthz, /readyz and /metrics before everything
that needs a session, and the organization on every log record of a request."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from marketing_hunting.logging import bind, unbind


class LogContextMiddleware:
    """Runs after ``CurrentOrganizationMiddleware``, which sets ``request.organization``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        organization = getattr(request, "organization", None)
        tokens = bind(organization_id=organization.pk if organization is not None else None)
        try:
            return self.get_response(request)
        finally:
            unbind(tokens)


class HealthCheckMiddleware:
    """Answers ``/healthz``, ``/readyz`` and ``/metrics`` before sessions, authentication and the
    organization are loaded.

    Those read the database for any request that carries a session cookie, so during a
    database outage a monitor with a cookie got a 500 from them instead of the health check's
    503 naming the database. Placed right after the security and static-file middleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.paths = {
            reverse("healthz"): "healthz",
            reverse("readyz"): "readyz",
            reverse("metrics"): "metrics",
        }

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name = self.paths.get(request.path)
        if name is not None:
            from monitoring import views

            request.answered_by = name  # type: ignore[attr-defined]  # the metrics' view label
            return getattr(views, name)(request)
        return self.get_response(request)
