"""fetch(): hand-followed redirects, a total deadline and a bounded, decoded body.

Every hop is parsed, resolved and checked again by :func:`outbound.transport.send`, so a
public page cannot redirect us into the private network.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping
from urllib.parse import urljoin

from django.conf import settings
from urllib3 import HTTPHeaderDict
from urllib3.exceptions import HTTPError, ReadTimeoutError
from urllib3.response import BaseHTTPResponse

from outbound.addresses import Target, parse_url
from outbound.errors import (
    BlockedAddress,
    ConnectionFailed,
    InvalidURL,
    ResponseTooLarge,
    TooManyRedirects,
)
from outbound.response import BoundedDecoder, FetchResponse, format_size
from outbound.transport import Limits, current_limits, describe_cause, send

CHUNK_SIZE = 64 * 1024
DEFAULT_READ_TIMEOUT = 10.0
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Set by the client itself: a caller's value would break pinning, framing, decoding or honesty.
_RESERVED_HEADERS = frozenset(
    {"host", "accept-encoding", "content-length", "transfer-encoding", "connection", "user-agent"}
)
# Credentials meant for one site must not follow a redirect to another.
_CREDENTIAL_HEADERS = ("authorization", "cookie", "proxy-authorization")
_BODY_HEADERS = ("content-type", "content-encoding")


def fetch(
    url: str,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 20.0,
    connect_timeout: float = 5.0,
    read_timeout: float = DEFAULT_READ_TIMEOUT,
    max_bytes: int | None = None,
    max_redirects: int = 5,
) -> FetchResponse:
    """Fetch ``url`` under the address policy and return the final response (any status).

    ``timeout`` is the deadline for everything (connects, redirects, body); ``connect_timeout``
    and ``read_timeout`` bound each connect and each wait for data within it. The body is
    capped at ``max_bytes`` (default ``OUTBOUND_MAX_BYTES``) both on the wire and decompressed.
    Up to ``max_redirects`` redirects are followed, each hop checked like the first.

    Raises a :class:`~outbound.errors.FetchError` subclass on every failure; its ``url`` is
    the URL being fetched when it happened (a redirect hop, for errors on hops), except
    :class:`TooManyRedirects`, which names the URL the caller asked for.
    """
    started = time.monotonic()
    deadline = started + timeout
    cap = settings.OUTBOUND_MAX_BYTES if max_bytes is None else max_bytes
    if timeout <= 0 or cap <= 0 or max_redirects < 0:
        raise ValueError("timeout and max_bytes must be positive, max_redirects not negative")
    method = method.upper()
    request_headers = _request_headers(headers)
    limits = Limits(deadline, timeout, connect_timeout, read_timeout)
    token = current_limits.set(limits)
    try:
        return _fetch(url, method, request_headers, body, limits, cap, max_redirects, started)
    finally:
        current_limits.reset(token)


def _fetch(
    url: str,
    method: str,
    request_headers: HTTPHeaderDict,
    body: bytes | None,
    limits: Limits,
    cap: int,
    max_redirects: int,
    started: float,
) -> FetchResponse:
    target = parse_url(url)
    redirects: list[str] = []
    while True:
        try:
            response = send(target, method, request_headers, body, limits)
        except BlockedAddress as error:
            if not redirects:
                raise
            message = f"redirect to {target.url} refused: {error.message}"
            raise BlockedAddress(message, target.url) from None
        location = response.headers.get("Location")
        if response.status not in _REDIRECT_STATUSES or not location:
            break
        _discard(response)
        redirects.append(target.url)
        if len(redirects) > max_redirects:
            plural = "" if max_redirects == 1 else "s"
            raise TooManyRedirects(f"more than {max_redirects} redirect{plural}", url)
        next_target = _redirect_target(target, location)
        if next_target.url in redirects:
            raise TooManyRedirects(f"redirect loop at {next_target.url}", url)
        if response.status in (301, 302, 303) and method not in ("GET", "HEAD"):
            # What browsers do (RFC 9110 §15.4): the redirected request becomes a GET.
            method, body = "GET", None
            for name in _BODY_HEADERS:
                request_headers.discard(name)
        if next_target.origin != target.origin:
            for name in _CREDENTIAL_HEADERS:
                request_headers.discard(name)
        target = next_target
    try:
        content = _read_body(response, target, method, cap, limits)
    except BaseException:
        _discard(response)
        raise
    response.release_conn()
    return FetchResponse(
        url=target.url,
        status=response.status,
        headers=response.headers,
        body=content,
        redirects=tuple(redirects),
        elapsed=time.monotonic() - started,
    )


def _request_headers(extra: Mapping[str, str] | None) -> HTTPHeaderDict:
    headers = HTTPHeaderDict()
    for name, value in (extra or {}).items():
        if name.lower() in _RESERVED_HEADERS:
            raise ValueError(f"the {name} header is set by the outbound client")
        headers[name] = value
    headers["User-Agent"] = settings.OUTBOUND_USER_AGENT
    # Only what BoundedDecoder can decode with a size bound (no br/zstd).
    headers["Accept-Encoding"] = "gzip, deflate"
    return headers


def _redirect_target(current: Target, location: str) -> Target:
    # http.client decodes headers as latin-1; servers often send raw UTF-8 in Location.
    with contextlib.suppress(UnicodeError):
        location = location.encode("latin-1").decode("utf-8")
    next_url = urljoin(current.url, location.strip())
    try:
        return parse_url(next_url)
    except InvalidURL as error:
        raise InvalidURL(f"redirect to {next_url} refused: {error.message}", next_url) from None


def _read_body(
    response: BaseHTTPResponse, target: Target, method: str, cap: int, limits: Limits
) -> bytes:
    """Stream the raw body in chunks under the byte cap and the deadline, then decode it."""
    too_large = ResponseTooLarge(f"response larger than {format_size(cap)}", target.url)
    declared = response.headers.get("Content-Length", "").strip()
    expects_body = method != "HEAD" and response.status not in (204, 304)
    if expects_body and declared.isdigit() and int(declared) > cap:
        raise too_large  # refuse before reading a byte of it
    decoder = BoundedDecoder(response.headers.get("Content-Encoding", ""), cap, target.url)
    parts: list[bytes] = []
    received = 0
    while True:
        limits.remaining(target.url)
        try:
            # read1 returns whatever has arrived, so the deadline is checked between chunks;
            # each socket read inside waits at most the time left (transport._DeadlineReader).
            chunk = response.read1(CHUNK_SIZE, decode_content=False)
        except ReadTimeoutError:
            raise limits.read_timeout_error(target) from None
        except HTTPError as error:
            raise ConnectionFailed(
                f"the connection to {target.host} broke off ({describe_cause(error)})", target.url
            ) from None
        if not chunk:
            break
        received += len(chunk)
        if received > cap:
            raise too_large
        parts.append(decoder.feed(chunk))
    parts.append(decoder.finish(received_any=received > 0))
    return b"".join(parts)


def _discard(response: BaseHTTPResponse) -> None:
    """Drop a response we will not read to the end; its connection must not be reused."""
    response.close()
    response.release_conn()
