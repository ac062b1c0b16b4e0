"""With no worker alive, beat itself fails a lost run.

The scheduled sweep is a task, so it needs a worker: with the only worker killed, a run stayed
"running" for 10 minutes while sweep tasks piled up in the queue. This starts the real beat
process (as the Procfile does) with no worker at all, on the test database, and waits for it to
fail a run whose worker stopped sending heartbeats.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from jobs.models import ExecutionStatus, JobExecution
from jobs.services.executions import execution_claim, execution_enqueue
from tests.feeds.builders import make_feed
from tests.harness.web_process import current_database_url
from tests.jobs.builders import make_job

ROOT = Path(__file__).resolve().parents[2]
CEILING_SECONDS = 90.0  # Beat's start, one watchdog round, a loaded machine.


@pytest.fixture
def lost_run(transactional_db, org_a) -> JobExecution:
    make_feed(org_a, "https://news.example/feed.xml")
    execution = execution_enqueue(job=make_job(org_a))
    execution_claim(execution_id=execution.pk, task_id="t1", hostname="celery@gone", pid=42)
    ten_minutes_ago = timezone.now() - timedelta(minutes=10)
    JobExecution.objects.filter(pk=execution.pk).update(
        started_at=ten_minutes_ago, heartbeat_at=ten_minutes_ago
    )
    return execution


def test_beat_fails_a_lost_run_when_no_worker_is_alive(lost_run, tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k != "REDIS_URL"},
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": current_database_url(),
        # Its own broker folder: the tasks beat sends must not reach other tests' workers.
        "VAR_DIR": str(tmp_path / "var"),
        "JOB_WATCHDOG_SECONDS": "1",
        "LOG_SHIPPING": "false",
    }
    command = [sys.executable, "-m", "celery", "-A", "marketing_hunting", "beat"]
    command += ["--scheduler", "django_celery_beat.schedulers:DatabaseScheduler"]
    command += ["--schedule", str(tmp_path / "beat-schedule"), "--loglevel", "WARNING"]
    beat = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + CEILING_SECONDS
        while JobExecution.objects.get(pk=lost_run.pk).status == ExecutionStatus.RUNNING:
            assert beat.poll() is None, "beat exited"
            assert time.monotonic() < deadline, "beat did not fail the lost run"
            time.sleep(0.5)
    finally:
        beat.terminate()
        beat.wait(timeout=30)

    lost_run.refresh_from_db()
    assert lost_run.status == ExecutionStatus.FAILED
    assert "presumed lost" in lost_run.error_message
