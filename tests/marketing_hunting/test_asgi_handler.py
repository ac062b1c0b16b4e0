"""The web's ASGI handler (marketing_hunting.asgi_handler): synchronous views in one thread hop,
the same answers as Django's own handler, asynchronous views (event streams) on its async path.

Requests are driven in process, as uvicorn calls the application (scope, receive, send).
"""

import asyncio

import pytest
from asgiref import sync
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.test import Client

from marketing_hunting.asgi import application
from marketing_hunting.asgi_handler import OneHopASGIHandler

pytestmark = pytest.mark.django_db(transaction=True)


def _call(app, path: str, *, cookie: str = "", method: str = "GET") -> tuple[int, dict, bytes]:
    async def run() -> tuple[int, dict, bytes]:
        headers = [(b"host", b"testserver")]
        if cookie:
            headers.append((b"cookie", cookie.encode()))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 40000),
            "server": ("testserver", 80),
        }
        done = asyncio.Event()
        received = iter([{"type": "http.request", "body": b"", "more_body": False}])
        start: dict = {}
        body = bytearray()

        async def receive() -> dict:
            message = next(received, None)
            if message is not None:
                return message
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            else:
                body.extend(message.get("body", b""))
                if not message.get("more_body"):
                    done.set()

        await app(scope, receive, send)
        headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
        return start["status"], headers, bytes(body)

    return asyncio.run(run())


def _cookie(user) -> str:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


def test_the_web_serves_the_one_hop_handler():
    assert isinstance(application, OneHopASGIHandler)


@pytest.fixture
def hops(monkeypatch):
    """How many times a request crosses between the event loop and a thread."""
    counted = {"to_thread": 0, "to_loop": 0}
    to_thread, to_loop = sync.SyncToAsync.__call__, sync.AsyncToSync.__call__

    async def counted_to_thread(self, *args, **kwargs):
        counted["to_thread"] += 1
        return await to_thread(self, *args, **kwargs)

    def counted_to_loop(self, *args, **kwargs):
        counted["to_loop"] += 1
        return to_loop(self, *args, **kwargs)

    monkeypatch.setattr(sync.SyncToAsync, "__call__", counted_to_thread)
    monkeypatch.setattr(sync.AsyncToSync, "__call__", counted_to_loop)
    return counted


def test_a_page_crosses_to_the_thread_fewer_times_than_with_djangos_handler(alice, hops):
    cookie = _cookie(alice)
    djangos = ASGIHandler()
    assert _call(djangos, "/reports/", cookie=cookie)[0] == 200
    theirs = dict(hops)
    hops.update(to_thread=0, to_loop=0)

    assert _call(OneHopASGIHandler(), "/reports/", cookie=cookie)[0] == 200

    assert theirs["to_loop"] >= 1  # Django's: back to the loop for the async middleware.
    assert hops["to_loop"] == 0
    # The request_started signal's receivers, the page (middleware and view), response.close():
    # Django's handler took 6 (the view and each sync middleware hook hop on their own).
    assert hops["to_thread"] == 3 < theirs["to_thread"]


@pytest.mark.parametrize(
    ("path", "signed_in"),
    [
        ("/reports/", True),  # a page
        ("/", False),  # to the login page
        ("/no-such-page/", True),  # no view: Django's path
        ("/reports/999999/", True),  # a view's 404
        ("/accounts/login/", False),  # a page for everyone
        ("/healthz", False),  # answered by a middleware
    ],
)
def test_the_answers_are_djangos(alice, path, signed_in):
    cookie = _cookie(alice) if signed_in else ""
    status, headers, body = _call(OneHopASGIHandler(), path, cookie=cookie)
    expected_status, expected_headers, expected_body = _call(ASGIHandler(), path, cookie=cookie)

    assert status == expected_status
    assert headers.get("location") == expected_headers.get("location")
    assert headers.get("content-type") == expected_headers.get("content-type")
    assert len(body) > 0 or len(expected_body) == 0


def test_event_streams_keep_the_async_path():
    handler = OneHopASGIHandler()

    class Request:
        path_info = "/jobs/stream/"

    assert handler._view_is_sync(Request()) is False
    Request.path_info = "/jobs/"
    assert handler._view_is_sync(Request()) is True
    Request.path_info = "/no-such-page/"
    assert handler._view_is_sync(Request()) is False


def test_an_event_stream_is_served_and_ends_when_the_client_leaves(alice):
    """The jobs list's stream through the project's handler: its first event arrives, and the
    stream stops once the client disconnects (it never held the worker thread)."""

    async def run() -> tuple[int, bytes]:
        name = settings.SESSION_COOKIE_NAME
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/jobs/stream/",
            "raw_path": b"/jobs/stream/",
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"testserver"), (b"cookie", cookie.encode())],
            "client": ("127.0.0.1", 40000),
            "server": ("testserver", 80),
        }
        assert name in cookie
        first_chunk = asyncio.Event()
        requested = False
        start: dict = {}
        body = bytearray()

        async def receive() -> dict:
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await first_chunk.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message.get("body"):
                body.extend(message["body"])
                first_chunk.set()

        await asyncio.wait_for(application(scope, receive, send), timeout=30)
        return start["status"], bytes(body)

    cookie = _cookie(alice)
    status, body = asyncio.run(run())

    assert status == 200
    assert body
