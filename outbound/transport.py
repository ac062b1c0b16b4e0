"""One request to a checked address, over connection pools pinned to IP addresses.

urllib3 is used below the PoolManager level on purpose: each pool connects to a *checked IP
address*, and the host name only goes into the Host header and TLS (SNI and the certificate
check), so no second DNS lookup happens between the policy check and the connection (DNS
rebinding). urllib3 never reads proxy environment variables, so ``http_proxy`` and friends
cannot reroute a request around the policy.
"""

from __future__ import annotations

import http.client
import io
import socket
import threading
import time
from collections import OrderedDict
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import certifi
from urllib3 import HTTPConnectionPool, HTTPHeaderDict, HTTPSConnectionPool, Timeout
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.response import BaseHTTPResponse

from outbound.addresses import IPAddress, Target, allowed_addresses
from outbound.errors import ConnectionFailed, FetchError, FetchTimeout

_MAX_POOLS = 32


@dataclass(frozen=True)
class Limits:
    deadline: float  # time.monotonic() value
    total: float
    connect: float
    read: float

    def remaining(self, url: str) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise FetchTimeout(f"timed out after {self.total:g} s", url)
        return left

    def read_timeout_error(self, target: Target) -> FetchTimeout:
        if time.monotonic() >= self.deadline - 0.05:
            return FetchTimeout(f"timed out after {self.total:g} s", target.url)
        return FetchTimeout(
            f"timed out after {self.read:g} s waiting for {target.host}", target.url
        )


# The Limits of the fetch() running in this thread (or task); read by every socket read.
current_limits: ContextVar[Limits | None] = ContextVar("outbound_limits", default=None)


class _DeadlineReader(io.RawIOBase):
    """The response's socket reader: each read waits at most min(read timeout, time left).

    urllib3 sets one socket timeout before the status line, and every byte that arrives
    restarts it, so a server dribbling its headers a byte a second held a request for as
    long as it liked. Shrinking the timeout before *every* read (status line, headers and
    body alike, since http.client reads them all through this file) makes the total deadline
    a wall clock from connect to last byte.
    """

    def __init__(self, sock: socket.socket) -> None:
        super().__init__()
        self._sock = sock
        # A real SocketIO underneath keeps the socket's reference count honest: http.client
        # closes the connection's socket for "Connection: close" responses while we read.
        self._raw = sock.makefile("rb", buffering=0)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        limits = current_limits.get()
        if limits is not None:
            left = limits.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the total deadline has passed")
            self._sock.settimeout(min(limits.read, left))
        return self._raw.readinto(buffer)

    def fileno(self) -> int:
        return self._raw.fileno()

    def close(self) -> None:
        self._raw.close()
        super().close()


