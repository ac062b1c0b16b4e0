"""A wall-clock deadline for the LLM client (the openai SDK speaks HTTP through httpx2).

httpx applies its timeouts per operation: each read may wait the whole read timeout, and
every byte that arrives starts a new one, so a server dribbling its headers a byte a second
held a call far beyond ``LLM_TIMEOUT``. This transport turns the request's timeout into one
deadline from connect to last byte: every connect, TLS handshake, write and read of its
connections waits at most what is left of it, and a name with several addresses tries
them one after another within it (the socket module gave each address the whole timeout).
(The installation's LLM endpoint is operator-configured and may be a local server, so it
does not go through the address policy of :func:`fetch`; an organization's own base URL is
tenant input, so its transport is built with ``guarded=True`` and refuses every address the
policy refuses, on each connection, redirects included.)

Like :func:`outbound.fetch`, the LLM client ignores the ``HTTP_PROXY``/``HTTPS_PROXY``/
``ALL_PROXY`` environment variables (``make_client`` passes ``trust_env=False``): a proxy
transport httpx would build from them has none of this deadline.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any

import httpcore2
import httpx2
from django.conf import settings
from httpcore2 import NetworkStream, SyncBackend

from outbound.addresses import refusal_reason

# Set when a request starts and left in place: the body is read after handle_request()
# returns, in the same thread, and the next request of the thread sets a fresh deadline.
_deadline: ContextVar[float | None] = ContextVar("llm_deadline", default=None)


def _bounded(timeout: float | None, error: type[Exception]) -> float | None:
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise error("the total deadline has passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(NetworkStream):
    def __init__(self, stream: NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _bounded(timeout, httpcore2.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _bounded(timeout, httpcore2.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> NetworkStream:
        bounded = _bounded(timeout, httpcore2.ConnectTimeout)
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, bounded))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class BlockedLLMAddress(httpcore2.ConnectError):
    """An organization's LLM base URL resolves to an address the outbound policy refuses."""


class _DeadlineBackend(SyncBackend):
    def __init__(self, *, guarded: bool = False) -> None:
        super().__init__()
        self.guarded = guarded

    def _check(self, host: str, addresses: list[Any]) -> None:
        # Every address must pass, as in outbound.addresses.allowed_addresses: a name with one
        # public and one private record would otherwise reach the private one on fallback.
        if not self.guarded or settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES:
            return
        for *_, address in addresses:
            reason = refusal_reason(ipaddress.ip_address(address[0]))
            if reason is not None:
                raise BlockedLLMAddress(f"{host} resolves to {address[0]}, {reason}")

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> NetworkStream:
        # socket.create_connection would give every address of the name the whole timeout;
        # each attempt here gets what is left. (Name resolution itself has no timeout.)
        try:
            addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as error:
            raise httpcore2.ConnectError(str(error)) from error
        self._check(host, addresses)
        failure: Exception | None = None
        for *_, address in addresses:
            bounded = _bounded(timeout, httpcore2.ConnectTimeout)
            try:
                stream = super().connect_tcp(
                    str(address[0]), port, bounded, local_address, socket_options
                )
            except (httpcore2.ConnectError, httpcore2.ConnectTimeout) as error:
                failure = error
                continue
            return _DeadlineStream(stream)
        raise failure or httpcore2.ConnectError(f"{host} has no address")


class DeadlineTransport(httpx2.HTTPTransport):
    """An httpx2 transport whose request timeout is a total deadline (the largest of the
    request's connect/read/write/pool timeouts, which the openai SDK sets all alike)."""

    def __init__(self, *, guarded: bool = False) -> None:
        # Not super().__init__(): it builds a pool (and loads the CA bundle) of its own,
        # which this one would replace. Its only state is self._pool.
        self._pool = httpcore2.ConnectionPool(
            ssl_context=httpx2.create_ssl_context(),
            network_backend=_DeadlineBackend(guarded=guarded),
            max_connections=100,  # httpx's own defaults
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
        )

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        timeouts = request.extensions.get("timeout", {})
        limits = [value for value in timeouts.values() if value is not None]
        _deadline.set(time.monotonic() + max(limits) if limits else None)
        return super().handle_request(request)
