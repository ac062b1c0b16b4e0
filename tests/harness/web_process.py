"""The web process as the Procfile starts it (uvicorn, ``marketing_hunting.asgi``), in a
subprocess on the test database, for tests of what happens around it: connections, outages."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
START_CEILING_SECONDS = 60.0


def current_database_url() -> str:
    """The URL of the database this test uses (the test database, during the test)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    password = f":{urllib.parse.quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def web_process(**env_overrides: str) -> Iterator[str]:
    """Start uvicorn on a free port; yield its base URL; stop it at the end."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": current_database_url(),
        "LOG_SHIPPING": "false",
        **env_overrides,
    }
    command = [sys.executable, "-m", "uvicorn", "marketing_hunting.asgi:application"]
    command += ["--lifespan", "off", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--log-level", "warning"]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + START_CEILING_SECONDS
        while True:
            assert server.poll() is None, "uvicorn exited"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "uvicorn did not answer"
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=START_CEILING_SECONDS)
