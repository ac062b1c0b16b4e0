"""The LLM client's one deadline (outbound/llm_transport.py): connects, TLS, proxies, CA."""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from outbound.llm_transport import DeadlineTransport
from reports.extractors.llm import make_client
from tests.harness.dribble_server import HeaderDribbleServer
from tests.harness.http_server import LocalHTTPServer
from tests.harness.openai_server import FakeOpenAIServer
from tests.harness.stall_server import StallServer

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")


def ask() -> None:
    make_client().chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])


def test_a_name_with_two_silent_addresses_is_given_up_at_llm_timeout(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two loopback addresses whose connects never complete, behind one name. The socket
    # module gave each address the whole timeout: 4 s for a 2 s LLM_TIMEOUT. Only the DNS
    # answer is made up (there is no local DNS server); the connects are real.
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "llm.test":
            return [
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))
                for address in ("127.0.0.1", "127.0.0.2")
            ]
        return real_getaddrinfo(host, port, *args, **kwargs)

    with StallServer(accept_after=None, hosts=("127.0.0.1", "127.0.0.2")) as server:
        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        settings.OPENAI_BASE_URL = f"http://llm.test:{server.port}/v1"
        settings.LLM_TIMEOUT = 2
        started = time.monotonic()
        with pytest.raises(openai.APITimeoutError):
            ask()
        elapsed = time.monotonic() - started

    assert 1.9 <= elapsed < 3.2, f"took {elapsed:.1f} s for a 2 s LLM_TIMEOUT"


def test_a_slow_connect_then_a_stalled_tls_handshake_end_at_llm_timeout(settings: Any) -> None:
    with StallServer(accept_after=2.0) as server:
        settings.OPENAI_BASE_URL = server.url_for("/v1", scheme="https")
        settings.LLM_TIMEOUT = 5
        started = time.monotonic()
        with pytest.raises(openai.APITimeoutError):
            ask()
        elapsed = time.monotonic() - started
        assert server.client_spoke.wait(5), "the client never got to its TLS handshake"

    assert elapsed < 6.5, f"took {elapsed:.1f} s for a 5 s LLM_TIMEOUT"


@pytest.fixture
def proxy_variables(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalHTTPServer]:
    """Every proxy variable points at a real local HTTP server that records what reaches it."""
    with LocalHTTPServer() as proxy:
        for name in PROXY_VARIABLES:
            monkeypatch.setenv(name, proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        yield proxy


def test_the_llm_client_ignores_proxy_variables_like_the_outbound_client(
    settings: Any, proxy_variables: LocalHTTPServer
) -> None:
    with FakeOpenAIServer() as fake:
        settings.OPENAI_BASE_URL = fake.base_url
        fake.reply_text("hello")
        ask()
        assert len(fake.requests) == 1

    assert proxy_variables.requests == []


def test_with_proxy_variables_set_a_dribbling_server_is_still_cut_off_at_llm_timeout(
    settings: Any, proxy_variables: LocalHTTPServer
) -> None:
    with HeaderDribbleServer(byte_delay=1.0, max_bytes=12) as server:
        settings.OPENAI_BASE_URL = server.url_for("/v1")
        settings.LLM_TIMEOUT = 2
        started = time.monotonic()
        with pytest.raises(openai.APITimeoutError):
            ask()
        elapsed = time.monotonic() - started

    assert 1.9 <= elapsed < 3.2
    assert server.connections == 1
    assert proxy_variables.requests == []


def test_a_transport_loads_the_ca_bundle_once(monkeypatch: pytest.MonkeyPatch) -> None:
    loads: list[object] = []
    real_load = ssl.SSLContext.load_verify_locations

    def counting_load(self: ssl.SSLContext, *args: Any, **kwargs: Any) -> None:
        loads.append(args or kwargs)
        real_load(self, *args, **kwargs)

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", counting_load)
    DeadlineTransport()

    assert len(loads) == 1
