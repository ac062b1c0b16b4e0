"""Celery tasks for accounts: thin adapters around the services (quota warnings; the portal's
deletion export, erasure and retention)."""

from celery import shared_task

from accounts.quota_warnings import quota_warnings_sweep


@shared_task(name="accounts.check_quota_warnings", soft_time_limit=10 * 60)
def check_quota_warnings() -> int:
    # Safe to run twice: a warning's row is unique per threshold and period.
    return quota_warnings_sweep()


@shared_task(name="accounts.build_deletion_export", ignore_result=True, soft_time_limit=3600)
def build_deletion_export(deletion_id: int) -> None:
    """The ZIP of everything of an organization being deleted (safe to run twice)."""
    from accounts.deletion import deletion_export_build

    deletion_export_build(deletion_id=deletion_id)


@shared_task(name="accounts.erase_due_organizations", ignore_result=True, soft_time_limit=3600)
def erase_due_organizations() -> list[int]:
    """Beat, hourly: erases the organizations whose deletion grace period is over, and queues
    again the exports whose task was lost."""
    from accounts.deletion import erase_due, exports_missing

    for deletion_id in exports_missing():
        build_deletion_export.delay(deletion_id)
    return erase_due()


@shared_task(name="accounts.apply_retention", ignore_result=True, soft_time_limit=3600)
def apply_retention() -> int:
    """Beat, hourly: deletes articles (with their reports and mentions) past each
    organization's retention, never those a draft or a review points to."""
    from accounts.retention import retention_apply

    return sum(retention_apply().values())
