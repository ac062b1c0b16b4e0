"""Analysis throughput against a scripted LLM with a fixed latency and a per-minute budget.

    .venv/bin/python benchmarks/analysis.py [--latency 2] [--budget 600] \\
        [--runs 8x1:240,32x1:800,32x2:800] [--batch 100]

Each run is CONCURRENCYxWORKERS:ARTICLES: W spawned worker processes (django.setup(), nothing
shared in memory) call the ``reports.analyse_articles`` task's code for batches of ``--batch``
article ids taken from a shared queue, with ``LLM_CONCURRENCY=C`` and
``LLM_REQUESTS_PER_MINUTE=--budget``. The scripted OpenAI-compatible server runs in its own
process, answers each request after ``--latency`` seconds, enforces the budget over any
sliding 60 s the way a provider does (429 beyond it) and sends OpenAI's x-ratelimit headers.

Printed per run: articles/s against the ceiling min(budget, C x W / latency), the most
requests the server saw in any 60 s (must not pass the budget), 429s, retries per 100 calls,
worker CPU per call, and whether every article got exactly one LLM report.

Runs in a throwaway environment (temporary VAR_DIR; fresh SQLite unless DATABASE_URL is set;
budgets in a file unless REDIS_URL is set, then in that Redis). No timed assertions: figures.
"""

# ruff: noqa: E402 - sys.path must be fixed before anything imports the logging module.
from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(_HERE.parent)] + [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import argparse
import json
import multiprocessing as mp
import os
import random
import resource
import shutil
import tempfile
import time
import traceback
import urllib.request
from dataclasses import dataclass
from typing import Any

EVIDENCE = "Nike reported record sales in Europe on Tuesday, helped by strong demand."
WORDS = [
    "market",
    "shares",
    "retail",
    "analysts",
    "quarter",
    "demand",
    "growth",
    "supply",
    "stores",
    "online",
    "prices",
    "brand",
    "customers",
    "season",
    "launch",
    "strategy",
    "investors",
    "revenue",
    "costs",
    "margins",
    "report",
    "results",
]


@dataclass(frozen=True)
class Run:
    concurrency: int
    workers: int
    articles: int


def parse_runs(text: str) -> list[Run]:
    runs = []
    for part in filter(None, text.split(",")):
        shape, _, count = part.partition(":")
        concurrency, _, workers = shape.partition("x")
        runs.append(Run(int(concurrency), int(workers or 1), int(count)))
    return runs


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency", type=float, default=2.0, help="seconds per answer (2)")
    parser.add_argument("--budget", type=int, default=600, help="requests per minute (600)")
    parser.add_argument(
        "--runs",
        type=parse_runs,
        default=parse_runs("8x1:240,32x1:800,32x2:800"),
        help="CONCURRENCYxWORKERS:ARTICLES, comma-separated",
    )
    parser.add_argument("--batch", type=int, default=100, help="articles per task (100)")
    parser.add_argument(
        "--io-compare",
        type=int,
        metavar="CALLS",
        default=0,
        help="also time CALLS bare requests through the sync client on threads and the async "
        "client on asyncio (32 at once, 0.2 s answers): wall time and CPU per call",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary VAR_DIR")
    return parser.parse_args()


# -- the scripted provider, in its own process ----------------------------------------------


def serve(latency: float, budget: int, pipe: Any) -> None:
    from tests.harness.http_server import Reply
    from tests.harness.openai_server import FakeOpenAIServer, ProviderLimits, json_completion

    answer = {
        "summary": "Nike sales rose.",
        "topic": "Sportswear",
        "sentiment": 0.3,
        "brands": [
            {
                "name": "Nike",
                "evidence": EVIDENCE,
                "confidence": 0.9,
                "sentiment": 0.5,
                "industry": "",
            }
        ],
    }
    server = FakeOpenAIServer(
        json_completion(answer, prompt_tokens=1200, completion_tokens=150),
        latency=latency,
        limits=ProviderLimits(requests_per_minute=budget),
        keep_alive=True,
    )

    def stats(request: Any) -> Reply:
        figures = {
            "requests": len(server.arrivals),
            "refused": server.refused,
            "most_in_60s": server.most_in_window(60.0),
            "peak_in_flight": server.in_flight_peak,
        }
        return Reply(body=json.dumps(figures), headers={"Content-Type": "application/json"})

    def reset(request: Any) -> Reply:
        server.reset_records()
        return Reply(body="{}")

    server.http.add_route("/__stats", stats)
    server.http.add_route("/__reset", reset)
    pipe.send(server.base_url)
    pipe.recv()  # until told to stop
    server.close()


def control(base_url: str, path: str) -> dict[str, Any]:
    root = base_url.rsplit("/v1", 1)[0]
    with urllib.request.urlopen(root + path, timeout=30) as response:  # noqa: S310 (local)
        return json.loads(response.read() or b"{}")


# -- workers --------------------------------------------------------------------------------


def worker(index: int, batches: Any, results: Any) -> None:
    try:
        import django

        django.setup()
        from reports.tasks import analyse_articles

        results.put(("ready", index, None))
        before = resource.getrusage(resource.RUSAGE_SELF)
        while (ids := batches.get()) is not None:
            analyse_articles(ids)
        after = resource.getrusage(resource.RUSAGE_SELF)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        results.put(("done", index, cpu))
    except BaseException:
        results.put(("error", index, traceback.format_exc()))


def configure_environment(var_dir: Path) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "marketing_hunting.settings",
            "VAR_DIR": str(var_dir),
            "DEBUG": "false",
            "SECRET_KEY": "benchmark-only-not-a-secret",
            "LOG_LEVEL": "WARNING",
            # The benchmark is about the budget: tokens do not bind, the breaker never opens
            # on a scripted 429, and retries follow the app's own policy.
            "LLM_TOKENS_PER_MINUTE": "100000000",
            "LLM_TIMEOUT": "60",
            "OPENAI_API_KEY": "benchmark",
        }
    )


