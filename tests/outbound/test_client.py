"""fetch() against a real local HTTP server: policy on every hop, limits, decoding, headers."""

from __future__ import annotations

import gzip
import shutil
import socket
import ssl
import subprocess
import threading
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import urllib3.util.connection

import outbound.addresses
from outbound import (
    BlockedAddress,
    ConnectionFailed,
    DecodingError,
    FetchResponse,
    FetchTimeout,
    InvalidURL,
    ResponseTooLarge,
    TooManyRedirects,
    fetch,
)
from outbound.response import BoundedDecoder
from outbound.transport import close_pools
from tests.harness.http_server import LocalHTTPServer, RecordedRequest, Reply, gzip_reply, redirect
from tests.outbound.test_addresses import fake_resolver

MB = 1024 * 1024
WINDOWS_1252_TEXT = "\u201cquoted\u201d \u2013 5 \u20ac"  # curly quotes, en dash, euro sign


@pytest.fixture(autouse=True)
def _fresh_pools() -> Iterator[None]:
    # Pools outlive a fetch (keep-alive); a pool from one test must not serve the next.
    yield
    close_pools()


@pytest.fixture
def private_blocked(settings: Any) -> None:
    """Production policy: tests/settings.py allows loopback for the test servers."""
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every (address, port) urllib3 opens a TCP connection to, in order."""
    opened: list[tuple[str, int]] = []
    real = urllib3.util.connection.create_connection

    def spy(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        opened.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", spy)
    return opened


def compressed_zeros(size: int, wbits: int) -> bytes:
    """``size`` zero bytes compressed without ever holding them all in memory."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, wbits)
    block = bytes(MB)
    parts = [compressor.compress(block) for _ in range(size // MB)]
    return b"".join([*parts, compressor.flush()])


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    return compressed_zeros(100 * MB, 16 + zlib.MAX_WBITS)  # about 100 KB on the wire


# -- the address policy on real fetches --------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/",
        "http://[::1]:{port}/",
        "http://2130706433:{port}/",
        "http://0177.0.0.1:{port}/",
        "http://0x7f.0.0.1:{port}/",
        "http://127.1:{port}/",
        "http://localhost:{port}/",
        "http://169.254.169.254/latest/meta-data/",
    ],
)
def test_loopback_and_metadata_addresses_are_refused_before_connecting(
    http_server: LocalHTTPServer,
    private_blocked: None,
    connections: list[tuple[str, int]],
    url: str,
) -> None:
    http_server.add_route("/", Reply(body="internal admin"))

    with pytest.raises(BlockedAddress) as error:
        fetch(url.format(port=http_server.port))

    assert "loopback" in error.value.message or "metadata" in error.value.message
    assert http_server.requests == []
    assert connections == []


def test_a_name_resolving_to_a_private_address_is_refused_without_connecting(
    private_blocked: None, monkeypatch: pytest.MonkeyPatch, connections: list[tuple[str, int]]
) -> None:
    fake_resolver(monkeypatch, {"intranet.example": ["10.0.0.5"]})

    with pytest.raises(BlockedAddress) as error:
        fetch("http://intranet.example/admin")

    assert error.value.message == "intranet.example resolves to 10.0.0.5, a private address"
    assert error.value.url == "http://intranet.example/admin"
    assert connections == []


