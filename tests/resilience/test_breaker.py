"""The circuit breaker in one process: when it opens, what counts, how it recovers.

Runs on in-memory storage by default and on Redis when REDIS_URL is set; the cooldown runs
on a fake clock (``breaker_clock`` patches the ``datetime`` pybreaker reads).
"""

import logging
import threading
from datetime import timedelta

import pytest

from resilience import breaker_states, get_breaker, reset_breaker
from resilience.breaker import CircuitOpen, forget_breakers


class Outage(Exception):
    pass


class BadRequest(Exception):
    pass


def is_fault(error: BaseException) -> bool:
    return isinstance(error, Outage)


def failing():
    raise Outage("503")


def refused():
    raise BadRequest("400")


def call(breaker, fn=lambda: "ok"):
    return breaker.protect(fn, is_fault=is_fault)


@pytest.fixture
def breaker(settings, breaker_clock):
    settings.BREAKER_FAIL_MAX = 3
    settings.BREAKER_RESET_SECONDS = 60
    return get_breaker("openai", "default")


def trip(breaker, times: int = 3) -> None:
    for _ in range(times):
        with pytest.raises(Outage):  # the tripping call raises its own error, not the breaker's
            call(breaker, failing)


def test_it_opens_after_the_configured_consecutive_failures_and_refuses_unsent(
    breaker, breaker_clock
):
    trip(breaker)
    sent = []

    with pytest.raises(CircuitOpen) as raised:
        call(breaker, lambda: sent.append(1))

    assert sent == []
    assert breaker.current_state == "open"
    assert raised.value.until == breaker_clock.now + timedelta(seconds=60)


def test_failures_caused_by_our_request_do_not_count_and_reset_the_streak(breaker):
    trip(breaker, times=2)
    with pytest.raises(BadRequest):
        call(breaker, refused)  # the provider answered: it is up
    trip(breaker, times=2)

    assert breaker.current_state == "closed"
    assert breaker.fail_counter == 2
    for _ in range(5):
        with pytest.raises(BadRequest):
            call(breaker, refused)
    assert breaker.current_state == "closed"


def test_a_success_resets_the_count(breaker):
    trip(breaker, times=2)
    assert call(breaker) == "ok"
    trip(breaker, times=2)
    assert breaker.current_state == "closed"


def test_after_the_cooldown_a_trial_call_goes_through_and_a_success_closes_it(
    breaker, breaker_clock
):
    trip(breaker)
    breaker_clock.advance(59)
    with pytest.raises(CircuitOpen):
        call(breaker)

    breaker_clock.advance(2)
    assert call(breaker) == "ok"

    assert breaker.current_state == "closed"
    assert breaker.fail_counter == 0


def test_a_failed_trial_call_reopens_it_for_a_new_cooldown(breaker, breaker_clock):
    trip(breaker)
    breaker_clock.advance(61)

    with pytest.raises(Outage):
        call(breaker, failing)

    assert breaker.current_state == "open"
    with pytest.raises(CircuitOpen) as raised:
        call(breaker)
    assert raised.value.until == breaker_clock.now + timedelta(seconds=60)


def test_opening_is_logged_once_at_error(breaker, caplog):
    with caplog.at_level(logging.INFO, logger="resilience"):
        trip(breaker)
        for _ in range(3):
            with pytest.raises(CircuitOpen):
                call(breaker)

    opened = [r for r in caplog.records if getattr(r, "breaker_state", "") == "open"]
    assert len(opened) == 1
    assert opened[0].levelname == "ERROR"
    assert "openai/default opened after 3 consecutive failures" in opened[0].getMessage()


def test_calls_through_one_breaker_are_not_serialized(breaker):
    # pybreaker's own call() holds a lock while the function runs; ours must not, or every
    # thread of a worker would queue behind the slowest request.
    both_inside = threading.Barrier(2, timeout=5)
    results = []

    def slow_call():
        both_inside.wait()  # raises BrokenBarrierError if the other thread cannot get in
        return "ok"

    threads = [
        threading.Thread(target=lambda: results.append(call(breaker, slow_call))) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert results == ["ok", "ok"]


def test_the_status_panel_lists_each_breaker_with_its_state(settings, breaker, breaker_clock):
    trip(breaker)
    host = get_breaker("feed-host", "news.example")
    with pytest.raises(Outage):
        call(host, failing)

    states = {(s.kind, s.name): s for s in breaker_states()}

    openai_state = states[("openai", "default")]
    assert (openai_state.state, openai_state.failures) == ("open", 3)
    assert openai_state.opened_at == breaker_clock.now
    assert openai_state.half_opens_at == breaker_clock.now + timedelta(seconds=60)
    assert openai_state.refusing
    host_state = states[("feed-host", "news.example")]
    assert (host_state.state, host_state.failures, host_state.opened_at) == ("closed", 1, None)
    assert not host_state.refusing


def test_an_operator_can_close_a_breaker(breaker):
    trip(breaker)
    reset_breaker("openai", "default")
    assert call(breaker) == "ok"


def test_settings_changes_apply_to_existing_breakers(settings, breaker):
    settings.BREAKER_FAIL_MAX = 1
    again = get_breaker("openai", "default")
    assert again is breaker
    with pytest.raises(Outage):
        call(again, failing)
    assert again.current_state == "open"


def test_an_unreachable_redis_never_blocks_calls(settings, caplog):
    # Nothing listens on port 1: every storage operation fails fast and pybreaker falls back
    # to "closed", so the provider is still called.
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    forget_breakers()
    unreachable = get_breaker("openai", "default")

    with caplog.at_level(logging.CRITICAL):
        assert call(unreachable) == "ok"
        with pytest.raises(Outage):
            call(unreachable, failing)