def article_text(rng: random.Random, n: int) -> str:
    paragraphs = [EVIDENCE]
    for _ in range(4):
        paragraphs.append(" ".join(rng.choice(WORDS) for _ in range(60)).capitalize() + ".")
    paragraphs.append(f"Story number {n}.")
    return "\n\n".join(paragraphs)


def create_articles(count: int, label: str) -> list[int]:
    from django.utils import timezone

    from accounts.models import Organization
    from feeds.extraction import content_hash
    from feeds.models import Article, ArticleStatus

    rng = random.Random(label)
    organization = Organization.objects.create(name=f"Benchmark {label}", slug=f"bench-{label}")
    rows = []
    for n in range(count):
        text = article_text(rng, n) + f" ({label})"
        rows.append(
            Article(
                organization=organization,
                canonical_url=f"https://news.example/{label}/{n}",
                url_hash=f"{label}-{n}",
                original_url=f"https://news.example/{label}/{n}",
                title=f"Results {n}",
                text=text,
                content_hash=content_hash(text),
                status=ArticleStatus.EXTRACTED,
                language="en",
                published_at=timezone.now(),
            )
        )
    Article.objects.bulk_create(rows)
    return list(
        Article.objects.filter(organization=organization)
        .order_by("id")
        .values_list("id", flat=True)
    )


def run_once(run: Run, number: int, args: argparse.Namespace, base_url: str) -> dict[str, Any]:
    from reports.models import Report

    label = f"r{number}-c{run.concurrency}w{run.workers}"
    ids = create_articles(run.articles, label)
    os.environ.update(
        {
            "LLM_CONCURRENCY": str(run.concurrency),
            "LLM_REQUESTS_PER_MINUTE": str(args.budget),
            "OPENAI_BASE_URL": base_url,
            # Its own model: a budget schedule of its own, nothing left from the last run.
            "OPENAI_MODEL": f"bench-{label}",
        }
    )
    spawn = mp.get_context("spawn")
    batches, results = spawn.Queue(), spawn.Queue()
    processes = [
        spawn.Process(target=worker, args=(index, batches, results), daemon=True)
        for index in range(run.workers)
    ]
    for process in processes:
        process.start()
    collect(results, "ready", run.workers)
    control(base_url, "/__reset")
    started = time.perf_counter()
    for start in range(0, len(ids), args.batch):
        batches.put(ids[start : start + args.batch])
    for _ in processes:
        batches.put(None)
    cpu = sum(collect(results, "done", run.workers))
    wall = time.perf_counter() - started
    for process in processes:
        process.join(30)
    server = control(base_url, "/__stats")
    reports = Report.objects.filter(article_id__in=ids)
    ceiling = min(args.budget / 60, run.concurrency * run.workers / args.latency)
    return {
        "run": run,
        "wall": wall,
        "throughput": len(ids) / wall,
        "ceiling": ceiling,
        "server": server,
        "cpu_per_call_ms": 1000 * cpu / max(1, server["requests"]),
        "reports": reports.count(),
        "llm_reports": reports.filter(extractor="llm").count(),
        "articles": len(ids),
    }