def test_it_connects_to_the_checked_address_without_a_second_lookup(
    http_server: LocalHTTPServer,
    monkeypatch: pytest.MonkeyPatch,
    connections: list[tuple[str, int]],
) -> None:
    # DNS rebinding: a second lookup would get 10.0.0.5, so it must never happen.
    answers = {"rebind.example": ["127.0.0.1"]}
    looked_up = fake_resolver(monkeypatch, answers)
    http_server.add_route("/page", Reply(body="pinned"))
    original = outbound.addresses.resolve

    def resolve_then_rebind(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        answers["rebind.example"] = ["10.0.0.5"]
        return result

    monkeypatch.setattr(outbound.addresses, "resolve", resolve_then_rebind)

    response = fetch(f"http://rebind.example:{http_server.port}/page")

    assert response.body == b"pinned"
    assert looked_up().count("rebind.example") == 1
    assert connections == [("127.0.0.1", http_server.port)]
    assert http_server.requests[0].headers["host"] == f"rebind.example:{http_server.port}"


def test_it_falls_back_to_the_next_checked_address_when_one_refuses(
    http_server: LocalHTTPServer,
    monkeypatch: pytest.MonkeyPatch,
    connections: list[tuple[str, int]],
) -> None:
    fake_resolver(monkeypatch, {"two.example": ["127.0.0.2", "127.0.0.1"]})
    http_server.add_route("/", Reply(body="second address"))

    response = fetch(f"http://two.example:{http_server.port}/")

    assert response.body == b"second address"
    assert connections == [("127.0.0.2", http_server.port), ("127.0.0.1", http_server.port)]


# -- redirects ------------------------------------------------------------------------------


def test_redirects_are_followed_and_recorded(http_server: LocalHTTPServer) -> None:
    http_server.add_route("/start", redirect(http_server.url_for("/a/hop1"), status=301))
    http_server.add_route("/a/hop1", redirect("hop2", status=302))  # relative to /a/
    http_server.add_route("/a/hop2", redirect("/final?x=1", status=308))
    http_server.add_route("/final", Reply(body="arrived"))

    response = fetch(http_server.url_for("/start"))

    assert (response.status, response.body) == (200, b"arrived")
    assert response.url == http_server.url_for("/final?x=1")
    assert response.redirects == (
        http_server.url_for("/start"),
        http_server.url_for("/a/hop1"),
        http_server.url_for("/a/hop2"),
    )
    assert [r.path for r in http_server.requests] == ["/start", "/a/hop1", "/a/hop2", "/final?x=1"]


def test_a_redirect_to_a_loopback_address_is_refused_on_the_hop(
    http_server: LocalHTTPServer, private_blocked: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The test server only listens on 127.0.0.1, so the first host must be let through by
    # hand: the patched policy allows the first address it is asked about, then is the real one.
    real_policy = outbound.addresses.refusal_reason
    asked: list[Any] = []

    def first_host_allowed(address: Any) -> str | None:
        asked.append(address)
        return None if len(asked) == 1 else real_policy(address)

    monkeypatch.setattr(outbound.addresses, "refusal_reason", first_host_allowed)
    internal = f"http://127.0.0.1:{http_server.port}/admin"
    http_server.add_route("/start", redirect(internal))
    http_server.add_route("/admin", Reply(body="secrets"))

    with pytest.raises(BlockedAddress) as error:
        fetch(http_server.url_for("/start"))

    assert error.value.message == f"redirect to {internal} refused: 127.0.0.1 is a loopback address"
    assert error.value.url == internal
    assert [r.path for r in http_server.requests] == ["/start"]


def test_a_redirect_to_another_scheme_is_refused(http_server: LocalHTTPServer) -> None:
    http_server.add_route("/start", redirect("file:///etc/passwd"))

    with pytest.raises(InvalidURL, match="redirect to file:///etc/passwd refused"):
        fetch(http_server.url_for("/start"))


def test_a_redirect_loop_is_reported(http_server: LocalHTTPServer) -> None:
    http_server.add_route("/a", redirect("/b"))
    http_server.add_route("/b", redirect("/a"))

    with pytest.raises(TooManyRedirects, match=r"redirect loop at http://127\.0\.0\.1:\d+/a"):
        fetch(http_server.url_for("/a"))

    assert [r.path for r in http_server.requests] == ["/a", "/b"]


def chain(server: LocalHTTPServer, length: int) -> str:
    for number in range(length):
        server.add_route(f"/r{number}", redirect(f"/r{number + 1}"))
    server.add_route(f"/r{length}", Reply(body="end of chain"))
    return server.url_for("/r0")


def test_five_redirects_are_fine(http_server: LocalHTTPServer) -> None:
    response = fetch(chain(http_server, 5))

    assert response.body == b"end of chain"
    assert len(response.redirects) == 5


def test_six_redirects_are_too_many(http_server: LocalHTTPServer) -> None:
    with pytest.raises(TooManyRedirects, match="more than 5 redirects"):
        fetch(chain(http_server, 6))

    assert len(http_server.requests) == 6  # the 7th URL is never requested


def test_the_redirect_limit_is_configurable_per_call(http_server: LocalHTTPServer) -> None:
    url = chain(http_server, 2)

    with pytest.raises(TooManyRedirects, match=r"more than 1 redirect$"):
        fetch(url, max_redirects=1)
    assert fetch(url, max_redirects=2).body == b"end of chain"


@pytest.mark.parametrize(("status", "method"), [(301, "GET"), (302, "GET"), (303, "GET")])
def test_post_becomes_get_after_301_302_303(
    http_server: LocalHTTPServer, status: int, method: str
) -> None:
    http_server.add_route("/form", redirect("/done", status=status))
    http_server.add_route("/done", Reply(body="ok"))

    fetch(
        http_server.url_for("/form"),
        method="POST",
        body=b'{"a": 1}',
        headers={"Content-Type": "application/json"},
    )

    post, follow = http_server.requests
    assert (post.method, post.body) == ("POST", b'{"a": 1}')
    assert (follow.method, follow.body) == (method, b"")
    assert "content-type" not in follow.headers


@pytest.mark.parametrize("status", [307, 308])
def test_307_and_308_repeat_the_post_with_its_body(
    http_server: LocalHTTPServer, status: int
) -> None:
    http_server.add_route("/hook", redirect("/hook2", status=status))
    http_server.add_route("/hook2", Reply(status=204))

    response = fetch(http_server.url_for("/hook"), method="POST", body=b"payload")

    assert response.status == 204
    assert [(r.method, r.body) for r in http_server.requests] == [
        ("POST", b"payload"),
        ("POST", b"payload"),
    ]


def test_credentials_do_not_follow_a_redirect_to_another_host(
    http_server: LocalHTTPServer,
) -> None:
    http_server.add_route("/same", redirect("/other-host"))
    http_server.add_route("/other-host", redirect(f"http://localhost:{http_server.port}/end"))
    http_server.add_route("/end", Reply(body="done"))

    fetch(http_server.url_for("/same"), headers={"Authorization": "Bearer t", "X-Trace": "1"})

    first, same_origin, other_origin = http_server.requests
    assert first.headers["authorization"] == same_origin.headers["authorization"] == "Bearer t"
    assert "authorization" not in other_origin.headers
    assert other_origin.headers["x-trace"] == "1"


# -- size caps and bounded decompression ---------------------------------------------------


def test_a_50_mb_body_stops_at_the_cap_quickly(http_server: LocalHTTPServer) -> None:
    block = b"x" * MB  # fifty references to one block: the server never holds 50 MB
    http_server.add_route("/huge", Reply(chunks=[block] * 50))

    started = time.monotonic()
    with pytest.raises(ResponseTooLarge) as error:
        fetch(http_server.url_for("/huge"))

    assert error.value.message == "response larger than 10 MB"
    assert time.monotonic() - started < 5


def test_a_content_length_over_the_cap_is_refused_before_reading(
    http_server: LocalHTTPServer,
) -> None:
    # The server sends 10 bytes but claims 50 MB: reading would hang or fail, not this.
    http_server.add_route(
        "/liar", Reply(body=b"x" * 10, headers={"Content-Length": str(50 * MB)}, delay=0)
    )

    started = time.monotonic()
    with pytest.raises(ResponseTooLarge, match="response larger than 10 MB"):
        fetch(http_server.url_for("/liar"))

    assert time.monotonic() - started < 1


def test_head_with_a_large_content_length_is_fine(http_server: LocalHTTPServer) -> None:
    http_server.add_route("/big", Reply(headers={"Content-Length": str(50 * MB)}))

    response = fetch(http_server.url_for("/big"), method="HEAD")

    assert (response.status, response.body) == (200, b"")


def test_max_bytes_overrides_the_setting_per_call(http_server: LocalHTTPServer) -> None:
    http_server.add_route("/kb", Reply(body=b"y" * 1024))

    assert len(fetch(http_server.url_for("/kb"), max_bytes=1024).body) == 1024
    with pytest.raises(ResponseTooLarge, match="response larger than 1023 bytes"):
        fetch(http_server.url_for("/kb"), max_bytes=1023)


def test_a_gzip_bomb_is_stopped_at_the_cap(http_server: LocalHTTPServer, gzip_bomb: bytes) -> None:
    assert len(gzip_bomb) < MB  # 100 MB of zeros, compressed
    http_server.add_route("/bomb", Reply(body=gzip_bomb, headers={"Content-Encoding": "gzip"}))

    with pytest.raises(ResponseTooLarge, match="response larger than 10 MB"):
        fetch(http_server.url_for("/bomb"))


@pytest.mark.parametrize(("encoding", "wbits"), [("gzip", 16 + 15), ("deflate", 15)])
def test_decompression_never_holds_more_than_the_cap(
    http_server: LocalHTTPServer, monkeypatch: pytest.MonkeyPatch, encoding: str, wbits: int
) -> None:
    bomb = compressed_zeros(100 * MB, wbits)
    http_server.add_route("/bomb", Reply(body=bomb, headers={"Content-Encoding": encoding}))
    produced: list[int] = []
    real_feed = BoundedDecoder.feed

    def counting_feed(self: BoundedDecoder, data: bytes) -> bytes:
        out = real_feed(self, data)
        produced.append(len(out))
        return out

    monkeypatch.setattr(BoundedDecoder, "feed", counting_feed)

    tracemalloc.start()
    try:
        with pytest.raises(ResponseTooLarge, match="response larger than 1 MB"):
            fetch(http_server.url_for("/bomb"), max_bytes=MB)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert sum(produced) <= MB
    assert peak < 8 * MB  # inflating it all would need 100 MB


# -- time limits and connection failures ------------------------------------------------------


def test_slow_headers_time_out_at_the_total_deadline(http_server: LocalHTTPServer) -> None:
    http_server.add_route("/slow", Reply(body="late", delay=3))

    started = time.monotonic()
    with pytest.raises(FetchTimeout) as error:
        fetch(http_server.url_for("/slow"), timeout=0.5)

    assert error.value.message == "timed out after 0.5 s"
    assert time.monotonic() - started < 1.5


def test_a_silent_server_hits_the_read_timeout_first(http_server: LocalHTTPServer) -> None:
    http_server.add_route("/slow", Reply(body="late", delay=3))

    with pytest.raises(FetchTimeout) as error:
        fetch(http_server.url_for("/slow"), timeout=10, read_timeout=0.3)

    assert error.value.message == "timed out after 0.3 s waiting for 127.0.0.1"


def test_a_dribbled_body_times_out_at_the_total_deadline(http_server: LocalHTTPServer) -> None:
    # Every chunk comes well within the read timeout; only the total deadline catches it.
    http_server.add_route("/drip", Reply(chunks=["x"] * 40, chunk_delay=0.1))

    started = time.monotonic()
    with pytest.raises(FetchTimeout, match="timed out after 1 s"):
        fetch(http_server.url_for("/drip"), timeout=1.0, read_timeout=5)

    assert 0.9 <= time.monotonic() - started < 1.6


def test_a_stalled_body_cannot_overrun_the_deadline(http_server: LocalHTTPServer) -> None:
    # "a" arrives at 0.8 s, "b" at 1.6 s: the wait for "b" must end at the 1 s deadline,
    # not when "b" arrives, so each read's socket timeout shrinks to the time left.
    http_server.add_route("/stall", Reply(chunks=["a", "b"], chunk_delay=0.8))

    started = time.monotonic()
    with pytest.raises(FetchTimeout, match="timed out after 1 s"):
        fetch(http_server.url_for("/stall"), timeout=1.0, read_timeout=5)

    assert 0.95 <= time.monotonic() - started < 1.35


def test_a_body_cut_short_is_a_connection_failure(http_server: LocalHTTPServer) -> None:
    http_server.add_route("/short", Reply(body=b"x" * 10, headers={"Content-Length": "100"}))

    with pytest.raises(ConnectionFailed, match=r"the connection to 127\.0\.0\.1 broke off"):
        fetch(http_server.url_for("/short"))


def test_the_deadline_covers_redirects_too(http_server: LocalHTTPServer) -> None:
    http_server.add_route("/a", Reply(status=302, headers={"Location": "/b"}, delay=0.4))
    http_server.add_route("/b", Reply(status=302, headers={"Location": "/c"}, delay=0.4))
    http_server.add_route("/c", Reply(body="too late", delay=0.4))

    with pytest.raises(FetchTimeout, match="timed out after 1 s"):
        fetch(http_server.url_for("/a"), timeout=1.0)


def test_a_refused_connection_is_a_connection_failure() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again below: nothing listens there

    with pytest.raises(ConnectionFailed) as error:
        fetch(f"http://127.0.0.1:{port}/feed")

    assert error.value.message == f"connection refused by 127.0.0.1:{port}"
    assert error.value.url == f"http://127.0.0.1:{port}/feed"


def test_an_unresolvable_host_is_a_connection_failure() -> None:
    with pytest.raises(ConnectionFailed) as error:
        fetch("http://nonexistent.invalid/feed")

    assert error.value.message == "could not resolve host nonexistent.invalid"


# -- headers and statuses --------------------------------------------------------------------


def test_conditional_headers_pass_through_and_304_comes_back(
    http_server: LocalHTTPServer, settings: Any
) -> None:
    def conditional(request: RecordedRequest) -> Reply:
        if request.headers.get("if-none-match") == '"v1"':
            return Reply(status=304, headers={"ETag": '"v1"'})
        return Reply(body="<rss/>", headers={"ETag": '"v1"'})

    http_server.add_route("/feed", conditional)

    response = fetch(
        http_server.url_for("/feed"),
        headers={
            "If-None-Match": '"v1"',
            "If-Modified-Since": "Sat, 01 Nov 2026 10:00:00 GMT",
            "Accept": "application/rss+xml",
        },
    )

    assert (response.status, response.body, response.headers["etag"]) == (304, b"", '"v1"')
    sent = http_server.requests[0].headers
    assert sent["if-modified-since"] == "Sat, 01 Nov 2026 10:00:00 GMT"
    assert sent["accept"] == "application/rss+xml"
    assert sent["user-agent"] == settings.OUTBOUND_USER_AGENT
    assert sent["accept-encoding"] == "gzip, deflate"
    assert sent["host"] == f"127.0.0.1:{http_server.port}"


def test_the_user_agent_comes_from_settings(http_server: LocalHTTPServer, settings: Any) -> None:
    settings.OUTBOUND_USER_AGENT = "MarketingHunting/9 (+mailto:ops@example.com)"

    fetch(http_server.url_for("/"))

    assert http_server.requests[0].headers["user-agent"] == settings.OUTBOUND_USER_AGENT


def test_callers_cannot_override_headers_the_client_owns() -> None:
    with pytest.raises(ValueError, match="Host header is set by the outbound client"):
        fetch("http://example.com/", headers={"Host": "internal"})


@pytest.mark.parametrize("status", [404, 410, 500])
def test_error_statuses_are_returned_not_raised(http_server: LocalHTTPServer, status: int) -> None:
    http_server.add_route("/gone", Reply(status=status, body="nope"))

    response = fetch(http_server.url_for("/gone"))

    assert (response.status, response.body) == (status, b"nope")
    assert response.retry_after_seconds() is None


def test_429_retry_after_in_seconds(http_server: LocalHTTPServer) -> None:
    http_server.add_route("/limited", Reply(status=429, headers={"Retry-After": "120"}))

    response = fetch(http_server.url_for("/limited"))

    assert (response.status, response.retry_after_seconds()) == (429, 120.0)


def test_retry_after_as_an_http_date(http_server: LocalHTTPServer) -> None:
    now = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=90), usegmt=True)
    http_server.add_route("/busy", Reply(status=503, headers={"Retry-After": later}))

    response = fetch(http_server.url_for("/busy"))

    assert response.retry_after_seconds(now=now) == 90.0
    assert response.retry_after_seconds(now=now + timedelta(hours=1)) == 0.0
    assert response.retry_after_seconds() == 0.0  # that date is in the past by now


