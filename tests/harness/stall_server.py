"""A raw-socket server whose connects are slow and which never answers a word.

Connecting takes as long as the test likes: the listening socket has a backlog of one and
is filled by a connection of the server's own, so the kernel drops the client's SYN until
the server accepts that filler (``accept_after`` seconds after start; ``None``: never) and
the client's retransmitted SYN gets through. Once connected, the server reads what the
client sends (a TLS ClientHello, or an HTTP request) and never answers, so a TLS handshake
or a status line waits for ever. Connect time and handshake time are what a client must fit
into one deadline; :class:`~tests.harness.dribble_server.HeaderDribbleServer` covers the
headers.

The same port can listen on several loopback addresses (``hosts``), for a name that
resolves to more than one of them.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from types import TracebackType


class StallServer:
    def __init__(
        self, *, accept_after: float | None, hosts: tuple[str, ...] = ("127.0.0.1",)
    ) -> None:
        self.accept_after = accept_after
        self._listeners: list[socket.socket] = []
        self._fillers: list[socket.socket] = []
        self.port = 0
        for host in hosts:
            listener = socket.socket()
            listener.bind((host, self.port))
            listener.listen(0)
            self.port = listener.getsockname()[1]
            self._listeners.append(listener)
            # Fills the backlog: the next SYN to this address is dropped until it is accepted.
            self._fillers.append(socket.create_connection((host, self.port), timeout=5))
        self.host = hosts[0]
        self.client_spoke = threading.Event()  # a client connected and sent its first bytes
        self.connected_after: float | None = None  # seconds from start to that connection
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._started = 0.0

    def url_for(self, path: str, scheme: str = "http") -> str:
        return f"{scheme}://{self.host}:{self.port}{path}"

    def __enter__(self) -> StallServer:
        self._started = time.monotonic()
        for listener in self._listeners:
            thread = threading.Thread(target=self._serve, args=(listener,), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopping.set()
        for sock in self._fillers:
            sock.close()
        for listener in self._listeners:
            # close() alone does not wake a thread blocked in accept() on Linux.
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        for thread in self._threads:
            thread.join(timeout=5)

    def _serve(self, listener: socket.socket) -> None:
        if self.accept_after is None or self._stopping.wait(self.accept_after):
            return  # never accept: every connect to this address stalls until it times out
        try:
            filler, _ = listener.accept()
            filler.close()
            conn, _ = listener.accept()
        except OSError:  # listener closed: shutting down
            return
        with conn:
            self.connected_after = time.monotonic() - self._started
            with contextlib.suppress(OSError):
                if conn.recv(65536):
                    self.client_spoke.set()
                self._stopping.wait()  # hold the connection open, silent
