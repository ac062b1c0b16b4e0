"""`make audit` (.ci/audit) fails closed: no data about a requirement is a failure.

pip-audit 2.10 without --strict exited 0 with "No known vulnerabilities found" while
skipping every requirement, because the PyPI it reached had no per-version JSON pages
(issue #17 item 10). These tests run the real script and the real pip-audit against a real
local OSV endpoint (tests/harness/http_server.py), an unreachable one, and PyPI.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness.http_server import LocalHTTPServer, Reply
from tests.harness.waiting import ceiling

ROOT = Path(__file__).resolve().parents[2]
AUDIT = ROOT / ".ci" / "audit"
NO_DATA = "No known vulnerabilities found"
# pip-audit's own socket timeout is 15 s per request; a few requirements, a slow machine.
AUDIT_TIMEOUT = ceiling(90)


def _pip_audit() -> str:
    # requirements-dev.txt pins pip-audit, so `make test` has it beside the interpreter.
    # PIP_AUDIT points elsewhere (a scratch venv) where the shared venv must not change.
    path = os.environ.get("PIP_AUDIT") or str(Path(sys.executable).parent / "pip-audit")
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} is missing: make install-dev installs pip-audit", pytrace=False)
    return path


def _closed_port() -> int:
    # A port that was just free: nothing listens there, so connecting is refused.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run_audit(tmp_path: Path, requirements: str, **env: str) -> subprocess.CompletedProcess[str]:
    req = tmp_path / "requirements.txt"
    req.write_text(requirements)
    full_env = {
        **os.environ,
        "PIP_AUDIT": _pip_audit(),
        "AUDIT_REQUIREMENTS": str(req),
        # A fresh cache: an answer cached by an earlier run must not stand in for the service.
        "AUDIT_CACHE_DIR": str(tmp_path / "cache"),
        **env,
    }
    return subprocess.run(
        [str(AUDIT)],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=AUDIT_TIMEOUT,
        check=False,
    )


def _osv_vuln() -> dict[str, object]:
    return {
        "id": "GHSA-test-0000-0000",
        "summary": "A test advisory",
        "details": "Served by the test's OSV endpoint.",
        "aliases": ["CVE-2099-0001"],
        "affected": [
            {
                "package": {"name": "django", "ecosystem": "PyPI"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "99.0"}]}
                ],
            }
        ],
    }


def test_a_clean_answer_for_every_requirement_passes(
    tmp_path: Path, http_server: LocalHTTPServer
) -> None:
    # The control: the script is not simply always failing.
    http_server.add_route("/v1/query", Reply(body=json.dumps({}), headers=_json()))
    result = _run_audit(
        tmp_path,
        "django==5.2.19\nurllib3==2.8.0\n",
        AUDIT_SERVICE="osv",
        AUDIT_OSV_URL=http_server.url_for("/v1/query"),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "every requirement was checked" in result.stdout
    assert len(http_server.requests_to("/v1/query")) == 2


def test_a_known_vulnerability_fails(tmp_path: Path, http_server: LocalHTTPServer) -> None:
    answer = Reply(body=json.dumps({"vulns": [_osv_vuln()]}), headers=_json())
    http_server.add_route("/v1/query", answer)
    result = _run_audit(
        tmp_path,
        "django==5.2.19\n",
        AUDIT_SERVICE="osv",
        AUDIT_OSV_URL=http_server.url_for("/v1/query"),
    )
    assert result.returncode != 0
    # pip-audit names the advisory by its ID or by its CVE alias.
    assert "CVE-2099-0001" in result.stdout or "GHSA-test-0000-0000" in result.stdout
    assert "known vulnerabilities" in result.stderr


def test_an_unreachable_service_fails_with_a_clear_message(tmp_path: Path) -> None:
    result = _run_audit(
        tmp_path,
        "django==5.2.19\n",
        AUDIT_SERVICE="osv",
        AUDIT_OSV_URL=f"http://127.0.0.1:{_closed_port()}/v1/query",
    )
    assert result.returncode != 0
    assert NO_DATA not in result.stdout
    assert "the vulnerability service could not be reached" in result.stderr


def test_a_service_error_fails(tmp_path: Path, http_server: LocalHTTPServer) -> None:
    http_server.add_route("/v1/query", Reply(status=503, body="down for maintenance"))
    result = _run_audit(
        tmp_path,
        "django==5.2.19\n",
        AUDIT_SERVICE="osv",
        AUDIT_OSV_URL=http_server.url_for("/v1/query"),
    )
    assert result.returncode != 0
    assert NO_DATA not in result.stdout
    assert "Dependency audit FAILED" in result.stderr


def test_pypi_behind_a_dead_proxy_fails(tmp_path: Path) -> None:
    # The default service (PyPI) with the network cut: requests honours HTTPS_PROXY.
    dead = f"http://127.0.0.1:{_closed_port()}"
    result = _run_audit(
        tmp_path, "django==5.2.19\n", HTTPS_PROXY=dead, https_proxy=dead, NO_PROXY=""
    )
    assert result.returncode != 0
    assert NO_DATA not in result.stdout
    assert "the vulnerability service could not be reached" in result.stderr


def test_a_requirement_the_service_does_not_know_fails(tmp_path: Path) -> None:
    # The reported defect: PyPI answers 404 for a release it has no page for, and pip-audit
    # skipped it and said "No known vulnerabilities found" with exit status 0. Needs PyPI
    # (pypi.org) reachable, as `make install` does; a name no one will register stands in.
    result = _run_audit(tmp_path, "mh-not-on-pypi-5f0c1e==0.0.1\n")
    assert result.returncode != 0
    assert NO_DATA not in result.stdout
    assert "could not be audited" in result.stderr


def test_a_missing_pip_audit_fails(tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("django==5.2.19\n")
    env = {**os.environ, "PIP_AUDIT": str(tmp_path / "pip-audit"), "AUDIT_REQUIREMENTS": str(req)}
    result = subprocess.run(
        [str(AUDIT)], env=env, capture_output=True, text=True, timeout=AUDIT_TIMEOUT, check=False
    )
    assert result.returncode != 0
    assert "pip-audit" in result.stderr and "is missing" in result.stderr


def _json() -> dict[str, str]:
    return {"Content-Type": "application/json"}
