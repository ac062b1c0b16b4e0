"""Memory (and CPU) per open live-progress stream under uvicorn.

    .venv/bin/python benchmarks/sse.py [--streams 50 200] [--settle 5]

It migrates a throwaway database, creates one organization with a running execution (it stays
running, so every stream keeps polling), logs a user in, then starts
``uvicorn marketing_hunting.asgi:application`` as a subprocess (one process, as in production).
One warm-up stream loads the code and templates; then raw sockets open streams up to each level
of ``--streams`` (each socket reads until its first ``progress`` event, so the stream is
really open). After ``--settle`` seconds of polling at each level it reads the server's RSS
(``VmRSS``) and its CPU time over that window. Memory per stream = RSS growth / streams opened.
"""

from __future__ import annotations

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
if os.path.dirname(_HERE) not in sys.path:
    sys.path.insert(0, os.path.dirname(_HERE))

import argparse  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(_HERE).parent
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--streams", type=int, nargs="+", default=[50, 200], help="levels")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds at each level")
    parser.add_argument("--port", type=int, default=8197)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    return parser.parse_args()


def configure_environment(var_dir: Path) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "marketing_hunting.settings",
            "VAR_DIR": str(var_dir),
            "DEBUG": "false",
            "SECRET_KEY": "benchmark-only-not-a-secret",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "SECURE_HSTS_SECONDS": "0",
            "LOG_LEVEL": "WARNING",
            "LOG_SHIPPING": "false",
        }
    )
    os.environ.pop("REDIS_URL", None)


def create_data() -> tuple[int, str]:
    """A running execution with a few log lines, and a logged-in session for its owner."""
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.test import Client

    from accounts.models import Membership, Role
    from accounts.services import organization_create
    from feeds.models import Feed
    from jobs.models import ExecutionEvent, ExecutionStatus, JobExecution
    from jobs.services.jobs import job_create

    call_command("migrate", verbosity=0)
    organization = organization_create(name="Bench")
    user = User.objects.create_user("bench", password="bench-password-123")  # noqa: S106
    Membership.objects.create(organization=organization, user=user, role=Role.OWNER)
    feed = Feed.objects.create(organization=organization, name="f", url="https://example.com/f")
    job = job_create(organization=organization, name="Bench job", feeds=[feed], use_llm=False)
    execution = JobExecution.objects.create(
        organization=organization, job=job, status=ExecutionStatus.RUNNING, feeds_total=10
    )
    for n in range(20):
        ExecutionEvent.objects.create(execution=execution, message=f"Feed {n}: 3 new articles.")
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return execution.pk, client.cookies["sessionid"].value


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def threads(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


def open_stream(port: int, path: str, session: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=15)
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
        f"Cookie: sessionid={session}\r\n\r\n"
    )
    sock.sendall(request.encode())
    received = b""
    while b"event: progress" not in received:
        chunk = sock.recv(65536)
        if not chunk:
            raise RuntimeError(f"stream closed early: {received[:300]!r}")
        received += chunk
    if not received.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(received[:300])
    return sock


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("uvicorn exited")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("uvicorn did not start")


def main() -> None:
    args = parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="mh-sse-bench-"))
    configure_environment(var_dir)
    import django

    django.setup()
    execution_id, session = create_data()
    path = f"/jobs/executions/{execution_id}/stream/"
    command = [
        *(sys.executable, "-m", "uvicorn", "marketing_hunting.asgi:application"),
        *("--port", str(args.port), "--no-access-log", "--log-level", "warning"),
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=os.environ.copy())  # noqa: S603
    sockets: list[socket.socket] = []
    rows = []
    try:
        wait_for_port(args.port, server)
        sockets.append(open_stream(args.port, path, session))  # warm-up: code, templates
        time.sleep(args.settle)
        base_rss, base_threads = rss_bytes(server.pid), threads(server.pid)
        print(f"uvicorn pid {server.pid}: {base_rss / 2**20:.1f} MiB RSS with 1 warm-up stream")
        for level in sorted(args.streams):
            while len(sockets) - 1 < level:
                sockets.append(open_stream(args.port, path, session))
            cpu_before, started = cpu_seconds(server.pid), time.monotonic()
            time.sleep(args.settle)
            cpu = (cpu_seconds(server.pid) - cpu_before) / (time.monotonic() - started)
            rss = rss_bytes(server.pid)
            rows.append((level, rss, (rss - base_rss) / level, cpu, threads(server.pid)))
    finally:
        for sock in sockets:
            sock.close()
        server.terminate()
        server.wait(timeout=10)
        if not args.keep:
            shutil.rmtree(var_dir, ignore_errors=True)

    print(f"\nserver threads with 1 stream: {base_threads}; poll every 1 s per stream (default)")
    print(f"{'streams':>8} {'RSS MiB':>9} {'KiB/stream':>11} {'CPU %':>7} {'threads':>8}")
    for level, rss, per_stream, cpu, count in rows:
        mib, kib, percent = rss / 2**20, per_stream / 1024, cpu * 100
        print(f"{level:>8} {mib:>9.1f} {kib:>11.1f} {percent:>7.1f} {count:>8}")


if __name__ == "__main__":
    main()
