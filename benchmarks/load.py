"""Web load benchmark: signed-in clients against the real ASGI server, on PostgreSQL.

    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE mh_load_bench"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mh_load_bench \\
    [REDIS_URL=redis://127.0.0.1:6379/N] \\
        .venv/bin/python benchmarks/load.py [--reports 100000] [--clients 10,50]
                                            [--seconds 30] [--web-workers 1]

Seeds one organization as ``benchmarks/pages.py`` does (reports, mentions, brands with a
Zipf-like popularity; reused on the next run) plus a job with a finished run, then starts
uvicorn exactly as the Procfile does (``--workers`` processes, 127.0.0.1 only) and, for each
client count, lets that many signed-in clients (keep-alive connections, as browsers) request
the dashboard, the reports list, the articles list, the most mentioned brand's page and the
run page in turn for ``--seconds``. It prints requests per second, p50/p95 latency, errors,
the server's CPU per request, and the most PostgreSQL connections open at once plus those
still open 5 s after the load (the connection budget). Then each page alone, one client:
server CPU per request by page. Bounded in time; no timed assertions.
"""

# ruff: noqa: E402 - sys.path must be fixed before anything imports the logging module.
from __future__ import annotations

import os
import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(_HERE.parent)] + [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import argparse
import http.client
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field

ROOT = _HERE.parent
TICKS = os.sysconf("SC_CLK_TCK")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=100_000, help="default 100000")
    parser.add_argument("--mentions-per-report", type=int, default=3, help="default 3")
    parser.add_argument("--brands", type=int, default=2000, help="default 2000")
    parser.add_argument("--feeds", type=int, default=25, help="default 25")
    parser.add_argument("--clients", default="10,50", help="client counts, comma-separated")
    parser.add_argument("--seconds", type=float, default=30.0, help="load per client count")
    parser.add_argument("--web-workers", type=int, default=1, help="uvicorn --workers")
    parser.add_argument("--per-page", type=int, default=30, help="requests per page, CPU pass")
    parser.add_argument("--reseed", action="store_true", help="drop and seed the data again")
    return parser.parse_args()


def configure_environment() -> dict[str, str]:
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to an empty PostgreSQL database made for the benchmark.")
    server_env = {
        "DJANGO_SETTINGS_MODULE": "marketing_hunting.settings",
        "VAR_DIR": tempfile.mkdtemp(prefix="mh-load-bench-"),
        "DEBUG": "false",
        "SECRET_KEY": "benchmark-only-not-a-secret",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
        "LOG_SHIPPING": "false",
    }
    os.environ.update(server_env)
    # With REDIS_URL the cache (and sessions, briefing and page caches) are in Redis, as in
    # production; without it in the file cache of embedded mode.
    return {**os.environ, **server_env}


