"""The ASGI web process gives back every PostgreSQL connection it opens, and never holds more
than its pool allows.

Under uvicorn each request's synchronous code runs in a thread of its own (asgiref gives every
request a fresh thread-sensitive context). A persistent connection (``CONN_MAX_AGE`` > 0) was
kept in that thread's storage and never closed, so every burst of requests left connections
open until the server ran out of slots ("too many clients"). These tests drive the real ASGI
application, served by uvicorn on 127.0.0.1, with concurrent signed-in clients: in this process
without a pool (the default of every settings module that is not the web entry point), and as
the web process runs it, started by the ``asgi`` module with its bounded pool.
"""

from __future__ import annotations

import socket
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import uvicorn
from django.conf import settings
from django.db import connection
from django.test import Client

from marketing_hunting.asgi import application
from tests.harness.web_process import web_process

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="server connection slots are PostgreSQL's"
)

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 30
REQUESTS_PER_CLIENT = 10
PAGES = ("/", "/reports/", "/feeds/", "/brands/", "/jobs/")
POOL_SIZE = 4
CEILING_SECONDS = 60.0  # Generous: a loaded CI machine is slow, a leak never settles.


def _backend_count() -> int:
    """Connections to this database other than the test's own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def _wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + CEILING_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"{what} within {CEILING_SECONDS:.0f} s"
        time.sleep(0.2)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


def _browse_concurrently(base_url: str, cookie: str) -> list[tuple[int, str]]:
    """CLIENTS signed-in clients request the pages in turn; (status, final path) of each."""

    def browse(index: int) -> list[tuple[int, str]]:
        served = []
        for step in range(REQUESTS_PER_CLIENT):
            path = PAGES[(index + step) % len(PAGES)]
            request = urllib.request.Request(base_url + path, headers={"Cookie": cookie})
            with urllib.request.urlopen(request, timeout=CEILING_SECONDS) as response:
                served.append((response.status, urllib.parse.urlsplit(response.url).path))
        return served

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        return [page for result in pool.map(browse, range(CLIENTS)) for page in result]


def _assert_all_served(served: list[tuple[int, str]]) -> None:
    # Every page itself was served, signed in: no error, no redirect to the login page.
    assert len(served) == CLIENTS * REQUESTS_PER_CLIENT
    assert {status for status, _ in served} == {200}
    assert {path for _, path in served} == set(PAGES)


@pytest.fixture
def in_process_server() -> Iterator[str]:
    port = _free_port()
    config = uvicorn.Config(
        application, host="127.0.0.1", port=port, lifespan="off", log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    _wait_for(lambda: server.started, "uvicorn started")
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=CEILING_SECONDS)


def test_requests_without_a_pool_leave_no_connection_open(
    transactional_db, alice, in_process_server
):
    cookie = _session_cookie(alice)
    baseline = _backend_count()

    _assert_all_served(_browse_concurrently(in_process_server, cookie))

    _wait_for(lambda: _backend_count() <= baseline, "connections back to the baseline")


@pytest.fixture
def pooled_web(transactional_db) -> Iterator[str]:
    """uvicorn as the Procfile starts it, on the test database, with a small pool."""
    with web_process(WEB_DATABASE_POOL_SIZE=str(POOL_SIZE)) as base_url:
        yield base_url


def test_the_web_process_holds_at_most_its_pool(alice, pooled_web):
    cookie = _session_cookie(alice)
    baseline = _backend_count()
    peak = [baseline]
    done = threading.Event()

    def sample() -> None:
        from django.db import connection as own

        while not done.is_set():
            peak.append(_backend_count() - 1)  # Not this thread's own connection.
            time.sleep(0.05)
        own.close()

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        served = _browse_concurrently(pooled_web, cookie)
    finally:
        done.set()
        sampler.join()

    _assert_all_served(served)
    assert max(peak) <= baseline + POOL_SIZE, f"{max(peak) - baseline} connections at once"
