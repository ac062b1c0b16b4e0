from celery import shared_task
from django.conf import settings

from monitoring.heartbeats import process_heartbeats_purge
from monitoring.services import log_entries_purge


@shared_task(name="monitoring.purge_old_log_entries", ignore_result=True)
def purge_old_log_entries() -> int:
    """Enforces LOG_RETENTION_DAYS on LogEntry (the rotated files keep LOG_FILE_BACKUPS), and
    drops the heartbeat rows of processes silent for a week."""
    process_heartbeats_purge()
    return log_entries_purge(older_than_days=settings.LOG_RETENTION_DAYS)
