"""kill -9 of a worker → its execution "failed", measured with Redis and two real workers.

The sweep's fast rule (Redis only) fails a running execution whose task no live worker reports
as active or reserved, once its heartbeat has been quiet for 1.5 periods (or at a second sweep
that still misses it). It needs a *live* worker to answer ``app.control.inspect``, so two
``celery worker --pool prefork`` subprocesses run here: A runs the job and is killed; B stays
up, on a private queue so it never takes the job, and answers.

Time is scaled down 10 times, except STUCK_AFTER, which keeps its production 300 s so the
heartbeat-timeout rule cannot be what fails the run: beat's 60 s sweep interval becomes 6 s,
the 30 s heartbeat 3 s (so "quiet" is 4.5 s instead of 45 s) and the 30 s grace for a freshly
started task (``MISSING_GRACE``) 3 s. The test builds the worst case: the first sweep after
the kill comes just before the run counts as quiet, so only the second one can fail it. The
sweep's own run time (two inspect calls of ``INSPECT_TIMEOUT`` each) is not scaled: it is the
same in production.
"""

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.utils import timezone

from jobs.models import ExecutionStatus
from jobs.services import sweep
from jobs.services.executions import execution_enqueue
from jobs.services.sweep import MISSING_KEY, execution_sweep_stuck
from tests.feeds.builders import make_feed
from tests.harness.waiting import ceiling, wait_for
from tests.jobs.builders import make_job, serve_feed
from tests.jobs.test_worker import current, empty_queue, start_worker_process

__all__ = ["empty_queue"]  # The fixture, imported for use here.

HOST = "redis-sweep.test"
SCALE = 10  # Production seconds per test second.
PRODUCTION_HEARTBEAT = 30  # JOB_HEARTBEAT_SECONDS' default.
HEARTBEAT = PRODUCTION_HEARTBEAT // SCALE
PRODUCTION_SWEEP_EVERY = 60.0  # The beat schedule of the sweep.
SWEEP_EVERY = PRODUCTION_SWEEP_EVERY / SCALE
GRACE = timedelta(seconds=sweep.MISSING_GRACE.total_seconds() / SCALE)
IDLE_QUEUE = "redis-sweep-idle"  # Worker B consumes only this: the job goes to A.

pytestmark = pytest.mark.skipif(
    not django_settings.REDIS_URL, reason="the task-missing rule needs Redis (REDIS_URL)"
)


@pytest.fixture
def two_workers(empty_queue) -> Iterator[tuple[str, subprocess.Popen, str]]:
    from marketing_hunting.celery import app

    tag = uuid.uuid4().hex[:8]
    name_a, name_b = f"doomed-{tag}@{HOST}", f"survivor-{tag}@{HOST}"
    beat = {"JOB_HEARTBEAT_SECONDS": str(HEARTBEAT)}
    processes = [
        start_worker_process(name_a, env=beat),
        start_worker_process(name_b, IDLE_QUEUE, env=beat),
    ]
    try:
        names = {name_a, name_b}
        replies = lambda: {n for reply in app.control.ping(timeout=0.5) for n in reply}  # noqa: E731
        ready = wait_for(lambda: names <= replies(), timeout=60, step=0)
        assert ready, "the two workers did not answer a ping within 20 s"
        yield name_a, processes[0], name_b
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=ceiling(30))


def test_a_killed_worker_is_failed_within_two_minutes_with_redis(
    http_server, org_a, settings, monkeypatch, two_workers
):
    name_a, worker_a, name_b = two_workers
    settings.STUCK_AFTER_SECONDS = 300  # Production: the heartbeat-timeout rule stays away.
    settings.JOB_HEARTBEAT_SECONDS = HEARTBEAT
    monkeypatch.setattr(sweep, "MISSING_GRACE", GRACE)
    quiet = sweep.silent_after().total_seconds()
    # The only feed hangs for 30 s: the run is inside it when A is killed.
    make_feed(org_a, serve_feed(http_server, "slow", stories=1, delay=30), name="slow")
    execution = execution_enqueue(job=make_job(org_a))
    assert wait_for(lambda: current(execution).status == ExecutionStatus.RUNNING, timeout=60)
    assert execution.worker_hostname == name_a and execution.task_id
    time.sleep(max(0.0, (execution.started_at + GRACE - timezone.now()).total_seconds()))

    # A sweep while A is alive: the task is seen, so a stale "missing once" flag is cleared.
    key = MISSING_KEY.format(execution.pk)
    cache.set(key, True)
    assert execution_sweep_stuck(use_inspect=True) == []
    assert cache.get(key) is None, "the inspect did not report A's task"

    # Kill A just after a heartbeat: the longest quiet time before the rule can apply.
    beat_seen = current(execution).heartbeat_at
    assert wait_for(lambda: current(execution).heartbeat_at != beat_seen, timeout=HEARTBEAT * 3)
    os.killpg(worker_a.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    worker_a.wait(timeout=ceiling(30))
    last_beat = current(execution).heartbeat_at

    # Worst case: the first sweep after the kill comes just before the run counts as quiet.
    time.sleep(max(0.0, (last_beat - timezone.now()).total_seconds() + quiet - 0.5))
    first_sweep = time.monotonic()
    assert execution_sweep_stuck(use_inspect=True) == []
    assert current(execution).status == ExecutionStatus.RUNNING
    assert cache.get(key), "the first sweep after the kill did not notice the missing task"
    time.sleep(max(0.0, first_sweep + SWEEP_EVERY - time.monotonic()))  # Beat's rhythm.
    started = time.monotonic()
    swept = execution_sweep_stuck(use_inspect=True)
    sweep_seconds = time.monotonic() - started  # Its own run time (the inspect calls).
    delay = time.monotonic() - killed_at

    execution = current(execution)
    assert execution.status == ExecutionStatus.FAILED, execution.error_message
    assert [s.execution.pk for s in swept] == [execution.pk]
    assert "no longer active or reserved on any live worker" in execution.error_message
    assert f"worker {name_a} pid {execution.worker_pid} presumed lost" in execution.error_message
    # Production: quiet after 1.5 x 30 s, then at most one 60 s sweep interval, then the sweep.
    bound = 1.5 * PRODUCTION_HEARTBEAT + PRODUCTION_SWEEP_EVERY + sweep_seconds
    print(
        f"\nkill -9 → failed (Redis, STUCK_AFTER 300 s, heartbeat {HEARTBEAT} s, sweep every "
        f"{SWEEP_EVERY:g} s, worker {name_b} answering): {delay:.1f} s, at the second sweep "
        f"after the kill, which ran {sweep_seconds:.1f} s; production (heartbeat "
        f"{PRODUCTION_HEARTBEAT} s, sweep every {PRODUCTION_SWEEP_EVERY:g} s): worst case "
        f"≤ 45 s quiet + 60 s + {sweep_seconds:.1f} s = {bound:.0f} s"
    )
    assert delay < quiet + SWEEP_EVERY + sweep_seconds + 1
    assert sweep_seconds < 2 * sweep.INSPECT_TIMEOUT + 1
    assert bound <= 120
    assert http_server.requests_to("/slow.xml")
