"""The Redis cache backend that reuses one redis-py client per connection pool
(marketing_hunting/redis_cache.py): the same client every call, values as Django's own
backend stores them, and Django's errors when Redis is gone, then recovery once it is back."""

from __future__ import annotations

import pytest
import redis
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from marketing_hunting.redis_cache import RedisCache
from tests.harness.redis_process import RedisProcess


def _cache(url: str, backend: type = RedisCache) -> DjangoRedisCache:
    return backend(url, {"KEY_PREFIX": "t", "OPTIONS": {"socket_timeout": 2}})


def test_one_client_serves_every_call_and_values_read_as_djangos_backend_wrote_them(
    redis_process: RedisProcess,
) -> None:
    ours = _cache(redis_process.url)
    first = ours._cache.get_client("a")
    assert ours._cache.get_client("b") is first
    assert ours._cache.get_client("c", write=True) is first  # one server: one pool
    # Django's own backend builds a new client per call: the cost this backend removes.
    django_cache = _cache(redis_process.url, DjangoRedisCache)
    assert django_cache._cache.get_client("a") is not django_cache._cache.get_client("a")

    django_cache.set("key", {"n": 1, "text": "é"}, 60)
    assert ours.get("key") == {"n": 1, "text": "é"}
    ours.set_many({"x": 1, "y": [2]}, 60)
    assert django_cache.get_many(["x", "y"]) == {"x": 1, "y": [2]}
    assert ours.incr("x") == 2
    ours.delete("x")
    assert django_cache.get("x") is None


def test_redis_gone_raises_as_djangos_backend_does_and_the_same_client_recovers(
    redis_process: RedisProcess,
) -> None:
    ours = _cache(redis_process.url)
    ours.set("k", "v", 60)
    client = ours._cache.get_client()
    redis_process.stop()
    with pytest.raises(redis.ConnectionError):
        ours.get("k")
    # Started again on the same port (empty: nothing is persisted): the kept client reconnects.
    redis_process.start()
    assert ours.get("k") is None
    ours.set("k", "w", 60)
    assert ours.get("k") == "w"
    assert ours._cache.get_client() is client
