"""Helpers for benchmarks/ingest.py: synthetic site, page server process, worker processes.

Everything here runs in child processes started with the "spawn" method, so each worker
starts from a fresh interpreter (as a Celery worker does) and its peak RSS is its own, not a
copy of the orchestrating process's memory.
"""

from __future__ import annotations

import json
import os
import random
import time
import traceback
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from multiprocessing.connection import Connection
from multiprocessing.queues import Queue
from typing import Any

SEED = 20260101
# Copies of a story point at the same story in a feed this many places earlier: with a few
# workers that feed has usually been stored already, as a wire story published earlier has.
COPY_LAG = 4
# Common English words, weighted Zipf-like below, so py3langid and trafilatura see prose.
_WORDS = """
the of and to in a is that for it as was with be by on not he this are or his from at which
but have an they you were her she there been one all we their has would when if so no will
more about can said its also who new other after first into year years company market
business brand customers sales growth price prices revenue profit quarter percent million
billion analysts investors shares stock executive chief officer board strategy launch product
products service services retail online store stores digital advertising campaign marketing
consumer consumers demand supply chain industry sector technology platform data software
partners partnership deal agreement announced expected reported according statement spokesman
spokeswoman week month today yesterday tuesday wednesday thursday friday city country region
europe asia america government policy rules regulators competition rivals share largest
smaller local global national international plans plan plant factory workers jobs staff
team people customers users subscribers audience media news report research study survey
results early late strong weak higher lower rise fall rose fell grew slowed increase decline
cost costs energy food fashion beauty sports travel airline hotel bank banks insurance car cars
electric battery cloud mobile phone app apps stream streaming music film games retailer brands
because while where before since during through between against under over than then
however although despite still again already only just even much many most some several
few each every both either another such same different long short big small good bad best
"""
VOCABULARY = _WORDS.split()
BRANDS = [
    "Acme",
    "Northwind",
    "Globex",
    "Initech",
    "Umbrella Foods",
    "Stark Mobility",
    "Wayne Retail",
    "Hooli",
    "Vandelay Imports",
    "Soylent",
    "Cyberdyne Cloud",
    "Tyrell Beauty",
]
_WEIGHTS = [1.0 / (rank + 8) for rank in range(len(VOCABULARY))]


def _sentence(rng: random.Random) -> str:
    words = rng.choices(VOCABULARY, weights=_WEIGHTS, k=rng.randint(8, 24))
    if rng.random() < 0.5:
        words.insert(rng.randrange(len(words)), rng.choice(BRANDS))
    if rng.random() < 0.3:
        words.insert(rng.randrange(len(words)), f"{rng.randint(2, 98)}.{rng.randint(0, 9)}%")
    text = " ".join(words)
    return text[0].upper() + text[1:] + rng.choice(".....?")


def _body_paragraphs(rng: random.Random) -> list[str]:
    target = rng.randint(400, 900)
    paragraphs: list[str] = []
    count = 0
    while count < target:
        sentences = [_sentence(rng) for _ in range(rng.randint(2, 6))]
        if rng.random() < 0.2:
            sentences.append(f'"{_sentence(rng)}" said {rng.choice(BRANDS)} spokeswoman.')
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        count += len(paragraph.split())
    return paragraphs


def _title(rng: random.Random) -> str:
    words = rng.choices(VOCABULARY[60:], k=rng.randint(5, 9))
    return f"{rng.choice(BRANDS)} {' '.join(words)}".capitalize()


def is_copy(feed: int, index: int, share: float) -> bool:
    """Whether article (feed, index) republishes another feed's story (deterministic)."""
    return feed >= COPY_LAG and random.Random(f"copy-{feed}-{index}").random() < share


def body_key(feed: int, index: int, share: float) -> tuple[int, int]:
    while is_copy(feed, index, share):
        feed -= COPY_LAG
    return feed, index


def published(feed: int, index: int) -> datetime:
    return datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=feed * 7 + index * 13)


