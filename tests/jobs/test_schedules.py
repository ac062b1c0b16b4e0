import pytest
from django_celery_beat.models import IntervalSchedule, PeriodicTask, PeriodicTasks

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


def test_a_sync_writes_only_what_differs_in_a_handful_of_queries(django_assert_max_num_queries):
    # It runs after every migrate and after every flush in the tests: one query or two per
    # schedule cost ~0.4 s a flush.
    with django_assert_max_num_queries(4):  # savepoint, intervals, tasks, release
        sync_schedules()


def test_a_sync_from_empty_tables_builds_what_a_row_by_row_sync_built():
    expected = {
        schedule.name: (schedule.task, schedule.every_seconds, schedule.description)
        for schedule in SCHEDULES
    }
    PeriodicTask.objects.all().delete()
    IntervalSchedule.objects.all().delete()
    before = PeriodicTasks.last_change()

    synced = sync_schedules()

    rows = PeriodicTask.objects.select_related("interval")
    assert {
        task.name: (task.task, task.interval.every, task.description) for task in rows
    } == expected
    assert all(task.pk for task in synced)
    assert all(task.enabled and task.crontab_id is None for task in rows)
    assert {row.period for row in IntervalSchedule.objects.all()} == {IntervalSchedule.SECONDS}
    # Beat notices new tasks through this row's time.
    assert PeriodicTasks.last_change() is not None
    assert before is None or PeriodicTasks.last_change() > before


def test_a_changed_interval_is_saved_and_beat_is_told():
    task = PeriodicTask.objects.get(name="Refresh due feeds")
    task.interval = IntervalSchedule.objects.create(every=7, period=IntervalSchedule.SECONDS)
    task.save()
    before = PeriodicTasks.last_change()

    sync_schedules()

    task.refresh_from_db()
    assert task.interval.every == 60
    assert PeriodicTasks.last_change() > before
