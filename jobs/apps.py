from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_schedules(**_kwargs: Any) -> None:
    from jobs.schedules import sync_schedules

    sync_schedules()


class JobsConfig(AppConfig):
    name = "jobs"

    def ready(self) -> None:
        # After every migrate, so a fresh install and every deploy carry the schedules.
        post_migrate.connect(_sync_schedules, sender=self, dispatch_uid="jobs.sync_schedules")
