"""The one wall-clock deadline of fetch() also covers connecting and the TLS handshake.

Each was bounded by min(connect timeout, time left *when the attempt began*), so a connect
that took most of the deadline was followed by a handshake that could take all of it again.
"""

from __future__ import annotations

import time

import pytest

from outbound import FetchTimeout, fetch
from tests.harness.stall_server import StallServer


def test_a_slow_connect_then_a_stalled_tls_handshake_end_at_the_total_deadline() -> None:
    # The server lets the connect through after about 3 s, then never answers the
    # ClientHello. Before the fix the handshake got its own 6 s: about 10 s in all.
    with StallServer(accept_after=3.0) as server:
        started = time.monotonic()
        with pytest.raises(FetchTimeout) as error:
            fetch(server.url_for("/", scheme="https"), timeout=6, connect_timeout=10)
        elapsed = time.monotonic() - started
        assert server.client_spoke.wait(5), "the client never got to its TLS handshake"

    assert server.connected_after is not None and server.connected_after < 6
    assert elapsed < 8, f"took {elapsed:.1f} s for a 6 s deadline"
    assert error.value.message == "timed out after 6 s"


def test_a_connect_that_never_completes_ends_at_the_total_deadline() -> None:
    with StallServer(accept_after=None) as server:
        started = time.monotonic()
        with pytest.raises(FetchTimeout):
            fetch(server.url_for("/", scheme="https"), timeout=2, connect_timeout=10)
        elapsed = time.monotonic() - started

    assert 1.9 <= elapsed < 4, f"took {elapsed:.1f} s for a 2 s deadline"
