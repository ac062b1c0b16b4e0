"""Logging benchmark: handler throughput, added p99 latency per log call, collector throughput.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mh_bench REDIS_URL=redis://127.0.0.1:6379/9 \
        .venv/bin/python benchmarks/logging.py [--records N] [--runs R]

Without REDIS_URL it measures the embedded spool transport; without DATABASE_URL, SQLite in a
temporary VAR_DIR. The database is migrated and its LogEntry table emptied first, so point it
at a database made for the purpose. Prints the median of R runs of each figure; no assertions.
"""

from __future__ import annotations

import os
import sys

# Run as a script, this file's folder comes first on sys.path and "import logging" would import
# this very file instead of the standard library.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
ROOT = os.path.dirname(_HERE)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import argparse  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000, help="records per run (100000)")
    parser.add_argument("--runs", type=int, default=3, help="runs; medians are printed (3)")
    return parser.parse_args()


def setup_django(var_dir: Path) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "marketing_hunting.settings",
            "VAR_DIR": str(var_dir),
            "DEBUG": "true",
            # The benchmark's own records stay out of the way of what it measures.
            "LOG_SHIPPING": "false",
            "LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_handler(stream: str, var_dir: Path, queue_size: int) -> Any:
    from django.conf import settings

    from monitoring.shipping import ShippingHandler

    return ShippingHandler(
        redis_url=settings.REDIS_URL,
        stream=stream,
        maxlen=10_000_000,
        spool_dir=str(var_dir / "spool"),
        queue_size=queue_size,
    )


def bench_logger(handler: logging.Handler) -> logging.Logger:
    from marketing_hunting.logging import ContextFilter

    handler.addFilter(ContextFilter())
    logger = logging.getLogger(f"bench.{uuid.uuid4().hex[:6]}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.handlers = [handler]
    return logger


def throughput(records: int, var_dir: Path) -> dict[str, float]:
    """Calls/s as the caller sees them, and records/s until all were handed to the transport."""
    stream = f"mh:bench:{uuid.uuid4().hex[:8]}"
    handler = make_handler(stream, var_dir, queue_size=records + 1)
    logger = bench_logger(handler)
    started = time.perf_counter()
    for n in range(records):
        logger.info("benchmark record %d with a little context: %s", n, "abcdef")
    called = time.perf_counter()
    handler.close()  # waits until the sender has shipped everything
    shipped = time.perf_counter()
    dropped = handler.dropped
    cleanup(stream)
    return {
        "calls_per_s": records / (called - started),
        "shipped_per_s": records / (shipped - started),
        "dropped": dropped,
    }


def latency(records: int, var_dir: Path) -> dict[str, float]:
    """p50/p99 of one log call with a do-nothing handler and with the shipping handler."""

    class Nothing(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            pass

    def timings(logger: logging.Logger) -> list[int]:
        clock = time.perf_counter_ns
        samples = []
        for n in range(records):
            before = clock()
            logger.info("latency record %d: %s", n, "abcdef")
            samples.append(clock() - before)
        return samples

    def pct(samples: list[int], q: float) -> float:
        ordered = sorted(samples)
        return ordered[int(q * (len(ordered) - 1))] / 1000  # µs

    baseline = timings(bench_logger(Nothing()))
    stream = f"mh:bench:{uuid.uuid4().hex[:8]}"
    # A queue that holds the whole run: a dropped record costs less than a shipped one and
    # would flatter the figure (production drops beyond LOG_QUEUE_SIZE instead of waiting).
    handler = make_handler(stream, var_dir, queue_size=records + 1)
    shipping = timings(bench_logger(handler))
    handler.close()
    cleanup(stream)
    return {
        "base_p50_us": pct(baseline, 0.50),
        "base_p99_us": pct(baseline, 0.99),
        "ship_p50_us": pct(shipping, 0.50),
        "ship_p99_us": pct(shipping, 0.99),
        "added_p99_us": pct(shipping, 0.99) - pct(baseline, 0.99),
        "dropped": handler.dropped,
    }


def collector_throughput(records: int, var_dir: Path) -> dict[str, float]:
    """Records/s from the transport into the log file and LogEntry rows (prefilled backlog)."""
    from django.conf import settings

    from marketing_hunting.logging import record_to_dict
    from monitoring.collector import Collector, RedisSource, SpoolSource
    from monitoring.logfile import RotatingLogFile
    from monitoring.models import LogEntry
    from monitoring.shipping import RedisSink, SpoolSink

    LogEntry.objects.all().delete()
    stream = f"mh:bench:{uuid.uuid4().hex[:8]}"
    spool = var_dir / f"spool-{stream[-8:]}"
    sink = (
        RedisSink(url=settings.REDIS_URL, stream=stream, maxlen=10_000_000, buffer_size=records)
        if settings.REDIS_URL
        else SpoolSink(spool_dir=str(spool), max_bytes=1 << 40, buffer_size=records)
    )
    record = logging.LogRecord("bench.collector", logging.INFO, __file__, 1, "m %d", (0,), None)
    template = record_to_dict(record, "collector benchmark record", "")
    batch = [{**template, "message": f"collector benchmark record {n}"} for n in range(records)]
    sink.send(batch, final=True)
    sink.close()
    source = (
        RedisSource(url=settings.REDIS_URL, stream=stream)
        if settings.REDIS_URL
        else SpoolSource(spool_dir=spool, state_path=var_dir / f"state-{stream[-8:]}.json")
    )
    logfile = RotatingLogFile(
        var_dir / f"bench-{stream[-8:]}.log", max_bytes=1 << 40, rotate_seconds=86400, backups=1
    )
    collector = Collector(source, logfile, batch_size=1000)
    started = time.perf_counter()
    collector.run(lambda: False, once=True)
    elapsed = time.perf_counter() - started
    stored = LogEntry.objects.count()
    logfile.close()
    source.close()
    cleanup(stream)
    return {"records_per_s": records / elapsed, "stored": stored}


def cleanup(stream: str) -> None:
    from django.conf import settings

    if settings.REDIS_URL:
        import redis

        redis.Redis.from_url(settings.REDIS_URL).delete(stream)


def median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="mh-bench-logging-") as tmp:
        var_dir = Path(tmp)
        setup_django(var_dir)
        from django.conf import settings
        from django.db import connection

        transport = "Redis stream" if settings.REDIS_URL else "spool files"
        print(f"transport: {transport}; database: {connection.vendor}; runs: {args.runs}")
        thr = [throughput(args.records, var_dir) for _ in range(args.runs)]
        lat = [latency(args.records, var_dir) for _ in range(args.runs)]
        col = [collector_throughput(args.records // 2, var_dir) for _ in range(args.runs)]
        figures = {
            "handler_calls_per_s": round(median(thr, "calls_per_s")),
            "handler_shipped_per_s": round(median(thr, "shipped_per_s")),
            "call_p50_us_baseline": round(median(lat, "base_p50_us"), 2),
            "call_p99_us_baseline": round(median(lat, "base_p99_us"), 2),
            "call_p50_us_shipping": round(median(lat, "ship_p50_us"), 2),
            "call_p99_us_shipping": round(median(lat, "ship_p99_us"), 2),
            "added_p99_us": round(median(lat, "added_p99_us"), 2),
            "latency_run_dropped": round(median(lat, "dropped")),
            "collector_records_per_s": round(median(col, "records_per_s")),
            "collector_stored_last_run": col[-1]["stored"],
        }
        for key, value in figures.items():
            print(f"{key:28} {value}")
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