@pytest.mark.parametrize("value", ["soon", "-5", "1.5", ""])
def test_an_unreadable_retry_after_is_none(value: str) -> None:
    response = make_response({"Retry-After": value})

    assert response.retry_after_seconds() is None


# -- decoding ----------------------------------------------------------------------------------


def test_gzip_bodies_are_decoded(http_server: LocalHTTPServer) -> None:
    http_server.add_route("/z", gzip_reply("<rss>ünïcode</rss>"))

    assert fetch(http_server.url_for("/z")).body == "<rss>ünïcode</rss>".encode()


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS], ids=["zlib", "raw"])
def test_deflate_bodies_are_decoded_with_or_without_the_zlib_header(
    http_server: LocalHTTPServer, wbits: int
) -> None:
    compressor = zlib.compressobj(6, zlib.DEFLATED, wbits)
    body = compressor.compress(b"deflated " * 1000) + compressor.flush()
    http_server.add_route("/d", Reply(body=body, headers={"Content-Encoding": "deflate"}))

    assert fetch(http_server.url_for("/d")).body == b"deflated " * 1000


def test_a_multi_member_gzip_body_is_decoded_whole(http_server: LocalHTTPServer) -> None:
    body = gzip.compress(b"first ") + gzip.compress(b"second")
    http_server.add_route("/m", Reply(body=body, headers={"Content-Encoding": "gzip"}))

    assert fetch(http_server.url_for("/m")).body == b"first second"


