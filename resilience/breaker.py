"""Circuit breakers per provider and per feed host, shared by every worker process.

With ``REDIS_URL`` set, a breaker's state (closed/open/half-open), consecutive-failure count
and opening time live in Redis through pybreaker's ``CircuitRedisStorage``, so when one
worker's calls trip it, every worker refuses calls to that provider until the cooldown ends;
the first call after it is the trial that closes it again (or reopens it). In embedded mode
(no Redis) each process keeps its own in-memory breaker.

A breaker opens after ``BREAKER_FAIL_MAX`` consecutive faults and half-opens after
``BREAKER_RESET_SECONDS``. Only faults that mean the *provider* is unwell count (the caller
says which, see :meth:`SharedBreaker.protect`); anything else counts as a healthy answer,
as in pybreaker, where an excluded error resets the count.

Two deliberate departures from plain pybreaker, both in :class:`SharedBreaker`:

- pybreaker's ``call()`` holds the breaker's lock while the protected function runs, which
  turns every call through one breaker in a process into a queue (pybreaker issues #3, #55).
  Our ``call()`` takes no lock around the call; pybreaker's state setters still lock.
- The transition that *this* process makes is logged once (opened at ERROR, half-open and
  closed at INFO); pybreaker also "notices" transitions made by other processes, which are
  not logged again.

While half-open, pybreaker lets every caller through (not just one trial), in each process;
with the failure count shared, the first fault reopens the breaker for all.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, TypeVar

import pybreaker
import redis
from django.conf import settings
from redis.exceptions import RedisError

logger = logging.getLogger("resilience")

# Breaker kinds: one breaker per (kind, name).
OPENAI = "openai"
FEED_HOST = "feed-host"
SEARCH = "search"

KEY_PREFIX = "mh:breaker"
INDEX_KEY = f"{KEY_PREFIX}:index"  # every (kind, name) seen, for the status panel
# A breaker must never hang a call because Redis is slow; pybreaker falls back to "closed".
REDIS_TIMEOUT = 1.0

T = TypeVar("T")


def breaker_now() -> datetime:
    """The breakers' clock.

    pybreaker checks the cooldown with ``datetime.now(UTC)`` from its own module; reading the
    same name keeps our "paused until" in step with it, and lets a test move both by patching
    ``pybreaker.datetime``.
    """
    return pybreaker.datetime.now(UTC)


class CircuitOpen(Exception):
    """The breaker refused the call; nothing was sent. ``until``: when it half-opens."""

    def __init__(self, kind: str, name: str, until: datetime | None) -> None:
        super().__init__(f"the circuit breaker {kind}/{name} is open")
        self.kind = kind
        self.name = name
        self.until = until


class _NotAFault(Exception):
    """Carries an error through pybreaker without counting it (listed in ``exclude``)."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


