"""retry_database: what it retries, for how long, and what it tells its caller."""

from __future__ import annotations

import time

import pytest
from django.db import IntegrityError, OperationalError

from resilience import database
from resilience.database import database_error_summary, retry_database


@pytest.fixture(autouse=True)
def _fast_waits(monkeypatch):
    monkeypatch.setattr(database, "MAX_WAIT", 0.01)
    monkeypatch.setattr(database, "close_broken_connection", lambda: None)


def _failing(times: int, error: Exception):
    calls: list[float] = []

    def step() -> str:
        calls.append(time.monotonic())
        if len(calls) <= times:
            raise error
        return "done"

    return step, calls


def test_a_step_is_tried_again_until_the_database_answers_and_the_outage_is_reported():
    step, calls = _failing(2, OperationalError("connection refused"))
    outages, recoveries = [], []

    result = retry_database(
        step, budget=30, what="a step", on_outage=outages.append, on_recovery=recoveries.append
    )

    assert result == "done"
    assert len(calls) == 3
    assert [str(e) for e in outages] == ["connection refused"]
    assert len(recoveries) == 1 and 0 <= recoveries[0] < 30


def test_no_outage_no_report():
    recoveries: list[float] = []
    assert retry_database(lambda: 1, budget=5, what="x", on_recovery=recoveries.append) == 1
    assert recoveries == []


def test_after_the_budget_the_last_error_is_raised():
    step, calls = _failing(10**6, OperationalError("server closed the connection"))
    started = time.monotonic()
    with pytest.raises(OperationalError, match="server closed"):
        retry_database(step, budget=0.5, what="a step")
    assert 0.5 <= time.monotonic() - started < 5
    assert len(calls) > 1


def test_the_budget_counts_from_the_first_failure_not_from_the_start_of_a_long_step():
    calls: list[int] = []

    def slow_then_fails_once() -> str:
        calls.append(1)
        if len(calls) == 1:
            time.sleep(0.6)  # A step that works longer than the budget before failing.
            raise OperationalError("gone")
        return "done"

    assert retry_database(slow_then_fails_once, budget=0.5, what="a step") == "done"


def test_errors_that_are_not_an_outage_are_raised_at_once():
    step, calls = _failing(1, IntegrityError("duplicate key"))
    with pytest.raises(IntegrityError):
        retry_database(step, budget=30, what="a step")
    assert len(calls) == 1


def test_the_summary_is_the_first_line_of_the_driver_message():
    error = OperationalError("connection refused\n\tIs the server running on that host?")
    assert database_error_summary(error) == "connection refused"
