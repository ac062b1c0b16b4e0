"""Celery tasks for accounts: thin adapters around the services."""

from celery import shared_task

from accounts.quota_warnings import quota_warnings_sweep


@shared_task(name="accounts.check_quota_warnings", soft_time_limit=10 * 60)
def check_quota_warnings() -> int:
    # Safe to run twice: a warning's row is unique per threshold and period.
    return quota_warnings_sweep()
