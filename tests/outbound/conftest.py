"""Shared fixtures for the outbound client tests."""

from collections.abc import Iterator

import pytest

from outbound.transport import close_pools


@pytest.fixture(autouse=True)
def _fresh_pools() -> Iterator[None]:
    # Pools outlive a fetch (keep-alive); a pool from one test must not serve the next.
    yield
    close_pools()
