"""The API rate limiter's cost per request once plans drive it (issue #15 item 2).

Times ``api.ratelimit.check`` for one key of an organization: with the installation's budgets
(no plan) and with a plan's "API calls a minute" (the budgets read from the organization and
its plan, already loaded with the key: no query), each check against the real store (Redis
with ``REDIS_URL``, else the budget file). Budgets are high so every check is answered: the
price of an admitted request. Rounds alternate so load drifts hit both.

    REDIS_URL=redis://127.0.0.1:6379/9 .venv/bin/python benchmarks/ratelimit_plans.py
"""

from __future__ import annotations

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
if os.path.dirname(_HERE) not in sys.path:
    sys.path.insert(0, os.path.dirname(_HERE))

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=5000, help="checks per variant")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketing_hunting.settings")
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("SECRET_KEY", "benchmark")
    import django

    django.setup()
    from django.conf import settings

    from accounts.models import Organization, Plan
    from api import ratelimit

    settings.API_KEY_REQUESTS_PER_MINUTE = 10_000_000
    settings.API_ORG_REQUESTS_PER_MINUTE = 10_000_000
    # Unsaved rows: check() reads only their attributes, as it reads the key's loaded ones.
    planned = Organization(pk=900_001, name="Planned", plan=Plan(max_api_calls_per_minute=10**7))
    unplanned = Organization(pk=900_002, name="No plan")
    timings: dict[str, list[float]] = {"no plan": [], "plan": []}
    for organization in (planned, unplanned):
        for _ in range(50):
            ratelimit.check(key_id=organization.pk, organization=organization)
    for round_ in range(args.calls * 2):
        label, organization = ("plan", planned) if round_ % 2 else ("no plan", unplanned)
        started = time.perf_counter()
        ratelimit.check(key_id=organization.pk, organization=organization)
        timings[label].append((time.perf_counter() - started) * 1000)
    store = "Redis" if settings.REDIS_URL else "budget file"
    print(f"{args.calls} checks each, store: {store}, load {os.getloadavg()[0]:.1f}")
    for label, values in timings.items():
        values.sort()
        p95 = values[int(len(values) * 0.95) - 1]
        print(f"  {label}: p50 {statistics.median(values):.3f} ms, p95 {p95:.3f} ms")


if __name__ == "__main__":
    main()
