import pytest
from django_celery_beat.models import PeriodicTask

from jobs.schedules import SCHEDULES, sync_schedules

pytestmark = pytest.mark.django_db


def test_migrate_registers_every_schedule_declared_in_code():
    names = set(PeriodicTask.objects.values_list("name", flat=True))

    assert {schedule.name for schedule in SCHEDULES} <= names
    task = PeriodicTask.objects.get(name="Refresh due feeds")
    assert (task.task, task.interval.every, task.enabled) == ("feeds.refresh_due_feeds", 60, True)


def test_syncing_keeps_an_operators_pause_and_restores_the_declared_task():
    task = PeriodicTask.objects.get(name="Refresh due feeds")
    task.enabled = False
    task.task = "something.else"
    task.save()

    sync_schedules()

    task.refresh_from_db()
    assert task.enabled is False
    assert task.task == "feeds.refresh_due_feeds"
    assert PeriodicTask.objects.filter(name="Refresh due feeds").count() == 1
