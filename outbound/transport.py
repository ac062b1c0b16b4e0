"""One request to a checked address, over connection pools pinned to IP addresses.

urllib3 is used below the PoolManager level on purpose: each pool connects to a *checked IP
address*, and the host name only goes into the Host header and TLS (SNI and the certificate
check), so no second DNS lookup happens between the policy check and the connection (DNS
rebinding). urllib3 never reads proxy environment variables, so ``http_proxy`` and friends
cannot reroute a request around the policy.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

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


class _SocketKeepingMixin:
    """Remembers the socket after http.client hands it to a "Connection: close" response.

    Body reads shrink the socket timeout to what is left of the total deadline; without the
    reference, a slowly dribbled body could overrun the deadline by a whole read timeout.
    """

    kept_socket: socket.socket | None = None

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        self.kept_socket = self.sock  # type: ignore[attr-defined]


class _HTTPConnection(_SocketKeepingMixin, HTTPConnection):
    pass


class _HTTPSConnection(_SocketKeepingMixin, HTTPSConnection):
    pass


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
