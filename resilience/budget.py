"""Per-minute budgets (requests, tokens) shared by every worker: *when* a call may be sent.

Each budget key keeps one number, the time at which its schedule is next free (GCRA, the
"generic cell rate algorithm", a.k.a. virtual scheduling). A call costing ``c`` units (one
request, or its tokens) is given the slot ``start = max(now, free)`` and moves ``free`` to
``start + c * 60 / per_minute``; the caller sleeps until ``start`` and then sends. So calls
leave evenly spaced, in the order they asked, with nobody polling, and no minute ever holds
more than the budget (providers enforce theirs over much shorter windows than a minute, so
a burst "allowed this minute" would still be refused). The schedule aims :data:`HEADROOM`
below the budget so that network jitter cannot tip a sliding minute over it, and may lag
:data:`CATCH_UP_SECONDS` behind the clock, so a moment when no call was ready (a batch
ending, a thread saving its report) is caught up rather than lost.

Nothing is *held*: a reservation is a time, not a lease. When Redis restarts and loses the
keys, no worker waits on a lock that is gone; each process seeds a missing key with the
latest slot it was given itself, so the schedule resumes where it was instead of starting a
second one beside the slots still being waited for.

- With ``REDIS_URL``: one Lua script per reservation (atomic; Redis's own clock, so workers
  on machines with skewed clocks agree).
- Embedded mode: the same algorithm over a small JSON file under ``VAR_DIR``, under an
  exclusive ``flock``, so every local process shares it.

Why not a library: ``limits`` (Flask-Limiter's) answers "allowed now, yes or no" and so
makes waiting workers poll, and its moving window stores one entry per unit of cost (a
200,000 tokens-per-minute budget would be 200,000 list entries); ``pyrate-limiter`` has the
same shape. The schedule above is one number per key.
"""

from __future__ import annotations

import fcntl
import json
import logging
import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import redis
from django.conf import settings
from redis.exceptions import RedisError

from resilience.errors import TemporaryFailure

logger = logging.getLogger("resilience")

# The schedule runs this fraction of the budget (see the module docstring).
HEADROOM = 0.98
# A schedule left idle may lag this many seconds behind now: that much unused capacity can be
# caught up at once (1 % of a minute, half the headroom, so no sliding minute goes over).
CATCH_UP_SECONDS = 0.6
# What providers' rate-limit headers taught us is remembered this long (seconds).
LEARNED_TTL = 3600
KEY_PREFIX = "mh:budget"


@dataclass(frozen=True)
class Limit:
    """One budget a call draws on: ``cost`` units of ``key``'s ``per_minute``."""

    key: str
    per_minute: float
    cost: float = 1.0


class BudgetUnavailable(TemporaryFailure):
    """No slot was reserved: the wait would be too long, or the shared store did not answer.
    Nothing was sent; the caller may come back after ``retry_after`` seconds."""


class Store(Protocol):
    def reserve(
        self, limits: Sequence[Limit], max_wait: float, hints: dict[str, float]
    ) -> tuple[float, float]:
        """``(start, now)`` of the slot given, or ``(-1, wait)`` when it would start more than
        ``max_wait`` seconds from now (nothing reserved then)."""

    def pause(self, keys: Sequence[str], seconds: float) -> None:
        """No slot of ``keys`` starts earlier than ``seconds`` from now."""

    def paused_for(self, keys: Sequence[str]) -> float:
        """Seconds left of the longest pause on ``keys`` (0 when none)."""

    def settle(self, key: str, per_minute: float, units: float) -> None:
        """Charge ``units`` more (or give back, when negative) to ``key``'s schedule."""

    def learn(self, key: str, per_minute: float) -> None:
        """The provider says ``key``'s budget is ``per_minute``: use it while lower than ours."""


# -- Redis --------------------------------------------------------------------------------

# KEYS: the schedule keys. ARGV: max_wait, headroom, catch_up, then per key: per_minute,
# cost, hint.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local max_wait = tonumber(ARGV[1])
local headroom = tonumber(ARGV[2])
local catch_up = tonumber(ARGV[3])
local start = now
local intervals = {}
local frees = {}
for i = 1, #KEYS do
  local per_minute = tonumber(ARGV[3 * i + 1])
  local learned = tonumber(redis.call('GET', KEYS[i] .. ':limit'))
  if learned and learned < per_minute then per_minute = learned end
  intervals[i] = 60 / (per_minute * headroom)
  local free = tonumber(redis.call('GET', KEYS[i])) or tonumber(ARGV[3 * i + 3])
  local paused = tonumber(redis.call('GET', KEYS[i] .. ':paused'))
  if paused and paused > free then free = paused end
  frees[i] = free
  if free > start then start = free end
end
if start - now > max_wait then
  return {'-1', tostring(start - now)}
end
for i = 1, #KEYS do
  local free = math.max(frees[i], start - catch_up) + tonumber(ARGV[3 * i + 2]) * intervals[i]
  redis.call('SET', KEYS[i], tostring(free), 'PX', math.ceil((free - now + 60) * 1000))