class _SocketMaker:
    """What http.client.HTTPResponse receives instead of the socket: it only calls makefile."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def makefile(self, mode: str = "rb") -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self._sock))


class _DeadlineHTTPResponse(http.client.HTTPResponse):
    def __init__(self, sock: socket.socket, *args: Any, **kwargs: Any) -> None:
        super().__init__(_SocketMaker(sock), *args, **kwargs)  # type: ignore[arg-type]


class _DeadlineConnectMixin:
    """After the TCP connect, the socket may wait at most what is left of the deadline.

    urllib3 leaves the connect timeout on the new socket, and the TLS handshake (and the
    request's write) run under it: a connect that took most of the deadline was followed by
    a handshake that could take the whole connect timeout again.
    """

    timeout: Any

    def _new_conn(self) -> socket.socket:
        sock: socket.socket = super()._new_conn()  # type: ignore[misc]
        limits = current_limits.get()
        if limits is not None:
            left = limits.deadline - time.monotonic()
            if left <= 0:
                sock.close()
                raise ConnectTimeoutError(self, "the total deadline passed while connecting")
            timeout = self.timeout if isinstance(self.timeout, (int, float)) else None
            sock.settimeout(left if timeout is None else min(timeout, left))
        return sock


class _HTTPConnection(_DeadlineConnectMixin, HTTPConnection):
    response_class = _DeadlineHTTPResponse


class _HTTPSConnection(_DeadlineConnectMixin, HTTPSConnection):
    response_class = _DeadlineHTTPResponse


_pools: OrderedDict[tuple[str, str, int, str], HTTPConnectionPool] = OrderedDict()
_pools_lock = threading.Lock()


def _pool(target: Target, address: IPAddress) -> HTTPConnectionPool:
    """A keep-alive pool per (scheme, IP, port, host); urllib3 pools are thread-safe."""
    key = (target.scheme, str(address), target.port, target.host)
    with _pools_lock:
        pool = _pools.get(key)
        if pool is not None:
            _pools.move_to_end(key)
            return pool

        if target.scheme == "https":
            pool = HTTPSConnectionPool(
                str(address),
                target.port,
                maxsize=2,
                server_hostname=target.host,
                assert_hostname=target.host,
                cert_reqs="CERT_REQUIRED",
                ca_certs=certifi.where(),
            )
            pool.ConnectionCls = _HTTPSConnection
        else:
            pool = HTTPConnectionPool(str(address), target.port, maxsize=2)
            pool.ConnectionCls = _HTTPConnection
        _pools[key] = pool
        if len(_pools) > _MAX_POOLS:
            # Closing is safe while another thread uses the pool: urllib3 then closes that
            # connection when it is returned instead of keeping it.
            _pools.popitem(last=False)[1].close()
        return pool


def close_pools() -> None:
    """Close every cached connection (tests; a worker that wants a clean slate)."""
    with _pools_lock:
        while _pools:
            _pools.popitem()[1].close()


def send(
    target: Target,
    method: str,
    headers: HTTPHeaderDict,
    body: bytes | None,
    limits: Limits,
) -> BaseHTTPResponse:
    """One request, to the first checked address that accepts a connection."""
    addresses = allowed_addresses(target)
    headers = headers.copy()
    headers["Host"] = target.host_header
    failure: FetchError | None = None
    for address in addresses:
        left = limits.remaining(target.url)
        shown = f"[{address}]:{target.port}" if address.version == 6 else f"{address}:{target.port}"
        try:
            return _pool(target, address).urlopen(
                method,
                target.path,
                body=body,
                headers=headers,
                retries=False,
                redirect=False,
                assert_same_host=False,
                preload_content=False,
                decode_content=False,
                release_conn=False,
                timeout=Timeout(connect=min(limits.connect, left), read=min(limits.read, left)),
            )
        except NewConnectionError as error:  # before ConnectTimeoutError: it is a subclass
            refused = isinstance(error.__cause__, ConnectionRefusedError)
            message = (
                f"connection refused by {shown}" if refused else f"could not connect to {shown}"
            )
            failure = ConnectionFailed(message, target.url)
        except ConnectTimeoutError:
            failure = FetchTimeout(
                f"timed out after {min(limits.connect, left):g} s connecting to {shown}",
                target.url,
            )
        except ReadTimeoutError:
            raise limits.read_timeout_error(target) from None
        except SSLError as error:
            raise ConnectionFailed(_tls_message(error, target.host), target.url) from None
        except HTTPError as error:
            raise ConnectionFailed(
                f"the connection to {target.host} failed ({describe_cause(error)})", target.url
            ) from None
    if failure is None:  # unreachable: resolve() never returns an empty tuple
        raise ConnectionFailed(f"could not resolve host {target.host}", target.url)
    raise failure


def _tls_message(error: SSLError, host: str) -> str:
    text = str(error)
    if "CERTIFICATE_VERIFY_FAILED" in text or "match" in text.lower():
        return f"TLS certificate verification failed for {host}"
    return f"TLS handshake with {host} failed ({describe_cause(error)})"


def describe_cause(error: BaseException) -> str:
    while error.__context__ is not None and not str(error):
        error = error.__context__
    return str(error) or type(error).__name__
