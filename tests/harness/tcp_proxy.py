"""A TCP proxy a test can cut and restore: a real outage of a real server it must not stop.

The shared PostgreSQL on 5432 serves every helper and the test suite itself, so an outage test
cannot stop it. A worker pointed at this proxy instead sees what a dead server gives it:
``cut()`` resets every open connection (RST, as when the server's host goes away) and refuses
new ones; ``restore()`` listens again on the same port, and the client reconnects to the same
server and database. The test keeps its own direct connection, so it can watch the rows while
the worker cannot reach them.
"""

from __future__ import annotations

import socket
import struct
import threading
from contextlib import suppress

ACCEPT_POLL_SECONDS = 0.1
CHUNK = 65536


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._listener: socket.socket | None = None
        self._accepting: threading.Thread | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._running = threading.Event()

    def start(self) -> TcpProxy:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(ACCEPT_POLL_SECONDS)
        self._listener = listener
        self._running.set()
        self._accepting = threading.Thread(target=self._accept, name="tcp-proxy", daemon=True)
        self._accepting.start()
        return self

    restore = start

    def cut(self) -> None:
        """Stop listening and reset every connection through the proxy."""
        self._running.clear()
        if self._accepting is not None:
            self._accepting.join(timeout=5)
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            doomed, self._sockets = self._sockets, set()
        for sock in doomed:
            # Linger 0: close() sends RST. shutdown() first wakes the pump blocked in recv().
            with suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    stop = cut

    def _accept(self) -> None:
        assert self._listener is not None
        listener = self._listener
        while self._running.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            client.settimeout(None)
            with self._lock:
                self._sockets.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(CHUNK):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            # One side ended: end the other, as a direct connection would.
            for sock in (source, sink):
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            with self._lock:
                self._sockets.difference_update((source, sink))
            source.close()
            sink.close()
