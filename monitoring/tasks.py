from celery import shared_task
from django.conf import settings

from monitoring.heartbeats import process_heartbeats_purge
from monitoring.services import log_entries_purge


@shared_task(name="monitoring.purge_old_log_entries", ignore_result=True)
def purge_old_log_entries() -> int:
    """Enforces LOG_RETENTION_DAYS on LogEntry (the rotated files keep LOG_FILE_BACKUPS),
    drops the heartbeat rows of processes silent for a week, and operator incidents resolved
    more than ALERT_RETENTION_DAYS ago. Organizations that keep their log lines for less
    (Organization settings) have theirs deleted sooner."""
    from accounts.retention import logs_purge_shorter
    from monitoring.operator_alerts import operator_incidents_purge

    process_heartbeats_purge()
    logs_purge_shorter()
    operator_incidents_purge(older_than_days=settings.ALERT_RETENTION_DAYS)
    return log_entries_purge(older_than_days=settings.LOG_RETENTION_DAYS)


@shared_task(name="monitoring.evaluate_operator_alerts", ignore_result=True, soft_time_limit=50)
def evaluate_operator_alerts() -> int:
    """Beat, every minute, on the maintenance queue (never behind an analysis backlog): the
    operator alert rules, then the sweep of their deliveries due again."""
    from monitoring.operator_alerts import (
        enqueue_deliveries,
        operator_alerts_evaluate,
        operator_deliveries_due,
    )

    made = operator_alerts_evaluate()
    enqueue_deliveries(operator_deliveries_due())
    return len(made)


@shared_task(name="monitoring.send_operator_delivery", acks_late=True, soft_time_limit=60)
def send_operator_delivery(delivery_id: int) -> str | None:
    """One operator email or webhook call; the claim makes a redelivered message a no-op."""
    from monitoring.operator_alerts import operator_delivery_attempt

    delivery = operator_delivery_attempt(delivery_id=delivery_id)
    return delivery.status if delivery else None
