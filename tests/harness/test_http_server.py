"""Self-tests of LocalHTTPServer: every feature later tests rely on, over real sockets."""

from __future__ import annotations

import contextlib
import gzip
import http.client
import socket
import threading
import time
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.harness.http_server import LocalHTTPServer, RecordedRequest, Reply, gzip_reply, redirect

if TYPE_CHECKING:
    from playwright.sync_api import Page


def fetch(
    server: LocalHTTPServer,
    path: str,
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 5.0,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One raw request: http.client neither follows redirects nor decompresses."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def test_scripted_replies_come_in_order_then_the_last_one_repeats(
    http_server: LocalHTTPServer,
) -> None:
    http_server.add_route("/flaky", Reply(status=503), Reply(status=500), Reply(body="ok"))

    statuses = [fetch(http_server, "/flaky")[0] for _ in range(5)]

    assert statuses == [503, 500, 200, 200, 200]
    assert fetch(http_server, "/flaky")[2] == b"ok"


def test_it_records_method_path_query_headers_and_body(http_server: LocalHTTPServer) -> None:
    http_server.add_route("/hook", Reply(status=204))

    fetch(http_server, "/hook?x=1", method="POST", body=b'{"a": 1}', headers={"X-Token": "t"})
    fetch(http_server, "/elsewhere")

    first, second = http_server.requests
    assert (first.method, first.path, first.query) == ("POST", "/hook?x=1", "x=1")
    assert first.headers["x-token"] == "t"
    assert first.json() == {"a": 1}
    assert (second.method, second.path, second.body) == ("GET", "/elsewhere", b"")
    assert http_server.requests_to("/hook") == [first]


def test_a_route_with_a_query_wins_over_the_bare_path(http_server: LocalHTTPServer) -> None:
    http_server.add_route("/feed", Reply(body="any page"))
    http_server.add_route("/feed?page=2", Reply(body="page two"))

    assert fetch(http_server, "/feed?page=2")[2] == b"page two"
    assert fetch(http_server, "/feed?page=3")[2] == b"any page"


def test_a_callable_route_answers_from_the_request(http_server: LocalHTTPServer) -> None:
    def echo(request: RecordedRequest) -> Reply:
        return Reply(body=request.headers.get("if-none-match", "none"))

    http_server.add_route("/echo", echo)

    assert fetch(http_server, "/echo", headers={"If-None-Match": '"v1"'})[2] == b'"v1"'


def test_a_redirect_sends_status_and_location(http_server: LocalHTTPServer) -> None:
    http_server.add_route("/old", redirect("/new", status=301))
    http_server.add_route("/new", Reply(body="moved here"))

    status, headers, _ = fetch(http_server, "/old")
    with urllib.request.urlopen(http_server.url_for("old"), timeout=5) as followed:
        final_body = followed.read()

    assert (status, headers["Location"]) == (301, "/new")
    assert final_body == b"moved here"
    assert [r.path for r in http_server.requests] == ["/old", "/old", "/new"]


def test_a_delay_longer_than_the_client_timeout_times_the_client_out(
    http_server: LocalHTTPServer,
) -> None:
    http_server.add_route("/slow", Reply(body="late", delay=3.0))

    started = time.monotonic()
    with pytest.raises(TimeoutError):
        fetch(http_server, "/slow", timeout=0.3)

    assert time.monotonic() - started < 2.0


def test_a_delay_shorter_than_the_timeout_only_slows_the_reply(
    http_server: LocalHTTPServer,
) -> None:
    http_server.add_route("/slow", Reply(body="late", delay=0.4))

    started = time.monotonic()
    status, _, body = fetch(http_server, "/slow", timeout=5)

    assert (status, body) == (200, b"late")
    assert time.monotonic() - started >= 0.4


def test_a_chunked_body_arrives_slowly_after_fast_headers(http_server: LocalHTTPServer) -> None:
    http_server.add_route("/drip", Reply(chunks=["a", b"b", "c"], chunk_delay=0.3))

    connection = http.client.HTTPConnection("127.0.0.1", http_server.port, timeout=0.2)
    connection.request("GET", "/drip")
    response = connection.getresponse()  # headers come at once, within the 0.2 s timeout
    assert response.getheader("Content-Length") is None
    with pytest.raises(TimeoutError):
        response.read()  # but the first chunk needs 0.3 s
    connection.close()

    started = time.monotonic()
    assert fetch(http_server, "/drip")[2] == b"abc"
    assert time.monotonic() - started >= 0.9


