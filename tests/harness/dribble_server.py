"""A raw-socket HTTP server that sends its status line, then its headers one byte at a time.

The slow-header attack: every byte arrives well within any per-read timeout, so only a
wall-clock deadline that also covers the status line and headers ends the request.
:class:`~tests.harness.http_server.LocalHTTPServer` cannot do this (BaseHTTPRequestHandler
writes headers whole), hence a server on a bare socket.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType

_HEADER = b"X-Slow: " + b"a" * 200


class HeaderDribbleServer:
    """Answers every connection with ``HTTP/1.1 200 OK`` then ``byte_delay``-spaced header
    bytes; after ``max_bytes`` of them it ends the headers and sends a tiny body, so a client
    without a deadline finishes (late) instead of hanging the test run."""

    def __init__(self, *, byte_delay: float = 1.0, max_bytes: int = 12) -> None:
        self.byte_delay = byte_delay
        self.max_bytes = max_bytes
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]  # still known after close
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self.connections = 0

    def url_for(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> HeaderDribbleServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopping.set()
        # close() alone does not wake a thread blocked in accept() on Linux; shutdown() does.
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self._thread.join(timeout=5)

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:  # listener closed: shutting down
                return
            self.connections += 1
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)  # the request; its content does not matter
                conn.sendall(b"HTTP/1.1 200 OK\r\n")
                for byte in _HEADER[: self.max_bytes]:
                    # Event.wait, not sleep: the server stops promptly when the test ends.
                    if self._stopping.wait(self.byte_delay):
                        return
                    conn.sendall(bytes([byte]))
                conn.sendall(b"\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            except OSError:  # the client hung up first: the expected end of a passing test
                return
