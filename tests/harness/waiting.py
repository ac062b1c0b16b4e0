"""Waiting in tests: on a condition, with a generous ceiling, never on a race.

Tests that wait on real workers, collectors and servers failed on a loaded machine (2 cores at
load average 15-20) with 15-30 s limits, though each passed alone. A ceiling costs nothing when
the condition comes true early, so they are generous, and ``TEST_TIMEOUT_SCALE`` (default 1)
multiplies every one of them for slower machines still.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

TIMEOUT_SCALE = float(os.environ.get("TEST_TIMEOUT_SCALE", "1") or 1)


def ceiling(seconds: float) -> float:
    """A time limit of ``seconds`` on an idle machine, scaled for this one."""
    return seconds * TIMEOUT_SCALE


def wait_for(condition: Callable[[], object], timeout: float = 60.0, step: float = 0.1) -> bool:
    """True as soon as ``condition()`` is; False if it is still not after the (scaled) ceiling."""
    deadline = time.monotonic() + ceiling(timeout)
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return bool(condition())
