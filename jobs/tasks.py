"""Celery tasks for jobs: thin adapters that take ids and call one service."""

import logging
import os
import socket

from celery import shared_task

from jobs.models import ACTIVE_STATUSES, Job, JobExecution, Trigger
from jobs.services.executions import execution_enqueue
from jobs.services.run import execution_run
from jobs.services.sweep import execution_sweep_stuck

logger = logging.getLogger(__name__)


# acks_late: a run lost with its worker is delivered again; the claim makes that a no-op and
# the sweep fails the row, so a lost run is visible instead of silently dropped.
# track_started=False: the run records its own start (the claim); Celery's "started" row is a
# database write *before* the task body, which a database outage turned into a lost run.
@shared_task(name="jobs.run_execution", bind=True, acks_late=True, track_started=False)
def run_job_execution(self, execution_id: int) -> str | None:
    # (hard, soft) as sent with the message: the run must return before the hard one,
    # and checks the soft one itself between units (the signal can be swallowed).
    hard, soft = self.request.timelimit or (None, None)
    return execution_run(
        execution_id=execution_id,
        task_id=self.request.id or "",
        hostname=self.request.hostname or f"celery@{socket.gethostname()}",
        pid=os.getpid(),
        time_limit=hard,
        soft_time_limit=soft,
    )


@shared_task(name="jobs.run_scheduled_job")
def run_scheduled_job(job_id: int) -> int | None:
    """Fired by beat; skipped while the job is paused or its previous run is still going."""
    job = Job.objects.filter(pk=job_id, enabled=True).first()
    if job is None:
        return None
    if JobExecution.objects.filter(job=job, status__in=ACTIVE_STATUSES).exists():
        logger.info("Job %s still has a run in progress; this tick is skipped", job_id)
        return None
    return execution_enqueue(job=job, trigger=Trigger.SCHEDULED).pk


@shared_task(name="jobs.sweep_stuck_executions")
def sweep_stuck_executions() -> int:
    return len(execution_sweep_stuck())