def test_a_gzip_body_is_sent_compressed_as_given(http_server: LocalHTTPServer) -> None:
    http_server.add_route("/zipped", gzip_reply("<rss/>", headers={"Content-Type": "text/xml"}))

    _, headers, raw = fetch(http_server, "/zipped")

    assert headers["Content-Encoding"] == "gzip"
    assert headers["Content-Type"] == "text/xml"
    assert raw[:2] == b"\x1f\x8b"  # the gzip magic number: not decompressed on the way
    assert gzip.decompress(raw) == b"<rss/>"
    assert headers["Content-Length"] == str(len(raw))


def test_head_gets_headers_without_a_body(http_server: LocalHTTPServer) -> None:
    http_server.add_route("/page", Reply(body="twelve bytes", headers={"ETag": '"e"'}))

    status, headers, body = fetch(http_server, "/page", method="HEAD")

    assert (status, headers["ETag"], headers["Content-Length"], body) == (200, '"e"', "12", b"")


def test_it_serves_files_from_its_directory_and_nothing_outside(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "feeds").mkdir(parents=True)
    (root / "feeds" / "news.rss").write_bytes(b"<rss version='2.0'/>")
    (tmp_path / "secret.txt").write_text("outside")

    with LocalHTTPServer(root) as server:
        status, headers, body = fetch(server, "/feeds/news.rss")
        missing = fetch(server, "/feeds/none.rss")[0]
        escapes = [fetch(server, path)[0] for path in ("/../secret.txt", "/%2e%2e/secret.txt")]

    assert (status, headers["Content-Type"]) == (200, "application/rss+xml")
    assert body == b"<rss version='2.0'/>"
    assert (missing, escapes) == (404, [404, 404])


def test_url_and_url_for_point_at_the_listening_port(http_server: LocalHTTPServer) -> None:
    http_server.add_route("/a/b", Reply(body="found"))

    assert http_server.url == f"http://127.0.0.1:{http_server.port}"
    with urllib.request.urlopen(http_server.url_for("/a/b"), timeout=5) as response:
        assert response.read() == b"found"


def test_close_returns_promptly_even_while_a_reply_is_delayed() -> None:
    server = LocalHTTPServer()
    server.add_route("/hang", Reply(delay=60))

    def wait_for_reply() -> None:
        # How the connection ends does not matter here, only that it does.
        with contextlib.suppress(OSError, http.client.HTTPException):
            fetch(server, "/hang", timeout=30)

    waiting = threading.Thread(target=wait_for_reply)
    waiting.start()
    while not server.requests:
        time.sleep(0.01)

    started = time.monotonic()
    server.close()
    waiting.join(timeout=5)

    assert time.monotonic() - started < 3
    assert not waiting.is_alive()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", server.port), timeout=1)


@pytest.mark.browser
def test_a_real_browser_renders_a_served_page(http_server: LocalHTTPServer, page: Page) -> None:
    html = "<html><head><title>Harness</title></head><body><h1>Hello brands</h1></body></html>"
    http_server.add_route("/", Reply(body=html, headers={"Content-Type": "text/html"}))

    page.goto(http_server.url_for("/"))

    assert page.title() == "Harness"
    assert page.locator("h1").inner_text() == "Hello brands"
    assert page.viewport_size == {"width": 1440, "height": 900}


def test_keep_alive_answers_several_requests_on_one_connection() -> None:
    server = LocalHTTPServer(keep_alive=True)
    try:
        server.add_route("/a", Reply(body=b"first"))
        server.add_route("/b", Reply(body=b"second"))
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        bodies = []
        for path in ("/a", "/b"):
            connection.request("GET", path)
            response = connection.getresponse()
            bodies.append((response.version, response.read()))
            # The server left the connection open: the next request goes over the same socket.
            assert not response.will_close
        connection.close()
    finally:
        server.close()

    assert bodies == [(11, b"first"), (11, b"second")]


def test_without_keep_alive_each_response_closes_its_connection(
    http_server: LocalHTTPServer,
) -> None:
    http_server.add_route("/a", Reply(body=b"only"))
    connection = http.client.HTTPConnection("127.0.0.1", http_server.port, timeout=5)
    connection.request("GET", "/a")
    response = connection.getresponse()

    assert (response.version, response.read(), response.will_close) == (10, b"only", True)
    connection.close()