def prepare(args: argparse.Namespace) -> tuple[str, list[str]]:
    """Seed (or reuse) the data; return a session cookie and the pages to request."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db.models import Count
    from django.utils import timezone

    from accounts.models import Organization
    from benchmarks import pages
    from jobs.models import ExecutionStatus, Job, JobExecution
    from reports.models import Brand, Report

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)  # As a deployment does.
    slug = f"pages-bench-{args.reports}x{args.mentions_per_report}"
    organization = Organization.objects.filter(slug=slug).first()
    existing = Report.objects.filter(organization=organization).count() if organization else 0
    if args.reseed or existing != args.reports:
        print(f"Seeding {args.reports:,} reports x {args.mentions_per_report} mentions ...")
        started = time.perf_counter()
        pages.seed(args, slug)
        pages.vacuum_analyze()
        print(f"Seeded in {time.perf_counter() - started:.0f} s")
        organization = Organization.objects.get(slug=slug)
    job, _ = Job.objects.get_or_create(organization=organization, name="Load benchmark job")
    execution = job.executions.first() or JobExecution.objects.create(
        organization=organization,
        job=job,
        status=ExecutionStatus.SUCCEEDED,
        started_at=timezone.now(),
        completed_at=timezone.now(),
    )
    brand = (
        Brand.objects.filter(organization=organization)
        .annotate(n=Count("mentions"))
        .order_by("-n")
        .first()
    )
    user = User.objects.get(username="pages-bench")
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    urls = ["/", "/reports/", "/feeds/articles/", f"/brands/{brand.pk}/"]
    urls.append(f"/jobs/executions/{execution.pk}/")
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}", urls


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(env: dict[str, str], workers: int) -> tuple[subprocess.Popen, int]:
    port = free_port()
    command = [str(ROOT / ".venv/bin/uvicorn"), "marketing_hunting.asgi:application"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    command += ["--no-access-log", "--log-level", "warning"]
    server = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 - our own uvicorn
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, port
        except OSError:
            time.sleep(0.2)
    server.kill()
    sys.exit("uvicorn did not start within 60 s")


def server_cpu_seconds(server: subprocess.Popen) -> float:
    """CPU (user + system) of uvicorn and its worker processes so far."""
    pids = [server.pid]
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    if children.exists():
        pids += [int(pid) for pid in children.read_text().split()]
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def open_connections() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float, error: str | None) -> None:
        with self.lock:
            if error is None:
                self.latencies.append(seconds)
            else:
                self.errors[error] = self.errors.get(error, 0) + 1


def client_loop(port: int, cookie: str, urls: list[str], offset: int, stop: float, tally: Tally):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    step = offset
    while time.monotonic() < stop:
        path = urls[step % len(urls)]
        step += 1
        started = time.perf_counter()
        try:
            conn.request("GET", path, headers={"Cookie": cookie})
            response = conn.getresponse()
            response.read()
            error = None if response.status == 200 else f"HTTP {response.status} {path}"
        except (OSError, http.client.HTTPException) as exc:
            error = type(exc).__name__
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        tally.add(time.perf_counter() - started, error)
    conn.close()


def run_level(server, port: int, cookie: str, urls: list[str], clients: int, seconds: float):
    tally = Tally()
    peak = [open_connections()]
    stop = time.monotonic() + seconds

    def sample() -> None:
        from django.db import connection

        while time.monotonic() < stop:
            peak.append(open_connections())
            time.sleep(0.1)
        connection.close()  # This thread's own, so "left open" counts only the server's.

    cpu_before = server_cpu_seconds(server)
    threads = [threading.Thread(target=sample)]
    threads += [
        threading.Thread(target=client_loop, args=(port, cookie, urls, n, stop, tally))
        for n in range(clients)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    cpu = server_cpu_seconds(server) - cpu_before
    time.sleep(5)
    done = len(tally.latencies)
    ordered = sorted(tally.latencies) or [0.0]
    errors = sum(tally.errors.values())
    print(
        f"{clients:>7} {done / elapsed:>8.1f} {statistics.median(ordered) * 1000:>7.0f} "
        f"{ordered[int(len(ordered) * 0.95)] * 1000:>7.0f} {errors:>6} "
        f"{cpu / max(done, 1) * 1000:>8.1f} {max(peak):>9} {open_connections():>9}"
    )
    for kind, count in sorted(tally.errors.items()):
        print(f"        {count} x {kind}")


def cpu_per_page(server, port: int, cookie: str, urls: list[str], count: int) -> None:
    print(f"\nServer CPU per request, one client, {count} requests per page (after 3 warm-up):")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for path in urls:
        for _ in range(3):
            conn.request("GET", path, headers={"Cookie": cookie})
            conn.getresponse().read()
        before, started = server_cpu_seconds(server), time.perf_counter()
        for _ in range(count):
            conn.request("GET", path, headers={"Cookie": cookie})
            conn.getresponse().read()
        cpu = (server_cpu_seconds(server) - before) / count * 1000
        wall = (time.perf_counter() - started) / count * 1000
        print(f"  {path:<28} {cpu:>6.1f} ms CPU   {wall:>6.1f} ms wall")
    conn.close()


def main() -> None:
    args = parse_args()
    env = configure_environment()
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    cookie, urls = prepare(args)
    server, port = start_server(env, args.web_workers)
    try:
        cache = "Redis" if os.environ.get("REDIS_URL") else "file"
        print(
            f"\nuvicorn --workers {args.web_workers}; {cache} cache; "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        print(f"Pages in turn: {', '.join(urls)}; {args.seconds:.0f} s per client count")
        print(
            f"{'clients':>7} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'errors':>6} "
            f"{'CPU ms/r':>8} {'peak conn':>9} {'left open':>9}"
        )
        for clients in (int(n) for n in args.clients.split(",")):
            run_level(server, port, cookie, urls, clients, args.seconds)
        cpu_per_page(server, port, cookie, urls, args.per_page)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"\nConnections open after the server stopped: {open_connections()}")


if __name__ == "__main__":
    main()
