"""A real HTTP server on 127.0.0.1 for tests: static files plus scripted routes.

Tests of feed fetching, article extraction and discovery providers talk to this server over
real sockets, so the code under test exercises its actual HTTP client (timeouts, redirects,
size caps, gzip) instead of a mocked transport.
"""

from __future__ import annotations

import gzip
import json
import mimetypes
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

# Feed files are served from disk; the stdlib table does not know these suffixes.
_EXTRA_TYPES = {".rss": "application/rss+xml", ".atom": "application/atom+xml"}

# Errors raised when the client hangs up first, e.g. after its own timeout. They are the
# expected outcome of "slow response" tests, so they must not print tracebacks.
_CLIENT_GONE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)


@dataclass(frozen=True)
class Reply:
    """One scripted response.

    ``delay`` sleeps before the status line is sent (a slow server); ``chunks`` replaces
    ``body`` with pieces written one by one, sleeping ``chunk_delay`` before each (a slow
    body). A chunked reply has no Content-Length unless ``headers`` sets one, so the body
    ends when the connection closes, which also lets tests stream "endless" bodies.
    Bodies are sent exactly as given: pass gzip bytes plus a Content-Encoding header (or use
    :func:`gzip_reply`) to test decompression.
    """

    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    chunks: list[bytes | str] | None = None
    chunk_delay: float = 0.0


@dataclass(frozen=True)
class RecordedRequest:
    """A request as the server saw it. ``headers`` keys are lower-cased."""

    method: str
    path: str  # includes the query string, e.g. "/feed.xml?page=2"
    headers: dict[str, str]
    body: bytes

    @property
    def query(self) -> str:
        return urlsplit(self.path).query

    def json(self) -> Any:
        return json.loads(self.body)


# A route answers with fixed replies or with a function of the request (for replies that
# depend on it, such as echoing a value back).
Responder = Reply | Callable[[RecordedRequest], Reply]


def _as_bytes(data: bytes | str) -> bytes:
    return data.encode() if isinstance(data, str) else data


def gzip_reply(body: bytes | str, **kwargs: Any) -> Reply:
    """A reply whose body is gzip-compressed on the wire with ``Content-Encoding: gzip``."""
    headers = {"Content-Encoding": "gzip", **kwargs.pop("headers", {})}
    return Reply(body=gzip.compress(_as_bytes(body)), headers=headers, **kwargs)


def redirect(location: str, status: int = 302) -> Reply:
    return Reply(status=status, headers={"Location": location})


class _Route:
    """Replies in order, then the last one forever (e.g. "fail twice, then succeed")."""

    def __init__(self, responders: tuple[Responder, ...]) -> None:
        self._responders = list(responders)
        self._next = 0

    def take(self) -> Responder:
        responder = self._responders[min(self._next, len(self._responders) - 1)]
        self._next += 1
        return responder


class LocalHTTPServer:
    """Threaded HTTP/1.0 server on an ephemeral port of 127.0.0.1.

    HTTP/1.0 closes every connection after one response, so no keep-alive connection can
    outlive a test or hold :meth:`close` up. ``keep_alive=True`` speaks HTTP/1.1 and keeps
    connections open between requests, as real sites do (the ingest benchmark uses it).
    """

    def __init__(self, directory: Path | str | None = None, *, keep_alive: bool = False) -> None:
        self.directory = Path(directory).resolve() if directory is not None else None
        self.keep_alive = keep_alive
        self._lock = threading.Lock()
        self._routes: dict[str, _Route] = {}
        self._requests: list[RecordedRequest] = []
        # Set on close so handlers sleeping in a delay wake up instead of pinning threads.
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._httpd.daemon_threads = True
        self._httpd.handle_error = _quiet_handle_error  # type: ignore[method-assign]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"LocalHTTPServer:{self.port}",
            daemon=True,
        )
        self._thread.start()

    # -- public API -------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url_for(self, path: str) -> str:
        return self.url + (path if path.startswith("/") else "/" + path)

    def add_route(self, path: str, *responses: Responder) -> None:
        """Script ``path`` (with or without a query string); replaces an earlier script.

        A route with a query matches only that exact query; one without matches any query.
        Routes answer every method; HEAD replies carry headers only.
        """
        if not responses:
            raise ValueError("add_route needs at least one reply")
        with self._lock:
            self._routes[path] = _Route(responses)

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        """Requests whose path (ignoring the query string) equals ``path``."""
        return [r for r in self.requests if urlsplit(r.path).path == path]

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def close(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LocalHTTPServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- used by the handler ----------------------------------------------------------------

    def _record_and_pick(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self._requests.append(request)
            route = self._routes.get(request.path) or self._routes.get(urlsplit(request.path).path)
            responder = route.take() if route is not None else None
        if responder is None:
            return self._file_reply(request)
        # Called outside the lock: a responder may itself look at server.requests.
        return responder(request) if callable(responder) else responder

    def _file_reply(self, request: RecordedRequest) -> Reply:
        not_found = Reply(status=404, body=b"not found", headers={"Content-Type": "text/plain"})
        if self.directory is None:
            return not_found
        relative = unquote(urlsplit(request.path).path).lstrip("/")
        target = (self.directory / relative).resolve()
        # Refuse "/../" escapes: a test must never be able to read files outside its dir.
        if not target.is_relative_to(self.directory) or not target.is_file():
            return not_found
        content_type = _EXTRA_TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0]
        return Reply(
            body=target.read_bytes(),
            headers={"Content-Type": content_type or "application/octet-stream"},
        )

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)


def _quiet_handle_error(request: object, client_address: object) -> None:
    """Replace socketserver's traceback printing; errors that matter surface in handlers."""


def _make_handler(server: LocalHTTPServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1" if server.keep_alive else "HTTP/1.0"
        # Headers and body go out in separate writes; on a kept-alive connection Nagle's
        # algorithm holds the body until the client's delayed ACK (40 ms per response).
        disable_nagle_algorithm = server.keep_alive
        server_version = "LocalHTTPServer/1"

        def do_GET(self) -> None:
            self._serve()

        def do_HEAD(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_POST

        def log_message(self, format: str, *args: Any) -> None:
            # Per-request access lines would drown pytest's captured output.
            pass

        def _read_body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                return self._read_chunked()
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _read_chunked(self) -> bytes:
            body = b""
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                body += self.rfile.read(size)
                self.rfile.readline()  # the CRLF after each chunk
            while self.rfile.readline().strip():  # trailers, then the final blank line
                pass
            return body

        def _serve(self) -> None:
            request = RecordedRequest(
                method=self.command,
                path=self.path,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self._read_body(),
            )
            reply = server._record_and_pick(request)
            try:
                self._send(reply)
            except _CLIENT_GONE:
                # The client gave up (its timeout, a size cap): nothing left to answer.
                self.close_connection = True

        def _send(self, reply: Reply) -> None:
            server._sleep(reply.delay)
            self.send_response(reply.status)
            header_names = {name.lower() for name in reply.headers}
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.chunks is None:
                body = _as_bytes(reply.body)
                if "content-length" not in header_names:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)
                return
            # Streamed without a length or chunked framing: only closing ends the body.
            self.close_connection = True
            self.end_headers()
            if self.command == "HEAD":
                return
            for chunk in reply.chunks:
                server._sleep(reply.chunk_delay)
                if server._stopping.is_set():
                    return
                self.wfile.write(_as_bytes(chunk))
                self.wfile.flush()

    return Handler