def article_html(feed: int, index: int, share: float, base_url: str) -> bytes:
    """A 5-15 KB news page: header, nav, cookie banner, article, sidebar, footer, scripts."""
    own = random.Random(f"{SEED}-page-{feed}-{index}")
    title = _title(own)
    paragraphs = _body_paragraphs(random.Random(f"{SEED}-body-{body_key(feed, index, share)}"))
    site = random.Random(f"{SEED}-site-{feed}")  # the same chrome on every page of a site
    sections = [w.capitalize() for w in site.sample(VOCABULARY[60:], 14)]
    nav = "".join(f'<li><a href="/{s.lower()}/">{s}</a></li>' for s in sections)
    most_read = "".join(
        f'<li><a href="/story/{site.randint(1, 99999)}">{escape(_title(site))}</a></li>'
        for _ in range(8)
    )
    related = "".join(
        f'<li><a href="/story/{own.randint(1, 99999)}">{escape(_title(own))}</a></li>'
        for _ in range(4)
    )
    footer = "".join(f'<a href="/{s.lower()}/about">{s} desk</a> ' for s in sections)
    when = published(feed, index).isoformat()
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    json_ld = json.dumps({"@type": "NewsArticle", "headline": title, "datePublished": when})
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}'
        f' | Site {feed}</title><meta name="viewport" content="width=device-width">'
        f'<meta property="og:title" content="{escape(title)}">'
        f'<meta property="article:published_time" content="{when}">'
        '<link rel="stylesheet" href="/static/site.css">'
        f'<script type="application/ld+json">{json_ld}</script>'
        "<style>body{font-family:serif}.nav li{display:inline}.side{float:right}</style>"
        "</head><body>"
        '<div class="cookie">We use cookies to improve your experience. <button>Accept'
        "</button> <a href='/privacy'>Privacy policy</a></div>"
        f'<header><a class="logo" href="/">Site {feed} News</a><form action="/search">'
        '<input name="q" placeholder="Search"></form><a href="/subscribe">Subscribe</a>'
        f'</header><nav class="nav"><ul>{nav}</ul></nav><main>'
        f'<article><h1>{escape(title)}</h1><p class="byline">By Staff Writer, '
        f'<time datetime="{when}">{when[:10]}</time></p>{body}'
        f'<div class="share">Share on social media</div></article>'
        f'<aside class="related"><h2>Related</h2><ul>{related}</ul></aside></main>'
        f'<aside class="side"><h2>Most read</h2><ol>{most_read}</ol><div class="newsletter">'
        "<h3>Newsletter</h3><p>The day's business news in your inbox.</p><form>"
        '<input type="email" name="email"><button>Sign up</button></form></div></aside>'
        f"<footer><nav>{footer}</nav><p>Copyright 2026 Site {feed} Media Group. All rights "
        "reserved. Terms of use. Contact us. Advertise with us.</p></footer>"
        f"<script>window.dataLayer=[{{page:'{base_url}'}}];function t(){{return 1}}</script>"
        "</body></html>"
    ).encode()


def feed_xml(feed: int, per_feed: int, base_url: str) -> bytes:
    items = []
    for index in range(per_feed):
        rng = random.Random(f"{SEED}-page-{feed}-{index}")
        link = f"{base_url}/a/{feed}/{index}.html"
        items.append(
            f"<item><title>{escape(_title(rng))}</title><link>{link}</link><guid>{link}</guid>"
            f"<pubDate>{format_datetime(published(feed, index))}</pubDate>"
            f"<description>{escape(_sentence(rng))}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Site {feed}</title><link>{base_url}/</link>{''.join(items)}</channel></rss>"
    ).encode()


# --- the page server (its own process, so it never competes for a worker's GIL) -----------


def serve(feeds: int, per_feed: int, share: float, pipe: Connection) -> None:
    """Serve feeds with ETags and pre-rendered pages until the pipe says stop."""
    from tests.harness.http_server import LocalHTTPServer, RecordedRequest, Reply

    # HTTP/1.1 keep-alive, as news sites serve: the fetcher's per-host pools reuse connections
    # instead of paying a TCP connect per page (HTTP/1.0 closed every connection).
    server = LocalHTTPServer(keep_alive=True)
    base = server.url
    html = {"Content-Type": "text/html; charset=utf-8"}
    for feed in range(feeds):
        etag = f'"feed-{feed}-v1"'
        reply = Reply(
            body=feed_xml(feed, per_feed, base),
            headers={"Content-Type": "application/rss+xml", "ETag": etag},
        )
        not_modified = Reply(status=304, headers={"ETag": etag})

        def answer(
            request: RecordedRequest, reply: Reply = reply, nm: Reply = not_modified
        ) -> Reply:
            etag = reply.headers["ETag"]
            return nm if request.headers.get("if-none-match") == etag else reply

        server.add_route(f"/feed/{feed}.xml", answer)
        for index in range(per_feed):
            page = article_html(feed, index, share, base)
            server.add_route(f"/a/{feed}/{index}.html", Reply(body=page, headers=html))

    def stats(_: RecordedRequest) -> Reply:
        counts: dict[str, int] = defaultdict(int)
        for request in server.requests:
            if request.path.startswith("/a/"):
                counts["pages"] += 1
            elif request.path.startswith("/feed/"):
                counts["feeds_304" if "if-none-match" in request.headers else "feeds_200"] += 1
        return Reply(body=json.dumps(counts), headers={"Content-Type": "application/json"})

    server.add_route("/__stats", stats)
    pipe.send(base)
    pipe.recv()  # anything means stop
    server.close()