@pytest.mark.parametrize(
    ("body", "encoding", "message"),
    [
        (b"this is not gzip at all", "gzip", "corrupt gzip data"),
        (gzip.compress(b"x" * 5000)[:-30], "gzip", "truncated gzip data"),
        (b"\xff\xfe garbage", "deflate", "corrupt deflate data"),
        (b"brotli bytes", "br", "unsupported content encoding 'br'"),
    ],
)
def test_undecodable_bodies_raise_decoding_error(
    http_server: LocalHTTPServer, body: bytes, encoding: str, message: str
) -> None:
    http_server.add_route("/bad", Reply(body=body, headers={"Content-Encoding": encoding}))

    with pytest.raises(DecodingError, match=message):
        fetch(http_server.url_for("/bad"))


def test_an_empty_body_with_a_content_encoding_is_fine(http_server: LocalHTTPServer) -> None:
    http_server.add_route("/nm", Reply(status=304, headers={"Content-Encoding": "gzip"}))

    assert fetch(http_server.url_for("/nm")).body == b""


def make_response(headers: dict[str, str], body: bytes = b"") -> FetchResponse:
    return FetchResponse(
        url="http://example.com/",
        status=200,
        headers=urllib3.HTTPHeaderDict(headers),
        body=body,
        redirects=(),
        elapsed=0.0,
    )


