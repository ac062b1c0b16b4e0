"""Fixtures for the resilience tests: a fake clock for retries, one for breakers, clean state."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pybreaker
import pytest
import redis
from redis.exceptions import RedisError

from resilience.breaker import INDEX_KEY, KEY_PREFIX, forget_breakers
from tests.harness.fixtures import service_unavailable, services_required

# Used only when REDIS_URL is unset but REQUIRE_SERVICES demands the Redis tests run.
FALLBACK_REDIS_URL = "redis://127.0.0.1:6379/15"


class FakeClock:
    """Monotonic seconds that only move when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


class BreakerClock:
    """The wall clock pybreaker reads for its cooldown; starts at the real time, whole second
    (Redis stores the opening time in whole seconds)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def breaker_clock(monkeypatch: pytest.MonkeyPatch) -> BreakerClock:
    fake = BreakerClock()

    class FakeDatetime(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[no-untyped-def, override]
            return fake.now if tz is None else fake.now.astimezone(tz)

    monkeypatch.setattr(pybreaker, "datetime", FakeDatetime)
    return fake


@pytest.fixture(autouse=True)
def _fresh_breakers(settings) -> Iterator[None]:  # type: ignore[no-untyped-def]
    # Each test starts with closed breakers: no objects from earlier tests in this process,
    # and no state left in Redis (the cache fixture flushes the database only when the cache
    # itself is on Redis).
    settings.BREAKER_FAIL_MAX = 5
    settings.BREAKER_RESET_SECONDS = 60
    forget_breakers()
    if settings.REDIS_URL:
        delete_breaker_keys(settings.REDIS_URL)
    yield
    forget_breakers()


def delete_breaker_keys(url: str) -> None:
    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{KEY_PREFIX}:*", count=500))
    if keys:
        client.delete(*keys)
    client.delete(INDEX_KEY)
    client.close()


@pytest.fixture
def redis_url() -> str:
    """A reachable Redis: REDIS_URL, or under REQUIRE_SERVICES a local default; else skip."""
    url = os.environ.get("REDIS_URL") or (FALLBACK_REDIS_URL if services_required() else "")
    if not url:
        pytest.skip("needs Redis: set REDIS_URL (CI sets REQUIRE_SERVICES)")
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        client.ping()
        client.close()
    except RedisError as error:
        service_unavailable(f"Redis at {url} unreachable: {error}")
    delete_breaker_keys(url)
    return url
