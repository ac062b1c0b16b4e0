"""The ASGI web process gives back every PostgreSQL connection it opens.

Under uvicorn each request's synchronous code runs in a thread of its own (asgiref gives every
request a fresh thread-sensitive context). A persistent connection (``CONN_MAX_AGE`` > 0) is
kept in that thread's storage and never closed, so every burst of requests left connections
open until the server ran out of slots ("too many clients"). This drives the real ASGI
application, served by uvicorn on 127.0.0.1, with concurrent signed-in clients and checks that
the database's connection count returns to what it was before.
"""

from __future__ import annotations

import socket
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import uvicorn
from django.conf import settings
from django.db import connection
from django.test import Client

from marketing_hunting.asgi import application

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="server connection slots are PostgreSQL's"
)

CLIENTS = 30
REQUESTS_PER_CLIENT = 10
PAGES = ("/", "/reports/", "/feeds/", "/brands/", "/jobs/")
SETTLE_CEILING_SECONDS = 60.0  # Generous: a loaded CI machine is slow, a leak never settles.


def _backend_count() -> int:
    """Connections to this database other than the test's own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


@pytest.fixture
def asgi_server() -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        application, host="127.0.0.1", port=port, lifespan="off", log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + SETTLE_CEILING_SECONDS
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=SETTLE_CEILING_SECONDS)


def test_concurrent_requests_leave_no_connection_open(transactional_db, alice, asgi_server):
    client = Client()
    client.force_login(alice)
    name = settings.SESSION_COOKIE_NAME
    cookie = f"{name}={client.cookies[name].value}"
    baseline = _backend_count()

    def browse(index: int) -> list[tuple[int, str]]:
        served = []
        for step in range(REQUESTS_PER_CLIENT):
            path = PAGES[(index + step) % len(PAGES)]
            request = urllib.request.Request(asgi_server + path, headers={"Cookie": cookie})
            with urllib.request.urlopen(request, timeout=SETTLE_CEILING_SECONDS) as response:
                served.append((response.status, urllib.parse.urlsplit(response.url).path))
        return served

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        served = [page for result in pool.map(browse, range(CLIENTS)) for page in result]

    # Every page itself was served, signed in: no error, no redirect to the login page.
    assert {status for status, _ in served} == {200}
    assert {path for _, path in served} == set(PAGES)
    deadline = time.monotonic() + SETTLE_CEILING_SECONDS
    while (open_now := _backend_count()) > baseline and time.monotonic() < deadline:
        time.sleep(0.2)
    assert open_now <= baseline, f"{open_now - baseline} connections left open by the web process"
