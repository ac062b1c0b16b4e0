"""Metrics benchmark: what counting costs per event, and /metrics at 10,000 series.

    .venv/bin/python benchmarks/metrics.py [--series 10000] [--processes 4] [--runs 15]

Runs in a throwaway VAR_DIR with a fresh SQLite database (migrated first, ~20 s), or against
DATABASE_URL when set. Prints:

  per event   the cost of one counter increment and one histogram observation in
              multiprocess mode (memory-mapped file), and of the request middleware around
              a view that does nothing, each against METRICS_ENABLED=false; median of runs;
  /metrics    --processes child processes each count --series / --processes distinct label
              sets (so the web process reads as many files as a busy installation), then
              the view answers through Django's test client --runs times: median and p95,
              the share spent on the counted series (monitoring/metrics_exposition.py) and
              on the scrape-time part (broker, Redis, database), and for comparison
              prometheus-client's own reader (MultiProcessCollector) on the same files.

Targets (issue #14): /metrics <= 100 ms at 10,000 label combinations; metrics add <= 2 % to
the ingest CPU per article (compare the per-article cost printed here with the CPU per
article of benchmarks/ingest.py, or run ingest.py with METRICS_ENABLED=false and true side by
side). No timed assertions: the figures are printed.
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
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--series", type=int, default=10_000, help="label sets (default 10000)")
    parser.add_argument("--processes", type=int, default=4, help="writer processes (default 4)")
    parser.add_argument("--runs", type=int, default=15, help="scrapes timed (default 15)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=0, help=argparse.SUPPRESS)
    return parser.parse_args()


def per_call(fn: Callable[[], object], calls: int, runs: int = 5) -> float:
    """Median microseconds per call of ``fn`` over ``runs`` runs of ``calls`` calls."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        for _ in range(calls):
            fn()
        times.append((time.perf_counter() - started) / calls * 1e6)
    return statistics.median(times)


def child(number: int, count: int) -> None:
    """Count ``count`` distinct label sets, as a worker process would."""
    import django

    django.setup()
    from monitoring import metrics

    for n in range(count):
        metrics.count_provider_call("bench", f"endpoint-{number}-{n}", "ok", 1)


def main() -> None:
    args = parse_args()
    if args.child is not None:
        child(args.child, args.count)
        return
    var_dir = tempfile.mkdtemp(prefix="mh-metrics-bench-")
    os.environ["VAR_DIR"] = var_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.http import HttpRequest, HttpResponse
    from django.test import Client, override_settings

    from monitoring import metrics
    from monitoring.metrics_view import RequestMetricsMiddleware

    print(f"VAR_DIR {var_dir}; database {settings.DATABASES['default']['ENGINE']}")
    call_command("migrate", verbosity=0)

    # --- per event ---
    calls = 50_000
    on = per_call(lambda: metrics.count_article_page("extracted"), calls)
    observe = per_call(lambda: metrics.observe_request("bench", "GET", 200, 0.01), calls)
    middleware = RequestMetricsMiddleware(lambda request: HttpResponse())
    request = HttpRequest()
    request.method, request.path = "GET", "/bench/"
    wrapped = per_call(lambda: middleware(request), calls)
    bare = per_call(lambda: HttpResponse(), calls)
    with override_settings(METRICS_ENABLED=False):
        off = per_call(lambda: metrics.count_article_page("extracted"), calls)
        wrapped_off = per_call(lambda: middleware(request), calls)
    print("per event (median of 5 runs of 50,000 calls):")
    print(f"  counter increment       {on:6.2f} us   (METRICS_ENABLED=false: {off:.2f} us)")
    print(f"  histogram observation   {observe:6.2f} us")
    print(
        f"  request middleware      {wrapped - bare:6.2f} us over a bare response "
        f"(METRICS_ENABLED=false: {wrapped_off - bare:.2f} us)"
    )
    print(
        "  an ingested article counts one page outcome (and 1/50 of a feed download): "
        f"about {on * 1.02:.1f} us of CPU per article"
    )

    # --- /metrics at N series ---
    each = args.series // args.processes
    started = time.perf_counter()
    children = [
        subprocess.Popen(  # noqa: S603 (our own script and fixed arguments)
            [sys.executable, __file__, "--child", str(n), "--count", str(each)],
            env={**os.environ},
        )
        for n in range(args.processes)
    ]
    for process in children:
        if process.wait() != 0:
            raise SystemExit("a writer process failed")
    print(
        f"/metrics: {args.processes} processes counted {each * args.processes:,} label sets "
        f"in {time.perf_counter() - started:.1f} s"
    )
    from pathlib import Path

    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    from monitoring.metrics_collector import StateCollector
    from monitoring.metrics_exposition import render

    client = Client()
    client.get("/metrics")  # warm: imports, first broker connection
    whole, files, library, state = [], [], [], []
    size = 0
    for _ in range(args.runs):
        t0 = time.perf_counter()
        response = client.get("/metrics")
        whole.append((time.perf_counter() - t0) * 1000)
        size = len(response.content)
        t0 = time.perf_counter()
        render(Path(settings.METRICS_DIR))
        files.append((time.perf_counter() - t0) * 1000)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(settings.METRICS_DIR))
        t0 = time.perf_counter()
        generate_latest(registry)
        library.append((time.perf_counter() - t0) * 1000)
        registry = CollectorRegistry()
        registry.register(StateCollector())
        t0 = time.perf_counter()
        generate_latest(registry)
        state.append((time.perf_counter() - t0) * 1000)
    whole.sort()
    p95 = whole[min(len(whole) - 1, round(0.95 * (len(whole) - 1)))]
    print(
        f"  whole view: median {statistics.median(whole):.1f} ms, p95 {p95:.1f} ms "
        f"({size / 1024:.0f} KiB) over {args.runs} scrapes"
    )
    print(
        f"  of which the counted series {statistics.median(files):.1f} ms, "
        f"the scrape-time part {statistics.median(state):.1f} ms (medians)"
    )
    print(
        f"  prometheus-client's own reader on the same files: "
        f"{statistics.median(library):.1f} ms (median; not used)"
    )
    print("No timed assertions: figures only.")


if __name__ == "__main__":
    main()