end
return {tostring(start), tostring(now)}
"""

# KEYS: schedule keys. ARGV: seconds. The pause is its own key (read at send time too).
_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local until_ = now + tonumber(ARGV[1])
for i = 1, #KEYS do
  local current = tonumber(redis.call('GET', KEYS[i] .. ':paused'))
  if not current or current < until_ then
    redis.call('SET', KEYS[i] .. ':paused', tostring(until_), 'PX',
               math.ceil(tonumber(ARGV[1]) * 1000) + 1)
  end
end
return 1
"""

_PAUSED_FOR = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local left = 0
for i = 1, #KEYS do
  local paused = tonumber(redis.call('GET', KEYS[i] .. ':paused'))
  if paused and paused - now > left then left = paused - now end
end
return tostring(left)
"""

# KEYS[1]: schedule key. ARGV: per_minute, headroom, units. Never moves the schedule before now.
_SETTLE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local per_minute = tonumber(ARGV[1])
local learned = tonumber(redis.call('GET', KEYS[1] .. ':limit'))
if learned and learned < per_minute then per_minute = learned end
local free = tonumber(redis.call('GET', KEYS[1])) or now
free = free + tonumber(ARGV[3]) * 60 / (per_minute * tonumber(ARGV[2]))
if free < now then free = now end
redis.call('SET', KEYS[1], tostring(free), 'PX', math.ceil((free - now + 60) * 1000))
return 1
"""


class RedisStore:
    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self._reserve = client.register_script(_RESERVE)
        self._pause = client.register_script(_PAUSE)
        self._paused_for = client.register_script(_PAUSED_FOR)
        self._settle = client.register_script(_SETTLE)

    def reserve(
        self, limits: Sequence[Limit], max_wait: float, hints: dict[str, float]
    ) -> tuple[float, float]:
        args: list[object] = [repr(max_wait), repr(HEADROOM), repr(CATCH_UP_SECONDS)]
        for limit in limits:
            args += [repr(float(limit.per_minute)), repr(limit.cost), repr(hints.get(limit.key, 0))]
        first, second = self._reserve(keys=[limit.key for limit in limits], args=args)
        return float(first), float(second)

    def pause(self, keys: Sequence[str], seconds: float) -> None:
        self._pause(keys=list(keys), args=[repr(seconds)])

    def paused_for(self, keys: Sequence[str]) -> float:
        return float(self._paused_for(keys=list(keys)))

    def settle(self, key: str, per_minute: float, units: float) -> None:
        self._settle(keys=[key], args=[repr(float(per_minute)), repr(HEADROOM), repr(units)])

    def learn(self, key: str, per_minute: float) -> None:
        self.client.set(f"{key}:limit", repr(float(per_minute)), ex=LEARNED_TTL)


# -- Embedded mode: a file shared by the local processes -----------------------------------


class FileStore:
    """The same schedule in a JSON file, read and written under an exclusive ``flock``."""

    def __init__(self, path: Path, clock: object = time.time) -> None:
        self.path = path
        self.clock = clock
        self._lock = threading.Lock()  # flock is per open file, not per thread

    def _update(self, change):  # type: ignore[no-untyped-def]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, open(self.path, "a+", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            handle.seek(0)
            try:
                state = json.loads(handle.read() or "{}")
            except ValueError:  # a torn or foreign file: start a fresh schedule
                state = {}
            now = self.clock()  # type: ignore[operator]
            # Expired entries go, as Redis would expire them.
            state = {key: value for key, value in state.items() if value[1] > now}
            result = change(state, now)
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps(state))
            return result

    @staticmethod
    def _get(state: dict, key: str) -> float | None:
        entry = state.get(key)
        return float(entry[0]) if entry else None

    def _per_minute(self, state: dict, key: str, configured: float) -> float:
        learned = self._get(state, f"{key}:limit")
        return min(configured, learned) if learned else configured

    def reserve(
        self, limits: Sequence[Limit], max_wait: float, hints: dict[str, float]
    ) -> tuple[float, float]:
        def change(state: dict, now: float) -> tuple[float, float]:
            frees = []
            for limit in limits:
                free = self._get(state, limit.key) or hints.get(limit.key, 0.0)
                frees.append(max(free, self._get(state, f"{limit.key}:paused") or 0.0))
            start = max([now, *frees])
            if start - now > max_wait:
                return -1.0, start - now
            for limit, free in zip(limits, frees, strict=True):
                per_minute = self._per_minute(state, limit.key, limit.per_minute) * HEADROOM
                free = max(free, start - CATCH_UP_SECONDS) + limit.cost * 60 / per_minute
                state[limit.key] = [free, free + 60]
            return start, now

        return self._update(change)

    def pause(self, keys: Sequence[str], seconds: float) -> None:
        def change(state: dict, now: float) -> None:
            for key in keys:
                current = self._get(state, f"{key}:paused") or 0.0
                if current < now + seconds:
                    state[f"{key}:paused"] = [now + seconds, now + seconds]

        self._update(change)

    def paused_for(self, keys: Sequence[str]) -> float:
        def change(state: dict, now: float) -> float:
            return max([0.0, *((self._get(state, f"{k}:paused") or 0.0) - now for k in keys)])

        return self._update(change)

    def settle(self, key: str, per_minute: float, units: float) -> None:
        def change(state: dict, now: float) -> None:
            rate = self._per_minute(state, key, per_minute) * HEADROOM
            free = max(now, (self._get(state, key) or now) + units * 60 / rate)
            state[key] = [free, free + 60]

        self._update(change)

    def learn(self, key: str, per_minute: float) -> None:
        def change(state: dict, now: float) -> None:
            state[f"{key}:limit"] = [per_minute, now + LEARNED_TTL]

        self._update(change)