# --- worker processes -----------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of another process so far (utime and stime, in clock ticks)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def vm_hwm_kb() -> int:
    """Peak resident set size of this process (kB), from the kernel's own high-water mark."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


class Timers:
    """CPU time per pipeline phase, by wrapping module attributes (app code stays as is), and
    the wall time of each page. CPU is the calling thread's own (time.thread_time), so the
    pool threads' work is not in it.
    """

    def __init__(self) -> None:
        self.cpu: dict[str, float] = defaultdict(float)
        self.page_latencies: list[float] = []

    def wrap(self, module: Any, name: str, phase: str, per_page: bool = False) -> None:
        original: Callable[..., Any] = getattr(module, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started, cpu = time.perf_counter(), time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                self.cpu[phase] += time.thread_time() - cpu
                if per_page:
                    self.page_latencies.append(time.perf_counter() - started)

        setattr(module, name, timed)


def worker(index: int, control: Queue, feeds: Queue, results: Queue) -> None:
    """One worker: django.setup(), warm up, then do what its own control queue says."""
    try:
        _worker(index, control, feeds, results)
    except BaseException:
        results.put(("error", index, traceback.format_exc()))


def _worker(index: int, control: Queue, feeds: Queue, results: Queue) -> None:
    import logging

    import django

    django.setup()
    # htmldate's reset_caches() logs an ERROR on every call with this charset_normalizer
    # (a cache_clear it expects is gone); harmless, and it would drown the table.
    logging.getLogger("htmldate.meta").setLevel(logging.CRITICAL)
    # refresh_feed enqueues the analysis on kombu's filesystem broker, which warns once per
    # process that the URL has no host name; the messages just accumulate in the temp VAR_DIR.
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)
    import trafilatura.meta
    from django.db import connection

    import feeds.services.extract as extract_module
    import feeds.tasks as tasks_module
    from feeds.extraction import extract_article
    from outbound import fetch

    # Warm-up on a page outside the data set: a long-lived Celery worker has long paid for
    # imports and the py3langid model (~0.5 s), so neither belongs in the measured time.
    extract_article(article_html(-1, 0, 0.0, "http://x"), url="http://x/warm-up")
    timers = Timers()
    # Steps of refresh_feed, all in the worker's main thread; the report adds the pool
    # threads (fetching pages) and what the main thread spends outside these steps.
    timers.wrap(tasks_module, "feed_refresh", "feed: fetch, parse, store")
    timers.wrap(extract_module, "_claim", "claim")
    timers.wrap(extract_module, "_apply", "hash + simhash")
    timers.wrap(extract_module, "_mark_duplicates", "dedupe")
    timers.wrap(extract_module, "_extract_page", "extract pages", per_page=True)
    queries = 0

    def count(execute: Callable[..., Any], sql: str, params: Any, many: bool, ctx: Any) -> Any:
        nonlocal queries
        queries += 1
        return execute(sql, params, many, ctx)

    per_feed: list[tuple[float, int, int, str]] = []
    pages: list[tuple[bytes, str, str | None]] = []
    results.put(("ready", index, os.getpid()))
    with connection.execute_wrapper(count):
        while True:
            kind, payload = control.get()
            if kind == "reset":
                # Each pass and ceiling round starts from cold module caches. Its gc.collect()
                # takes ~0.1 s, so it runs before the caller starts the clock, not inside it.
                trafilatura.meta.reset_caches()
                results.put(("reset", index, None))
            elif kind == "pass":
                queries, per_feed, cpu = 0, [], time.process_time()
                main_thread_cpu = time.thread_time()
                timers.cpu, timers.page_latencies = defaultdict(float), []
                # Feeds come from a queue shared by all workers, one at a time, as from a
                # broker; None ends this worker's pass (each worker takes exactly one).
                while (feed_id := feeds.get()) is not None:
                    started = time.perf_counter()
                    outcome = tasks_module.refresh_feed(feed_id)
                    seconds = time.perf_counter() - started
                    row = (seconds, outcome["new_articles"], outcome["extracted"])
                    per_feed.append((*row, outcome["status"]))
                stats = {
                    "pid": os.getpid(),
                    "queries": queries,
                    "per_feed": per_feed,
                    "phase_cpu": dict(timers.cpu),
                    "main_thread_cpu": time.thread_time() - main_thread_cpu,
                    "page_latencies": timers.page_latencies,
                    "vm_hwm_kb": vm_hwm_kb(),
                    "cpu": time.process_time() - cpu,  # user + system, all threads
                }
                results.put(("end", index, stats))
            elif kind == "prefetch":
                # The ceiling's input: the same bytes the pipeline fetched, held in memory.
                for url in payload:
                    response = fetch(url, timeout=20.0)
                    pages.append((response.body, response.url, response.charset))
                results.put(("prefetched", index, len(pages)))
            elif kind == "ceiling":
                latencies, cpu = [], time.process_time()
                for body, url, charset in pages:
                    started = time.perf_counter()
                    extract_article(body, url=url, encoding=charset)
                    latencies.append(time.perf_counter() - started)
                pages.clear()  # the next round prefetches its own
                results.put(("ceiling", index, (latencies, time.process_time() - cpu)))
            elif kind == "stop":
                return
