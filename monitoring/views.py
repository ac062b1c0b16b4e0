from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from monitoring.health import run_checks


@login_not_required
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the broker answer; 503 naming the one that does not."""
    results = run_checks()
    failing = [result.name for result in results if not result.ok]
    payload = {
        "status": "ok" if not failing else "unavailable",
        "checks": {r.name: "ok" if r.ok else f"failing: {r.detail}" for r in results},
    }
    if failing:
        payload["failing"] = failing
    return JsonResponse(payload, status=503 if failing else 200)
