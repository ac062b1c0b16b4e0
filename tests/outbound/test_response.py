"""fetch() decoding bodies: gzip/deflate, charsets and text, against a real local server."""

from __future__ import annotations

import gzip
import zlib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import urllib3.util.connection

from outbound import (
    DecodingError,
    FetchResponse,
    fetch,
)
from tests.harness.http_server import LocalHTTPServer, Reply, gzip_reply

MB = 1024 * 1024
WINDOWS_1252_TEXT = "\u201cquoted\u201d \u2013 5 \u20ac"  # curly quotes, en dash, euro sign


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


# -- Retry-After -------------------------------------------------------------------------------


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
