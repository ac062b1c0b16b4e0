"""Redis (the broker) killed and restarted under a running job, with a real prefork worker.

Issue #18 item 2: kombu once ended the worker with ``Unrecoverable error: AttributeError
('NoneType' object has no attribute 'hostname')`` when Redis died during a job (3 of 3 times),
and honcho then took the whole site down. Here the worker gets a redis-server of the test's
own (never the shared one); the run is fetching slow pages when that server is killed, and it
comes back empty on the same port once the worker has failed to reconnect, as a restarted
Redis without persistence does. The worker must still be alive afterwards and the run must end
succeeded.

The database is the test database (the worker subprocess shares it, as in ``test_worker``);
only the broker and the cache live in the test's own Redis.
"""

from __future__ import annotations

import os
import signal
import uuid
from pathlib import Path

import redis
from kombu import Connection

from jobs.models import ExecutionStatus, JobExecution
from jobs.services.executions import time_limits
from jobs.tasks import run_job_execution
from reports.models import Report
from tests.harness.redis_process import RedisProcess
from tests.harness.waiting import ceiling, wait_for
from tests.jobs.builders import make_job, make_served_feed
from tests.jobs.test_worker import assert_no_duplicates, current, start_worker_process

STORIES = 8
PAGE_DELAY = 1.5  # Two pages at a time per host: ~6 s of page fetching in all.
BINDING_KEY = "_kombu.binding.celery"  # Written when the worker declares its queue.


def _send(execution: JobExecution, broker: RedisProcess) -> None:
    """Send the run's task to the test's own Redis (this process's broker is another)."""
    soft, hard = time_limits(execution.job, execution.feeds_total)
    with Connection(broker.url) as connection:
        run_job_execution.apply_async(
            kwargs={"execution_id": execution.pk},
            task_id=execution.task_id,
            soft_time_limit=soft,
            time_limit=hard,
            connection=connection,
        )


def test_a_redis_restart_under_a_running_job_leaves_the_worker_alive_and_the_run_succeeded(
    transactional_db, http_server, org_a, redis_process, tmp_path: Path
):
    make_served_feed(org_a, http_server, "slow", stories=STORIES, page_delay=PAGE_DELAY)
    job = make_job(org_a)
    console = tmp_path / "worker.log"
    worker = start_worker_process(
        f"outage-{uuid.uuid4().hex[:8]}@broker.test",
        env={"REDIS_URL": redis_process.url, "LOG_LEVEL": "INFO"},
        output=console,
    )
    try:
        client = redis.Redis(port=redis_process.port, socket_timeout=5)
        assert wait_for(lambda: client.exists(BINDING_KEY), timeout=60), console.read_text()
        execution = JobExecution.objects.create(
            organization=org_a, job=job, task_id=str(uuid.uuid4()), feeds_total=1
        )
        _send(execution, redis_process)
        # In the middle of the slow pages: the feed is read and the first pages are out.
        assert wait_for(lambda: http_server.requests_to("/slow/story-0"), timeout=60)
        assert current(execution).status == ExecutionStatus.RUNNING

        redis_process.stop()  # kill -9: connections reset, the queue and unacked set lost.

        # Back only once the worker has met the outage: failed to reconnect at least once (or
        # crashed, as it did on kombu 5.7.0 unpatched).
        def met() -> bool:
            log = console.read_text(errors="replace")
            return "Cannot connect to" in log or "Unrecoverable error" in log

        assert wait_for(met, timeout=60), console.read_text()[-3000:]
        assert "Unrecoverable error" not in console.read_text(), console.read_text()[-3000:]
        redis_process.start()  # Same port, empty.

        finished = wait_for(lambda: current(execution).is_finished, timeout=90)
        log = console.read_text(errors="replace")
        assert finished, (execution.status, log[-3000:])
        assert execution.status == ExecutionStatus.SUCCEEDED, (execution.error_message, log)
        assert worker.poll() is None, f"the worker exited ({worker.returncode}):\n{log[-3000:]}"
        assert "Unrecoverable error" not in log, log[-3000:]
        assert Report.objects.filter(organization=org_a).count() == STORIES
        assert_no_duplicates(org_a)
        # Still a working worker: it reconnected and takes the next run from the new Redis.
        second = JobExecution.objects.create(
            organization=org_a, job=job, task_id=str(uuid.uuid4()), feeds_total=1
        )
        assert wait_for(lambda: client.exists(BINDING_KEY), timeout=60), log[-3000:]
        _send(second, redis_process)
        assert wait_for(lambda: current(second).is_finished, timeout=60), second.status
        assert second.status == ExecutionStatus.SUCCEEDED, second.error_message
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=ceiling(30))
