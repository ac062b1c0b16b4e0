"""fetch() against a real local HTTP server: policy on every hop, redirects, headers."""

from __future__ import annotations

import socket
import threading
from typing import Any

import pytest
import urllib3.util.connection

import outbound.addresses
from outbound import (
    BlockedAddress,
    InvalidURL,
    TooManyRedirects,
    fetch,
)
from tests.harness.http_server import LocalHTTPServer, RecordedRequest, Reply, redirect
from tests.outbound.test_addresses import fake_resolver


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
