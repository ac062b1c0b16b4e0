"""Where a page's CPU goes: the pages of ``load.py`` through the Django test client.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mh_load_bench \\
    [REDIS_URL=redis://127.0.0.1:6379/N] \\
        .venv/bin/python benchmarks/page_profile.py [--reports 20000] [--requests 30]
                                                    [--pages reports,brands] [--top 40]
                                                    [--sort tottime] [--nodes]

Uses the organization ``load.py --reports N`` seeded in that database (run it first). Signs in
as its member and requests the dashboard, the reports list, the articles list, the most
mentioned brand's page and the run page (``--pages``: substrings of their paths): a few
warm-up requests, then ``--requests`` per page three times, printing the CPU per request
(process time: the machine is shared, wall time says little). The connection stays open
across requests, as the web's pool keeps it. ``--top N`` adds cProfile's N heaviest functions
per page (CPU-time timer); ``--nodes`` the template's for loops, includes and ``{% url %}``
tags by CPU. Printed figures only, no assertions.
"""

# ruff: noqa: E402 - sys.path must be fixed before anything imports the logging module.
from __future__ import annotations

import os
import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(_HERE.parent)] + [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import argparse
import collections
import cProfile
import io
import pstats
import tempfile
import time
import warnings
from collections.abc import Callable


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=20_000, help="the seed of load.py")
    parser.add_argument("--mentions-per-report", type=int, default=3)
    parser.add_argument("--requests", type=int, default=30, help="per page and round")
    parser.add_argument("--pages", default="", help="substrings of the paths, comma-separated")
    parser.add_argument("--top", type=int, default=0, help="cProfile's N heaviest functions")
    parser.add_argument("--sort", default="cumulative", help="cProfile order (tottime, ...)")
    parser.add_argument("--nodes", action="store_true", help="template nodes by CPU")
    parser.add_argument(
        "--asgi", action="store_true", help="also through the ASGI handler, in process"
    )
    return parser.parse_args()


def setup() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to the database load.py seeded.")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "marketing_hunting.settings",
            "VAR_DIR": tempfile.mkdtemp(prefix="mh-page-profile-"),
            "DEBUG": "false",
            "SECRET_KEY": "benchmark-only-not-a-secret",
            "ALLOWED_HOSTS": "testserver",
            "SECURE_SSL_REDIRECT": "false",
            "LOG_LEVEL": "WARNING",
            "LOG_SHIPPING": "false",
        }
    )
    warnings.filterwarnings("ignore", message="No directory at")
    from marketing_hunting import process

    process.WEB = True  # The web's settings: pooled connections, as under uvicorn.
    import django

    django.setup()
    from django.core import signals
    from django.db import close_old_connections

    # The pool keeps the connection under uvicorn; here, without this, every request would
    # connect anew (~5 ms) and the profile would be about connecting.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)


def pages(args: argparse.Namespace) -> list[str]:
    from django.db.models import Count

    from accounts.models import Organization
    from jobs.models import JobExecution
    from reports.models import Brand

    slug = f"pages-bench-{args.reports}x{args.mentions_per_report}"
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None:
        sys.exit(f"No organization {slug}: run benchmarks/load.py --reports {args.reports} first.")
    brand = (
        Brand.objects.filter(organization=organization)
        .annotate(n=Count("mentions"))
        .order_by("-n")
        .first()
    )
    execution = JobExecution.objects.filter(organization=organization).first()
    urls = ["/", "/reports/", "/feeds/articles/", f"/brands/{brand.pk}/"]
    urls.append(f"/jobs/executions/{execution.pk}/")
    wanted = [part for part in args.pages.split(",") if part]
    return [url for url in urls if not wanted or any(part in url for part in wanted)]


