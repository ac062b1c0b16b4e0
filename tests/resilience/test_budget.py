"""The shared per-minute budgets: slots spaced by the budget, pauses, limits learned from the
provider, and what happens when Redis goes away while slots are being waited for."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from pathlib import Path

import pytest
import redis

from resilience import budget
from resilience.budget import (
    CATCH_UP_SECONDS,
    HEADROOM,
    BudgetUnavailable,
    FileStore,
    Limit,
    RedisStore,
)
from tests.harness.redis_process import RedisProcess
from tests.harness.waiting import ceiling

INTERVAL_60 = 60 / (60 * HEADROOM)  # seconds between slots at 60 a minute
# A fresh (or idle) schedule may lag this far behind now: the second slot comes that early.
LAG = CATCH_UP_SECONDS


@pytest.fixture(params=["file", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    if request.param == "file":
        return FileStore(tmp_path / "budget.json")
    url = request.getfixturevalue("redis_url")
    return RedisStore(redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2))


@pytest.fixture(autouse=True)
def _no_hints() -> None:
    budget.forget_hints()


def key() -> str:
    return f"mh:budget:test:{uuid.uuid4().hex}"


def test_slots_are_spaced_by_the_budget_in_the_order_asked(store):
    limit = Limit(key(), 60)
    starts = [store.reserve([limit], 60, {})[0] for _ in range(5)]

    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert gaps == pytest.approx([INTERVAL_60 - LAG] + [INTERVAL_60] * 3, abs=1e-3)


def test_an_idle_schedule_catches_up_a_little_unused_capacity_and_no_more(store):
    limit = Limit(key(), 600)  # one every ~0.1 s: the catch-up allows a few at once
    began = time.monotonic()
    reserved = [store.reserve([limit], 60, {}) for _ in range(12)]
    elapsed = time.monotonic() - began

    at_once = sum(start <= now + 1e-3 for start, now in reserved)
    interval = 60 / (600 * HEADROOM)
    # The catch-up's worth, plus any slot that came due while we were asking.
    assert int(LAG / interval) + 1 <= at_once <= int((LAG + elapsed) / interval) + 1
    starts = [start for start, _ in reserved]
    # Never more than the catch-up ahead of the even spacing.
    assert all(start >= starts[0] + n * interval - LAG - 1e-3 for n, start in enumerate(starts))


def test_a_slot_too_far_away_is_refused_and_nothing_is_reserved(store):
    limit = Limit(key(), 60)
    first, _ = store.reserve([limit], 60, {})
    store.reserve([limit], 60, {})  # the next one is ~1 s away

    refused, wait = store.reserve([limit], 0.5, {})  # the third would be ~1.4 s away
    assert refused == -1 and wait == pytest.approx(2 * INTERVAL_60 - LAG, abs=0.5)
    third, _ = store.reserve([limit], 60, {})
    assert third == pytest.approx(first + 2 * INTERVAL_60 - LAG, abs=1e-3)


def test_a_call_costing_many_tokens_pushes_the_next_one_back_by_its_share(store):
    tokens = Limit(key(), 6000, cost=3000)  # half a minute's tokens
    first, _ = store.reserve([tokens], 120, {})
    second, _ = store.reserve([tokens], 120, {})
    assert second - first == pytest.approx(30 / HEADROOM - LAG, abs=1e-3)


def test_the_slowest_of_several_budgets_decides_and_each_is_charged(store):
    slow, fast = Limit(key(), 30), Limit(key(), 600)
    store.reserve([slow], 60, {})  # the slow budget's next slot is ~1.4 s away
    start, now = store.reserve([slow, fast], 60, {})
    assert start - now == pytest.approx(60 / (30 * HEADROOM) - LAG, abs=0.5)
    after, _ = store.reserve([fast], 60, {})
    # The fast one was charged at that slot (its catch-up counted from there).
    assert after == pytest.approx(start - LAG + 60 / (600 * HEADROOM), abs=1e-3)


def test_a_pause_holds_the_next_slot_and_is_not_added_up(store):
    limit = Limit(key(), 600)
    store.pause([limit.key], 3)
    store.pause([limit.key], 3)  # a second worker's 429 at the same moment: still 3 s
    start, now = store.reserve([limit], 60, {})
    assert start - now == pytest.approx(3, abs=0.5)
    assert store.paused_for([limit.key]) == pytest.approx(3, abs=0.5)


def test_a_lower_limit_learned_from_the_provider_spaces_slots_wider(store):
    limit = Limit(key(), 600)
    store.learn(limit.key, 60)
    starts = [store.reserve([limit], 60, {})[0] for _ in range(3)]
    assert starts[2] - starts[1] == pytest.approx(INTERVAL_60, abs=1e-3)


def test_a_higher_limit_from_the_provider_never_raises_ours(store):
    limit = Limit(key(), 60)
    store.learn(limit.key, 6000)
    starts = [store.reserve([limit], 60, {})[0] for _ in range(3)]
    assert starts[2] - starts[1] == pytest.approx(INTERVAL_60, abs=1e-3)


def test_settling_charges_the_real_cost_and_gives_back_unused_tokens(store):
    tokens = Limit(key(), 6000, cost=600)  # 6 s of the budget each
    first, _ = store.reserve([tokens], 120, {})
    store.settle(tokens.key, 6000, 600)  # it used twice the estimate: 6 s more
    second, _ = store.reserve([tokens], 120, {})
    assert second - first == pytest.approx(12 / HEADROOM - LAG, abs=1e-3)
    store.settle(tokens.key, 6000, -600)  # the second used nothing
    third, _ = store.reserve([tokens], 120, {})
    assert third - second == pytest.approx(0, abs=1e-3)


def test_acquire_waits_for_its_slot_and_refuses_beyond_the_longest_wait(store):
    limit = Limit(key(), 60)
    slept: list[float] = []
    assert budget.acquire([limit], max_wait=5, label="LLM", store=store, sleep=slept.append) == 0
    budget.acquire([limit], max_wait=5, label="LLM", store=store, sleep=slept.append)
    assert slept == [pytest.approx(INTERVAL_60 - LAG, abs=0.3)]

    with pytest.raises(BudgetUnavailable) as refused:
        budget.acquire([limit], max_wait=0.5, label="The LLM", store=store, sleep=slept.append)
    assert "no free slot in the next 0.5 s" in refused.value.message
    assert refused.value.retry_after is not None and refused.value.retry_after >= 1


def test_a_pause_set_while_waiting_is_honoured_before_sending(store):
    limit = Limit(key(), 60)
    slept: list[float] = []
    paused_at: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 1:  # another worker got a 429 while we waited for our slot
            store.pause([limit.key], 1.5)
            paused_at.append(time.monotonic())
        time.sleep(seconds)

    store.reserve([limit], 60, {})
    budget.acquire([limit], max_wait=30, label="LLM", store=store, sleep=sleep)
    # Our slot (~0.4 s), then a fresh one after the pause the other worker set.
    assert len(slept) == 2 and slept[0] + slept[1] == pytest.approx(1.5, abs=0.3)
    assert time.monotonic() >= paused_at[0] + 1.5 - 0.05


def test_two_processes_sharing_the_file_store_never_get_the_same_slot(tmp_path):
    path = tmp_path / "budget.json"
    limit = Limit(key(), 600)
    starts: list[float] = []
    lock = threading.Lock()

    def take() -> None:
        store = FileStore(path)  # each with its own handle, as separate processes have
        for _ in range(20):
            start, _ = store.reserve([limit], 60, {})
            with lock:
                starts.append(start)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(ceiling(30))
    starts.sort()
    assert len(starts) == 80
    interval = 60 / (600 * HEADROOM)
    # As one schedule: never ahead of the even spacing by more than the catch-up.
    assert all(start >= starts[0] + n * interval - LAG - 1e-3 for n, start in enumerate(starts))
    assert starts[-1] - starts[0] >= 79 * interval - LAG - 1e-3


def test_a_torn_budget_file_starts_a_fresh_schedule(tmp_path):
    path = tmp_path / "budget.json"
    path.write_text('{"mh:budget:x": [12')
    start, now = FileStore(path).reserve([Limit("mh:budget:x", 60)], 60, {})
    assert start == now


# -- Redis going away ------------------------------------------------------------------------


def test_a_redis_restart_loses_no_slot_already_given_and_the_schedule_resumes(
    redis_process: RedisProcess, tmp_path
):
    client = redis.Redis(port=redis_process.port, socket_timeout=1, socket_connect_timeout=1)
    store = RedisStore(client)
    limit = Limit(key(), 60)
    slept: list[float] = []
    for _ in range(4):  # slots now, +0.4, +1.4, +2.5 s: the schedule is free ~3.5 s away
        budget.acquire([limit], max_wait=30, label="LLM", store=store, sleep=slept.append)
    given = time.monotonic()

    redis_process.stop()
    with pytest.raises(BudgetUnavailable) as down:
        budget.acquire([limit], max_wait=30, label="The LLM", store=store, sleep=slept.append)
    assert "the shared budget could not be read" in down.value.message

    redis_process.start()  # empty: the schedule's key is gone
    slept.clear()
    budget.acquire([limit], max_wait=30, label="LLM", store=store, sleep=slept.append)
    # Not "now": after the slots this process was given before the restart.
    assert slept and slept[0] == pytest.approx(
        4 * INTERVAL_60 - LAG - (time.monotonic() - given), abs=0.3
    )


def test_a_frozen_redis_fails_the_reservation_within_its_timeout_without_a_deadlock(
    redis_process: RedisProcess,
):
    client = redis.Redis(port=redis_process.port, socket_timeout=1, socket_connect_timeout=1)
    store = RedisStore(client)
    limit = Limit(key(), 600)
    budget.acquire([limit], max_wait=30, label="LLM", store=store, sleep=time.sleep)
    redis_process.freeze()
    errors: list[BaseException] = []

    def call() -> None:
        try:
            budget.acquire([limit], max_wait=30, label="LLM", store=store, sleep=time.sleep)
        except BudgetUnavailable as error:
            errors.append(error)

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(ceiling(20))
    assert not any(thread.is_alive() for thread in threads)
    assert len(errors) == 4

    redis_process.thaw()
    assert budget.acquire([limit], max_wait=30, label="LLM", store=store, sleep=time.sleep) >= 0