@lru_cache(maxsize=4)
def _redis(url: str) -> redis.Redis:
    timeout = float(settings.REDIS_TIMEOUT)
    return redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)


def default_store() -> Store:
    """Redis when ``REDIS_URL`` is set, else the file under ``VAR_DIR``."""
    if settings.REDIS_URL:
        return _redis_store(settings.REDIS_URL)
    return _file_store(str(Path(settings.VAR_DIR) / "llm-budget.json"))


@lru_cache(maxsize=4)
def _redis_store(url: str) -> RedisStore:
    return RedisStore(_redis(url))


@lru_cache(maxsize=4)
def _file_store(path: str) -> FileStore:
    return FileStore(Path(path))


# -- Taking a slot --------------------------------------------------------------------------

# The latest slot end this process was given per key: seeds a key Redis lost (restart).
_hints: dict[str, float] = {}
_hints_lock = threading.Lock()


def _remember(limits: Sequence[Limit], start: float) -> None:
    with _hints_lock:
        for limit in limits:
            end = start + limit.cost * 60 / (limit.per_minute * HEADROOM)
            _hints[limit.key] = max(_hints.get(limit.key, 0.0), end)


def acquire(
    limits: Sequence[Limit],
    *,
    max_wait: float,
    label: str,
    store: Store | None = None,
    sleep=time.sleep,  # type: ignore[no-untyped-def]
) -> float:
    """Wait for a slot in every budget of ``limits`` (one schedule per key, taken together);
    returns the seconds waited. Raises :class:`BudgetUnavailable` without waiting when the
    slot would be more than ``max_wait`` seconds away, or when the store does not answer.

    A pause set while we waited (a 429 seen by any worker) is honoured before sending: the
    slot is taken again after it, so one 429 slows every worker down once.
    """
    store = store or default_store()
    keys = [limit.key for limit in limits]
    waited = 0.0
    for _ in range(3):  # a pause may come while we wait; more than twice means a storm
        try:
            with _hints_lock:
                hints = {key: _hints.get(key, 0.0) for key in keys}
            start, now = store.reserve(limits, max(0.0, max_wait - waited), hints)
        except (RedisError, OSError) as error:
            raise _unavailable(label, f"the shared budget could not be read ({error})") from error
        if start < 0:
            raise _unavailable(
                label,
                f"its budget has no free slot in the next {max_wait:g} s "
                f"(the next is in {now:.0f} s)",
                retry_after=now,
            )
        _remember(limits, start)
        delay = max(0.0, start - now)
        if delay:
            sleep(delay)
        waited += delay
        try:
            paused = store.paused_for(keys)
        except (RedisError, OSError) as error:
            raise _unavailable(label, f"the shared budget could not be read ({error})") from error
        if paused <= 0:
            return waited
        # Take a fresh slot: the schedule puts it after the pause, behind those who asked
        # first, so the paused callers come back one by one, not all at once.
    raise _unavailable(label, "it kept asking us to slow down", retry_after=max_wait)


def _unavailable(label: str, why: str, retry_after: float | None = None) -> BudgetUnavailable:
    return BudgetUnavailable(
        f"{label} was not called: {why}.",
        provider=label,
        retry_after=None if retry_after is None else math.ceil(retry_after),
    )


def pause(keys: Sequence[str], seconds: float, *, store: Store | None = None) -> None:
    """Hold every worker's next calls on ``keys`` for ``seconds`` (the provider asked)."""
    try:
        (store or default_store()).pause(keys, seconds)
    except (RedisError, OSError) as error:
        logger.warning("Could not pause the shared budget %s: %s", ", ".join(keys), error)


def settle(limit: Limit, units: float, *, store: Store | None = None) -> None:
    """Correct ``limit``'s schedule by ``units`` once the real cost is known."""
    if not units:
        return
    try:
        (store or default_store()).settle(limit.key, limit.per_minute, units)
    except (RedisError, OSError) as error:
        logger.warning("Could not settle the shared budget %s: %s", limit.key, error)


def learn(key: str, per_minute: float, *, store: Store | None = None) -> None:
    try:
        (store or default_store()).learn(key, per_minute)
    except (RedisError, OSError) as error:
        logger.warning("Could not store the provider's limit for %s: %s", key, error)


def forget_hints() -> None:
    """Drop this process's remembered slots (tests)."""
    with _hints_lock:
        _hints.clear()
