"""TLS through the pinned IP: the certificate is checked against the host name."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from outbound import (
    ConnectionFailed,
    fetch,
)
from tests.outbound.test_addresses import fake_resolver

MB = 1024 * 1024


# -- TLS: the certificate is checked against the host name, not the pinned IP ----------------


class TLSServer:
    def __init__(self, cert: Path, key: Path) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Length", "6")
                self.end_headers()
                self.wfile.write(b"secure")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda *args: None  # type: ignore[method-assign]
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TLSServer, Path]]:
    """A server whose certificate, from a throwaway CA, names only secure.example."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make test certificates")
    folder = tmp_path_factory.mktemp("tls")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], cwd=folder, check=True, capture_output=True)

    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=CA")
    run("req", *ec, "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=secure.example")
    (folder / "san.cnf").write_text("subjectAltName=DNS:secure.example\n")
    run(
        "x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "leaf.pem", "-days", "2", "-extfile", "san.cnf",
    )  # fmt: skip
    server = TLSServer(folder / "leaf.pem", folder / "leaf.key")
    yield server, folder / "ca.pem"
    server.close()


def test_tls_verifies_the_certificate_for_the_host_name_over_the_pinned_ip(
    tls_server: tuple[TLSServer, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, ca = tls_server
    fake_resolver(monkeypatch, {"secure.example": ["127.0.0.1"], "other.example": ["127.0.0.1"]})
    monkeypatch.setattr("outbound.transport.certifi.where", lambda: str(ca))

    response = fetch(f"https://secure.example:{server.port}/")
    with pytest.raises(ConnectionFailed) as wrong_name:
        fetch(f"https://other.example:{server.port}/")

    assert response.body == b"secure"
    assert wrong_name.value.message == "TLS certificate verification failed for other.example"


def test_tls_refuses_a_certificate_from_an_unknown_authority(
    tls_server: tuple[TLSServer, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, _ = tls_server  # the right name, but our CA is not in certifi's bundle
    fake_resolver(monkeypatch, {"secure.example": ["127.0.0.1"]})

    with pytest.raises(ConnectionFailed) as error:
        fetch(f"https://secure.example:{server.port}/")

    assert error.value.message == "TLS certificate verification failed for secure.example"
