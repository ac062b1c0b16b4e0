"""Signal handlers: beat entries never outlive their job; workers clean up after themselves."""

import logging
from typing import Any

from celery.signals import worker_ready, worker_shutting_down
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django_celery_beat.models import PeriodicTask

from jobs.models import Job

logger = logging.getLogger(__name__)


@receiver(post_delete, sender=Job, dispatch_uid="jobs.delete_periodic_task")
def _delete_periodic_task(instance: Job, **_kwargs: Any) -> None:
    # Also when the job goes with its organization (cascade), which bypasses job_delete.
    PeriodicTask.objects.filter(name=f"job:{instance.pk}").delete()


def _interrupt(hostname: str, why: str) -> None:
    from jobs.services.sweep import executions_interrupt_for_worker

    try:
        failed = executions_interrupt_for_worker(hostname=hostname, why=why)
    except Exception:  # Never stop a worker from starting or stopping over this.
        logger.exception("Could not mark the executions of %s as interrupted", hostname)
        return
    if failed:
        logger.warning("Marked %d executions of %s as interrupted", len(failed), hostname)


@worker_ready.connect(dispatch_uid="jobs.worker_ready")
def _on_worker_ready(sender: Any = None, **_kwargs: Any) -> None:
    # A "running" row with our name at start-up belonged to our previous life (crash, kill -9).
    hostname = getattr(sender, "hostname", None)
    if hostname:
        _interrupt(hostname, "restarted")


@worker_shutting_down.connect(dispatch_uid="jobs.worker_shutting_down")
def _on_worker_shutting_down(sender: Any = None, **_kwargs: Any) -> None:
    # The sender is the hostname. The runs stop at their next heartbeat instead of being cut.
    if sender:
        _interrupt(str(sender), "was shut down")