def node_timer() -> collections.Counter:
    """Wraps the template nodes that cost (loops, includes, URL tags) with a CPU timer."""
    from django.template import defaulttags, engines, loader_tags

    engines["django"]  # Loads the template builtins, so a {% url %} subclass is known.
    spent: collections.Counter = collections.Counter()

    def wrap(cls: type, label: Callable[[object], str]) -> None:
        original = cls.render

        def render(self: object, context: object) -> str:
            started = time.process_time()
            try:
                return original(self, context)
            finally:
                spent[label(self)] += time.process_time() - started

        cls.render = render

    wrap(defaulttags.ForNode, lambda n: f"{{% for {', '.join(n.loopvars)} in {n.sequence} %}}")
    wrap(loader_tags.IncludeNode, lambda n: f"{{% include {n.template.token} %}}")
    for cls in {defaulttags.URLNode, *defaulttags.URLNode.__subclasses__()}:
        wrap(cls, lambda n: "{% url %} (all)")
    return spent


def asgi_getter(client: object, application: Callable) -> Callable[[str], int]:
    """A GET through an ASGI application in this process, as uvicorn calls it (no sockets,
    no HTTP parsing): what the ASGI handler and its thread hops add to a page."""
    import asyncio

    cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items())
    loop = asyncio.new_event_loop()

    async def request(path: str) -> int:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"testserver"), (b"cookie", cookie.encode())],
            "client": ("127.0.0.1", 40000),
            "server": ("testserver", 80),
        }
        sent = asyncio.Event()
        status = []
        first = True

        async def receive() -> dict:
            nonlocal first
            if first:
                first = False
                return {"type": "http.request", "body": b"", "more_body": False}
            await sent.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            elif not message.get("more_body"):
                sent.set()

        await application(scope, receive, send)
        return status[0]

    return lambda path: loop.run_until_complete(request(path))


def main() -> None:
    args = parse_args()
    setup()
    from django.contrib.auth.models import User
    from django.test import Client

    client = Client()
    client.force_login(User.objects.get(username="pages-bench"))
    spent = node_timer() if args.nodes else None
    print(f"CPU per request, test client, load average {os.getloadavg()[0]:.1f}:")
    asgi_gets = {}
    if args.asgi:
        from django.core.handlers.asgi import ASGIHandler

        from marketing_hunting.asgi import application

        asgi_gets = {
            "  the project's ASGI app": asgi_getter(client, application),
            "  Django's ASGIHandler": asgi_getter(client, ASGIHandler()),
        }
    for url in pages(args):
        for _ in range(5):
            response = client.get(url)
            if response.status_code != 200:
                sys.exit(f"{url}: HTTP {response.status_code}")
            for asgi_get in asgi_gets.values():
                if asgi_get(url) != 200:
                    sys.exit(f"{url}: HTTP error through ASGI")
        rounds = []
        if spent is not None:
            spent.clear()
        for _ in range(3):
            started = time.process_time()
            for _ in range(args.requests):
                client.get(url)
            rounds.append((time.process_time() - started) / args.requests * 1000)
        shown = ", ".join(f"{value:.1f}" for value in rounds)
        print(f"  {url:<28} {min(rounds):6.1f} ms (best of 3 rounds: {shown})")
        # Alternated rounds, so both handlers meet the same load.
        asgi_rounds: dict[str, list[float]] = {name: [] for name in asgi_gets}
        for _ in range(3):
            for name, asgi_get in asgi_gets.items():
                started = time.process_time()
                for _ in range(args.requests):
                    asgi_get(url)
                asgi_rounds[name].append((time.process_time() - started) / args.requests * 1000)
        for name, values in asgi_rounds.items():
            shown = ", ".join(f"{value:.1f}" for value in values)
            print(f"  {name:<28} {min(values):6.1f} ms (best of 3: {shown})")
        if spent is not None:
            for label, seconds in spent.most_common(12):
                print(f"      {seconds / (3 * args.requests) * 1000:6.2f} ms  {label[:90]}")
        if args.top:
            profile = cProfile.Profile(time.process_time)
            profile.enable()
            for _ in range(args.requests):
                client.get(url)
            profile.disable()
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats(args.sort).print_stats(args.top)
            print(out.getvalue())


if __name__ == "__main__":
    main()
