"""What an operator of `make run` reads on the console: one line per request that matters,
none for probes and static files, and none of the start-up warnings that said nothing."""

import logging
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from marketing_hunting.logging import QuietAccessFilter

ROOT = Path(__file__).resolve().parents[2]
CEILING_SECONDS = 60.0


def _procfile_command(name: str) -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"no {name} process in the Procfile")


def _wait_until_gone(group: int) -> None:
    """Every process of the group has exited (uvicorn finishes its shutdown after the shell)."""
    deadline = time.monotonic() + CEILING_SECONDS
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.killpg(group, signal.SIGKILL)
    raise AssertionError("the web process did not stop with its group")


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=CEILING_SECONDS) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_procfile_web_logs_one_line_per_page_and_none_for_probes_or_static(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}},
        "DEBUG": "true",
        "VAR_DIR": str(tmp_path / "var"),
        "WEB_HOST": "127.0.0.1",
        "WEB_PORT": str(port),
        "LOG_SHIPPING": "false",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    console = tmp_path / "console.log"
    with console.open("w") as out:
        # Exactly as honcho runs it: the Procfile line through a shell.
        # Its own process group: the shell (dash) does not exec the line, so stopping only the
        # shell left the supervisor and uvicorn running after the test.
        server = subprocess.Popen(  # noqa: S602 - our own Procfile line
            _procfile_command("web"),
            shell=True,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + CEILING_SECONDS
            while True:
                assert server.poll() is None, console.read_text()
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    assert time.monotonic() < deadline, "the web process did not start"
                    time.sleep(0.2)
            base = f"http://127.0.0.1:{port}"
            statuses = {path: _get(base + path) for path in ("/healthz", "/static/css/app.css")}
            statuses |= {path: _get(base + path) for path in ("/login/", "/no-such-page/")}
        finally:
            os.killpg(server.pid, signal.SIGTERM)  # As honcho stops a process: the whole group.
            server.wait(timeout=CEILING_SECONDS)
            _wait_until_gone(server.pid)
    text = console.read_text()

    assert statuses["/static/css/app.css"] == 200
    assert statuses["/login/"] == 200
    assert statuses["/no-such-page/"] == 404
    access = [line for line in text.splitlines() if "uvicorn.access" in line]
    assert len(access) == 2, text
    assert '"GET /login/ HTTP/1.1" 200' in access[0]
    assert '"GET /no-such-page/ HTTP/1.1" 404' in access[1]
    assert "lifespan" not in text
    assert "StreamingHttpResponse" not in text


@pytest.mark.parametrize(
    ("path", "status", "kept"),
    [
        ("/healthz", 200, False),
        ("/healthz", 503, True),  # A failing probe is news.
        ("/static/css/app.css?v=2", 200, False),
        ("/static/missing.css", 404, True),
        ("/reports/?q=static", 200, True),
    ],
)
def test_the_access_filter_keeps_failures_and_pages(path, status, kept):
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d', None, None
    )
    record.args = ("127.0.0.1:5000", "GET", path, "1.1", status)

    assert QuietAccessFilter().filter(record) is kept


def test_the_access_line_of_a_share_link_does_not_keep_its_token():
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d', None, None
    )
    record.args = ("127.0.0.1:5000", "GET", "/s/secretTOKEN_x/", "1.1", 200)

    assert QuietAccessFilter().filter(record) is True
    assert record.getMessage() == '127.0.0.1:5000 - "GET /s/[Filtered]/ HTTP/1.1" 200'


@pytest.mark.skipif(bool(settings.REDIS_URL), reason="the embedded broker's own URL")
def test_the_embedded_broker_starts_without_the_no_hostname_warning(caplog):
    from marketing_hunting.celery import app

    with caplog.at_level(logging.WARNING, logger="kombu"), app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1)
        conn.info()

    assert "No hostname was supplied" not in caplog.text
