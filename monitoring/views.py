from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from monitoring.collector import collector_status
from monitoring.forms import LogFilterForm
from monitoring.health import readiness_checks, run_checks
from monitoring.selectors import (
    health_summary,
    log_entries_filter,
    sees_all_logs,
    visible_log_entries,
)

LOGS_PER_PAGE = 50
MAX_PAGE = 200  # deep offsets get slow; narrow the filters instead


@login_not_required
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the web process answers. Touches neither the database nor the broker, so a
    dependency's outage never gets a healthy web process restarted (that is /readyz's news)."""
    return JsonResponse({"status": "ok"})


@login_not_required
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text format; a token or an allowed network (``monitoring.metrics_view``)."""
    from monitoring.metrics_view import metrics_page

    return metrics_page(request)


@login_not_required
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: database, broker, migrations applied, a worker seen in the last 2 minutes.

    200 when all pass, 503 otherwise; each check's status and reason in the body either way.
    """
    results = readiness_checks()
    failing = [result.name for result in results if not result.ok]
    payload: dict[str, object] = {
        "status": "ready" if not failing else "not ready",
        "checks": {result.name: result.as_json() for result in results},
    }
    if failing:
        payload["failing"] = failing
    return JsonResponse(payload, status=503 if failing else 200)


def log_list(request: HttpRequest) -> HttpResponse:
    """The Logs page: newest lines first, filtered; a "Logs health" panel on top."""
    visible = visible_log_entries(request)
    form = LogFilterForm(request.GET or None)
    entries = visible
    if form.is_valid():
        data = form.cleaned_data
        entries = log_entries_filter(
            visible,
            level=data["level"],
            since=data["since"],
            until=data["until"],
            execution_id=data["execution"],
            text=data["q"].strip(),
        )
    try:
        number = min(max(int(request.GET.get("page", 1)), 1), MAX_PAGE)
    except ValueError:
        number = 1
    offset = (number - 1) * LOGS_PER_PAGE
    # One row more than a page tells whether there is an older page, without a COUNT(*) over
    # what may be millions of rows.
    rows = list(
        entries.select_related("organization").order_by("-time", "-id")[
            offset : offset + LOGS_PER_PAGE + 1
        ]
    )
    return render(
        request,
        "monitoring/log_list.html",
        {
            "form": form,
            "entries": rows[:LOGS_PER_PAGE],
            "page_number": number,
            "has_previous": number > 1,
            "has_next": len(rows) > LOGS_PER_PAGE and number < MAX_PAGE,
            "sees_all": sees_all_logs(request.user),
            "health": health_summary(visible, collector_status()),
        },
    )


def service_status(request: HttpRequest) -> HttpResponse:
    """Operators' view of the outside world: health checks, circuit breakers, paused providers.

    Staff only: feed-host breakers name the hosts every organization reads.
    """
    if not request.user.is_staff:
        raise PermissionDenied("Only operators can see the service status.")
    from redis.exceptions import RedisError

    from resilience import OPENAI, breaker_states, provider_disabled

    try:
        breakers = sorted(breaker_states(), key=lambda b: (not b.refusing, b.kind, b.name))
        breaker_error = ""
    except RedisError:
        breakers, breaker_error = [], "Redis is not answering, so breaker states are unknown."
    return render(
        request,
        "monitoring/status.html",
        {
            "checks": run_checks(),
            "breakers": breakers,
            "breaker_error": breaker_error,
            "disabled": [d for d in [provider_disabled(OPENAI)] if d is not None],
        },
    )