def io_compare(calls: int) -> None:
    """Bare chat requests, 32 at once: the sync client on a thread pool (what analysis uses)
    against the async client on one event loop. CPU is this process's, per call."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    import openai

    here, there = mp.get_context("spawn").Pipe()
    server = mp.get_context("spawn").Process(target=serve, args=(0.2, 10**7, there), daemon=True)
    server.start()
    base_url = here.recv()
    messages = [{"role": "user", "content": "Title: x\n\nArticle:\n" + "word " * 1500}]
    concurrency = 32

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    def threads() -> None:
        client = openai.OpenAI(api_key="x", base_url=base_url, max_retries=3, timeout=60)
        with ThreadPoolExecutor(concurrency) as pool:
            list(
                pool.map(
                    lambda _: client.chat.completions.create(model="m", messages=messages),
                    range(calls),
                )
            )

    async def tasks() -> None:
        client = openai.AsyncOpenAI(api_key="x", base_url=base_url, max_retries=3, timeout=60)
        gate = asyncio.Semaphore(concurrency)

        async def one() -> None:
            async with gate:
                await client.chat.completions.create(model="m", messages=messages)

        await asyncio.gather(*(one() for _ in range(calls)))

    try:
        for name, run in (("threads", threads), ("asyncio", lambda: asyncio.run(tasks()))):
            run_cpu, started = cpu(), time.perf_counter()
            run()
            wall, used = time.perf_counter() - started, cpu() - run_cpu
            ideal = calls / concurrency * 0.2
            print(
                f"{name:>8}: {calls} calls in {wall:.2f} s (ideal {ideal:.2f} s), "
                f"{1000 * used / calls:.2f} ms CPU per call"
            )
    finally:
        here.send("stop")
        server.join(10)


def collect(results: Any, kind: str, count: int) -> list[Any]:
    received = []
    while len(received) < count:
        message, index, payload = results.get()
        if message == "error":
            sys.exit(f"worker {index} failed:\n{payload}")
        if message == kind:
            received.append(payload)
    return received


def main() -> None:
    args = parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="mh-analysis-bench-"))
    configure_environment(var_dir)
    spawn = mp.get_context("spawn")
    here, there = spawn.Pipe()
    server = spawn.Process(target=serve, args=(args.latency, args.budget, there), daemon=True)
    server.start()
    base_url = here.recv()
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        where = "Redis" if settings.REDIS_URL else "file"
        print(
            f"scripted LLM: {args.latency:g} s per answer, budget {args.budget} requests/min "
            f"(sliding 60 s, 429 beyond); database {database}, budgets in {where}; "
            f"{args.batch} articles per task; load average {os.getloadavg()[0]:.1f}"
        )
        header = (
            f"{'C x W':>7} {'articles':>8} {'wall s':>7} {'art/s':>6} {'ceiling':>7} "
            f"{'ratio':>6} {'most/60s':>8} {'429s':>5} {'retry%':>6} {'peak':>5} "
            f"{'cpu ms':>7} {'reports':>9}"
        )
        print(header)
        print("-" * len(header))
        for number, run in enumerate(args.runs, 1):
            row = run_once(run, number, args, base_url)
            server_figures = row["server"]
            retries = server_figures["requests"] - row["articles"]
            print(
                f"{run.concurrency:>3} x {run.workers:<2}{row['articles']:>8} "
                f"{row['wall']:>7.1f} {row['throughput']:>6.2f} {row['ceiling']:>7.2f} "
                f"{row['throughput'] / row['ceiling']:>6.1%} {server_figures['most_in_60s']:>8} "
                f"{server_figures['refused']:>5} {100 * retries / row['articles']:>6.2f} "
                f"{server_figures['peak_in_flight']:>5} {row['cpu_per_call_ms']:>7.1f} "
                f"{row['llm_reports']:>4}/{row['reports']:<4}"
            )
        print(
            "ratio: articles/s over min(budget/60, C x W / latency); most/60s: requests in the "
            "busiest sliding minute (budget: at most the budget); retry%: requests beyond one "
            "per article, per 100 articles; peak: most requests in flight at the server; cpu "
            "ms: worker CPU per LLM call; reports: LLM reports / reports (one per article)."
        )
        if args.io_compare:
            io_compare(args.io_compare)
    finally:
        here.send("stop")
        server.join(10)
        if args.keep:
            print(f"kept {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
