"""fetch() against a real local HTTP server: size caps, bounded decompression, time limits
and connection failures."""

from __future__ import annotations

import socket
import time
import tracemalloc
import zlib

import pytest

from outbound import (
    ConnectionFailed,
    FetchTimeout,
    ResponseTooLarge,
    fetch,
)
from outbound.response import BoundedDecoder
from tests.harness.dribble_server import HeaderDribbleServer
from tests.harness.http_server import LocalHTTPServer, Reply

MB = 1024 * 1024


def compressed_zeros(size: int, wbits: int) -> bytes:
    """``size`` zero bytes compressed without ever holding them all in memory."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, wbits)
    block = bytes(MB)
    parts = [compressor.compress(block) for _ in range(size // MB)]
    return b"".join([*parts, compressor.flush()])


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    return compressed_zeros(100 * MB, 16 + zlib.MAX_WBITS)  # about 100 KB on the wire


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


def test_headers_dribbled_one_byte_a_second_end_at_the_total_deadline() -> None:
    # Status line at once, then a header byte a second: each read succeeds within the read
    # timeout, so only a deadline over the status line and headers stops it (it took 90 s).
    with HeaderDribbleServer(byte_delay=1.0, max_bytes=12) as server:
        started = time.monotonic()
        with pytest.raises(FetchTimeout) as error:
            fetch(server.url_for("/feed"), timeout=2.0, read_timeout=5)
        elapsed = time.monotonic() - started

    assert error.value.message == "timed out after 2 s"
    assert 1.9 <= elapsed < 2.6


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
