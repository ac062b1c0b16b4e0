from datetime import timedelta

import pytest
from django.utils import timezone

from jobs.schedules import SCHEDULES
from monitoring.models import LogEntry
from monitoring.services import log_entries_purge
from monitoring.tasks import purge_old_log_entries

pytestmark = pytest.mark.django_db


def make(days_ago: float, n: int) -> LogEntry:
    return LogEntry.objects.create(
        time=timezone.now() - timedelta(days=days_ago),
        level=20,
        logger="x",
        message=f"{days_ago} days old",
        role="web",
        host="h",
        pid=1,
        stream_id=f"r-{n}",
    )


def test_entries_older_than_the_retention_are_deleted_and_younger_ones_kept(settings):
    settings.LOG_RETENTION_DAYS = 14
    make(20, 1)
    make(14.1, 2)
    kept = make(13.9, 3)

    assert purge_old_log_entries.apply().get() == 2

    assert list(LogEntry.objects.all()) == [kept]


def test_purging_works_in_chunks(monkeypatch):
    monkeypatch.setattr("monitoring.services.PURGE_CHUNK", 2)
    for n in range(5):
        make(30, n)

    assert log_entries_purge(older_than_days=14) == 5
    assert not LogEntry.objects.exists()


def test_the_purge_is_a_periodic_task_declared_in_code():
    schedule = next(s for s in SCHEDULES if s.task == "monitoring.purge_old_log_entries")

    assert schedule.every_seconds <= 24 * 3600


def test_the_purge_also_drops_heartbeats_of_processes_silent_for_a_week():
    from monitoring.models import ProcessHeartbeat, Role

    now = timezone.now()
    for name, days in (("celery@old-container", 8), ("celery@current", 0)):
        ProcessHeartbeat.objects.create(
            role=Role.WORKER,
            name=name,
            host="h",
            pid=1,
            started_at=now - timedelta(days=days),
            seen_at=now - timedelta(days=days),
        )

    purge_old_log_entries.apply().get()

    assert list(ProcessHeartbeat.objects.values_list("name", flat=True)) == ["celery@current"]