class SharedBreaker(pybreaker.CircuitBreaker):
    """A pybreaker ``CircuitBreaker`` named ``kind/name``; get one with :func:`get_breaker`."""

    def __init__(self, kind: str, name: str, storage: pybreaker.CircuitBreakerStorage) -> None:
        self.kind = kind
        self.key = name
        self.storage = storage
        super().__init__(
            fail_max=settings.BREAKER_FAIL_MAX,
            reset_timeout=settings.BREAKER_RESET_SECONDS,
            exclude=[_NotAFault],
            state_storage=storage,
            name=f"{kind}/{name}",
            # The call that trips the breaker raises its own error, so callers can classify it.
            throw_new_error_on_trip=False,
        )

    # -- calling ----------------------------------------------------------------------------

    def call(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """pybreaker's ``call`` without its lock around ``func`` (see the module docstring).

        Raises :class:`CircuitOpen` when the breaker refuses, without calling ``func``.
        """
        entered = False

        def tracked(*inner_args: Any, **inner_kwargs: Any) -> T:
            nonlocal entered
            entered = True
            return func(*inner_args, **inner_kwargs)

        try:
            return self.state.call(tracked, *args, **kwargs)
        except pybreaker.CircuitBreakerError:
            if entered:  # raised by func itself (a nested breaker): not ours to translate
                raise
            raise CircuitOpen(self.kind, self.key, self.half_opens_at()) from None

    def protect(self, func: Callable[[], T], *, is_fault: Callable[[BaseException], bool]) -> T:
        """Call ``func`` through the breaker; only errors for which ``is_fault`` is true count.

        Errors are re-raised unchanged either way. Raises :class:`CircuitOpen` when refused.
        """

        def attempt() -> T:
            try:
                return func()
            except BaseException as error:
                if isinstance(error, Exception) and is_fault(error):
                    raise
                raise _NotAFault(error) from error

        try:
            return self.call(attempt)
        except _NotAFault as wrapped:
            passed = wrapped.error
        raise passed

    # -- state ------------------------------------------------------------------------------

    def half_opens_at(self) -> datetime | None:
        """When an open breaker lets the next (trial) call through."""
        opened_at = self.storage.opened_at
        if opened_at is None:
            return None
        return opened_at + timedelta(seconds=self.reset_timeout)

    def is_refusing(self) -> bool:
        """True while open and cooling down: a call now would be refused without a request."""
        if self.current_state != pybreaker.STATE_OPEN:
            return False
        until = self.half_opens_at()
        return until is not None and breaker_now() < until

    # -- transitions made by this process (logged once, here) -------------------------------

    def open(self) -> bool:
        if self.current_state == pybreaker.STATE_HALF_OPEN:
            why = "the trial call failed"
        else:
            why = f"{self.fail_counter} consecutive failures"
        result = super().open()
        _index(self)
        until = self.half_opens_at()
        logger.error(
            "Circuit breaker %s opened after %s; calls refused until %s",
            self.name,
            why,
            until.isoformat(timespec="seconds") if until else "the cooldown ends",
            extra={"provider": self.kind, "breaker": self.key, "breaker_state": "open"},
        )
        return result

    def half_open(self) -> None:
        super().half_open()
        logger.info(
            "Circuit breaker %s half-open: letting a trial call through",
            self.name,
            extra={"provider": self.kind, "breaker": self.key, "breaker_state": "half-open"},
        )

    def close(self) -> None:
        super().close()
        logger.info(
            "Circuit breaker %s closed: %s answers again",
            self.name,
            self.key,
            extra={"provider": self.kind, "breaker": self.key, "breaker_state": "closed"},
        )


class _RedisStorage(pybreaker.CircuitRedisStorage):
    """pybreaker's Redis storage, minus its one unguarded Redis call.

    ``_initialize_redis_state`` runs in the constructor and whenever the state key is missing,
    without pybreaker's usual ``RedisError`` handling: with Redis down, creating a breaker
    would raise. Every other operation already falls back (state "closed", count 0).
    """

    def _initialize_redis_state(self, state: str) -> None:
        try:
            super()._initialize_redis_state(state)
        except RedisError as error:
            logger.warning("Circuit breaker storage unavailable (%s); assuming closed", error)


@lru_cache(maxsize=4)
def _redis(url: str) -> redis.Redis:
    # redis-py pools notice a fork (pid check) and reconnect, so prefork children are safe.
    return redis.Redis.from_url(
        url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
    )


def _namespace(kind: str, name: str) -> str:
    return f"{KEY_PREFIX}:{kind}:{name}"


def _index(breaker: SharedBreaker) -> None:
    if isinstance(breaker.storage, _RedisStorage):
        try:
            _redis(settings.REDIS_URL).sadd(INDEX_KEY, json.dumps([breaker.kind, breaker.key]))
        except RedisError as error:
            logger.warning("Could not index circuit breaker %s: %s", breaker.name, error)


_registry: dict[tuple[str, str, str | None], SharedBreaker] = {}
_registry_lock = threading.Lock()


def get_breaker(kind: str, name: str) -> SharedBreaker:
    """The breaker for ``(kind, name)``, e.g. ``("openai", "default")`` or
    ``("feed-host", "example.com")``; one object per process, state shared through Redis.

    ``BREAKER_FAIL_MAX`` and ``BREAKER_RESET_SECONDS`` are read on every call.
    """
    url = settings.REDIS_URL or None
    key = (kind, name, url)
    with _registry_lock:
        breaker = _registry.get(key)
        if breaker is None:
            if url is None:
                storage: pybreaker.CircuitBreakerStorage = pybreaker.CircuitMemoryStorage(
                    pybreaker.STATE_CLOSED
                )
            else:
                storage = _RedisStorage(
                    pybreaker.STATE_CLOSED, _redis(url), namespace=_namespace(kind, name)
                )
            breaker = SharedBreaker(kind, name, storage)
            _index(breaker)
            _registry[key] = breaker
    breaker.fail_max = settings.BREAKER_FAIL_MAX
    breaker.reset_timeout = settings.BREAKER_RESET_SECONDS
    return breaker


def reset_breaker(kind: str, name: str) -> None:
    """Close the breaker now (an operator knows the provider is back)."""
    get_breaker(kind, name).close()


def forget_breakers() -> None:
    """Drop this process's breaker objects (tests; in-memory state is lost, Redis is not)."""
    with _registry_lock:
        _registry.clear()


@dataclass(frozen=True)
class BreakerStatus:
    """One breaker as every worker sees it, for a status panel."""

    kind: str
    name: str
    state: str  # "closed", "open" or "half-open" as stored
    failures: int  # consecutive faults counted so far
    opened_at: datetime | None
    half_opens_at: datetime | None  # while open: when the next call becomes the trial

    @property
    def refusing(self) -> bool:
        """Open and still cooling down (stored "open" past the cooldown half-opens on use)."""
        return (
            self.state == pybreaker.STATE_OPEN
            and self.half_opens_at is not None
            and breaker_now() < self.half_opens_at
        )


def breaker_states() -> list[BreakerStatus]:
    """Every known breaker, sorted by kind and name, read from the shared storage.

    With Redis this is what all workers see (raises ``redis.RedisError`` if Redis is down);
    in embedded mode it is this process's breakers only.
    """
    reset = timedelta(seconds=settings.BREAKER_RESET_SECONDS)
    rows: list[tuple[str, str, str, int, datetime | None]] = []
    if settings.REDIS_URL:
        rows = _redis_rows(_redis(settings.REDIS_URL))
    else:
        with _registry_lock:
            breakers = [b for (_, _, url), b in _registry.items() if url is None]
        for breaker in breakers:
            storage = breaker.storage
            rows.append(
                (breaker.kind, breaker.key, storage.state, storage.counter, storage.opened_at)
            )
    statuses = [
        BreakerStatus(
            kind,
            name,
            state,
            failures,
            opened_at,
            opened_at + reset if opened_at and state == pybreaker.STATE_OPEN else None,
        )
        for kind, name, state, failures, opened_at in rows
    ]
    return sorted(statuses, key=lambda status: (status.kind, status.name))


def _redis_rows(client: redis.Redis) -> list[tuple[str, str, str, int, datetime | None]]:
    members = sorted(json.loads(member) for member in client.smembers(INDEX_KEY))
    if not members:
        return []
    pipe = client.pipeline(transaction=False)
    for kind, name in members:
        # The key layout of pybreaker.CircuitRedisStorage._namespace (pinned pybreaker 1.4.1).
        prefix = f"{_namespace(kind, name)}:{pybreaker.CircuitRedisStorage.BASE_NAMESPACE}"
        pipe.get(f"{prefix}:state")
        pipe.get(f"{prefix}:fail_counter")
        pipe.get(f"{prefix}:opened_at")
    values = pipe.execute()
    rows = []
    for index, (kind, name) in enumerate(members):
        state, counter, opened = values[3 * index : 3 * index + 3]
        opened_at = datetime.fromtimestamp(int(opened), UTC) if opened else None
        rows.append(
            (
                kind,
                name,
                state.decode() if state else pybreaker.STATE_CLOSED,
                int(counter or 0),
                opened_at,
            )
        )
    return rows
