"""Pytest plugin with the fixtures that connect tests to real local services.

Load it from ``tests/conftest.py`` with ``pytest_plugins = ["tests.harness.fixtures"]``.

Services that may be missing on a developer machine (Chromium, a broker) make their tests
skip, unless ``REQUIRE_SERVICES`` is true (set in CI), where a missing service is a failure: CI
must never go green by skipping the tests it exists to run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from tests.harness.http_server import LocalHTTPServer
from tests.harness.openai_server import FakeOpenAIServer
from tests.harness.redis_process import RedisProcess
from tests.harness.smtp_server import LocalSMTPServer
from tests.harness.waiting import ceiling

if TYPE_CHECKING:
    from celery.worker import WorkController
    from playwright.sync_api import Browser, Page

HTTP_FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "http"

CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # tests run as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    # The machine has no internet; without these Chromium keeps phoning home and stalls.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1440, "height": 900}
# Playwright waits 30 s by default; a missing element should fail a test much sooner.
PAGE_TIMEOUT_MS = int(ceiling(10) * 1000)

# Long enough for a slow task to finish, short enough that a hung worker fails the test.
WORKER_SHUTDOWN_TIMEOUT = ceiling(60)
BROKER_CONNECT_TIMEOUT = ceiling(10)


def services_required() -> bool:
    # Same truthy spellings as the settings' env parser, so CI means one thing everywhere.
    return os.environ.get("REQUIRE_SERVICES", "").strip().lower() in {"1", "true", "yes", "on"}


def service_unavailable(reason: str) -> NoReturn:
    """Skip the test, or fail it when ``REQUIRE_SERVICES=1``."""
    if services_required():
        pytest.fail(f"{reason} (REQUIRE_SERVICES is on)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def http_server() -> Iterator[LocalHTTPServer]:
    """A :class:`LocalHTTPServer` serving ``tests/fixtures/http`` (when present) and routes."""
    directory = HTTP_FIXTURES_DIR if HTTP_FIXTURES_DIR.is_dir() else None
    with LocalHTTPServer(directory) as server:
        yield server


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[LocalSMTPServer]:
    """A real SMTP server on 127.0.0.1 that Django's mail is pointed at for the test."""
    server = LocalSMTPServer().start()
    server.settings_for(settings)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_process(tmp_path: Path) -> Iterator[RedisProcess]:
    """A redis-server of this test's own (freeze, thaw, stop it), killed at the end."""
    try:
        server = RedisProcess(tmp_path).start()
    except FileNotFoundError:
        service_unavailable("redis-server is not installed")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def openai_server(settings: Any) -> Iterator[FakeOpenAIServer]:
    """A :class:`FakeOpenAIServer` with the Django settings pointing the app at it."""
    with FakeOpenAIServer() as fake:
        settings.OPENAI_BASE_URL = fake.base_url
        settings.OPENAI_API_KEY = "test-key"
        yield fake


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright (its own browser download does not work here)."""
    if not os.access(CHROMIUM_PATH, os.X_OK):
        service_unavailable(f"Chromium not found at {CHROMIUM_PATH}")

    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio event loop running in this thread for the
    # whole session. Django sees that loop and refuses ORM calls from test code with
    # SynchronousOnlyOperation, although the test itself is plain synchronous code.
    # Allowing "async-unsafe" calls is safe here because no coroutine shares our connection.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page in its own context (no cookies or storage shared between tests)."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    # Assertions wait as long as actions do (Playwright's own default is 5 s: too short for a
    # loaded machine, where a page answers in seconds).
    expect.set_options(timeout=PAGE_TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def celery_worker(transactional_db: None) -> Iterator[WorkController]:
    """A live Celery worker (solo pool, in a thread) consuming from the project's broker.

    It needs ``transactional_db``: the worker thread has its own database connection, so it
    only sees rows the test has committed, and the test's writes must not sit inside the
    per-test transaction that plain ``db`` wraps around everything.
    """
    from celery.contrib.testing.worker import start_worker

    # Imported here: the project module may not exist when this plugin is first loaded.
    from marketing_hunting.celery import app

    _require_broker(app)
    # A test settings module may run tasks eagerly; a live worker only sees real messages.
    was_eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with start_worker(
            app,
            pool="solo",
            perform_ping_check=False,  # the ping task is only registered by celery's own plugin
            shutdown_timeout=WORKER_SHUTDOWN_TIMEOUT,
        ) as worker:
            yield worker
    finally:
        app.conf.task_always_eager = was_eager


def _require_broker(app: Any) -> None:
    """Fail fast on an unreachable broker: the worker would otherwise retry forever."""
    from kombu.exceptions import OperationalError

    with app.connection_for_write() as connection:
        try:
            connection.ensure_connection(
                max_retries=1, interval_start=0, timeout=BROKER_CONNECT_TIMEOUT
            )
        except (OperationalError, OSError) as exc:
            # Only "cannot connect" means the service is missing; any other error (a bad URL,
            # an incompatible client library) is a real configuration fault and propagates.
            service_unavailable(f"Celery broker {connection.as_uri()} unreachable: {exc}")