def test_content_type_and_charset_come_from_the_header(http_server: LocalHTTPServer) -> None:
    http_server.add_route(
        "/page", Reply(body="ok", headers={"Content-Type": 'Text/HTML; Charset="UTF-8"'})
    )

    response = fetch(http_server.url_for("/page"))

    assert (response.content_type, response.charset) == ("text/html", "utf-8")
    assert make_response({}).content_type is None
    assert make_response({"Content-Type": "text/plain"}).charset is None


@pytest.mark.parametrize(
    ("content_type", "body", "text"),
    [
        ("text/html; charset=ISO-8859-1", "café crème".encode("latin-1"), "café crème"),
        ("text/html; charset=windows-1252", WINDOWS_1252_TEXT.encode("cp1252"), WINDOWS_1252_TEXT),
        # Browsers read iso-8859-1 as windows-1252, and so do we: 0x80 is the euro sign.
        ("text/plain; charset=iso-8859-1", b"5 \x80", "5 €"),
        ("text/plain; charset=utf-8", "naïve".encode(), "naïve"),
        ("text/plain", "naïve".encode(), "naïve"),  # no charset: UTF-8 first
        ("text/plain", "café".encode("cp1252"), "café"),  # not UTF-8: windows-1252
        ("text/plain; charset=no-such-codec", "naïve".encode(), "naïve"),
        ("text/plain; charset=iso-8859-1", b"\xef\xbb\xbf" + "naïve".encode(), "naïve"),  # BOM
    ],
)
def test_text_decodes_with_the_charset_and_sensible_fallbacks(
    http_server: LocalHTTPServer, content_type: str, body: bytes, text: str
) -> None:
    http_server.add_route("/t", Reply(body=body, headers={"Content-Type": content_type}))

    assert fetch(http_server.url_for("/t")).text() == text


# -- URLs, proxies, concurrency --------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://127.0.0.1/",
        "gopher://127.0.0.1:70/",
        "data:text/plain,hi",
        "http://user:pass@127.0.0.1:{port}/",
        "http:///nohost",
    ],
)
def test_invalid_urls_are_refused_before_any_request(
    http_server: LocalHTTPServer, url: str
) -> None:
    with pytest.raises(InvalidURL):
        fetch(url.format(port=http_server.port))

    assert http_server.requests == []


def test_proxy_environment_variables_are_ignored(
    http_server: LocalHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.setenv("no_proxy", "")
    http_server.add_route("/direct", Reply(body="direct"))

    response = fetch(http_server.url_for("/direct"))

    assert response.body == b"direct"
    assert http_server.requests[0].path == "/direct"  # not a proxy-style absolute URL


def test_fetches_from_several_threads_at_once(http_server: LocalHTTPServer) -> None:
    http_server.add_route("/p", lambda request: Reply(body=request.query))
    results: dict[int, bytes] = {}

    def worker(number: int) -> None:
        results[number] = fetch(http_server.url_for(f"/p?n={number}")).body

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert results == {n: f"n={n}".encode() for n in range(8)}


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
