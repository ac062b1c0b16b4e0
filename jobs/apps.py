"""Jobs: schedules, executions, heartbeats, stuck-job sweeps and live progress."""

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
        from jobs import signals  # noqa: F401  (connects the handlers)

        self._register_pages()

    def _register_pages(self) -> None:
        from accounts.registry import Figure, NavItem, register_figures, register_nav_item

        register_nav_item(NavItem("Jobs", "jobs:list", order=20, section="jobs"))

        def job_figures(organization: Any) -> list[Figure]:
            from datetime import timedelta

            from django.db.models import Count, Q
            from django.urls import reverse
            from django.utils import timezone

            from jobs.models import ExecutionStatus, JobExecution

            since = timezone.now() - timedelta(hours=24)
            counts = JobExecution.objects.filter(organization=organization).aggregate(
                running=Count("id", filter=Q(status=ExecutionStatus.RUNNING)),
                failed=Count(
                    "id", filter=Q(status=ExecutionStatus.FAILED, completed_at__gte=since)
                ),
            )
            url = reverse("jobs:list")
            return [
                Figure("Running executions", counts["running"], url=url),
                Figure("Failed runs (24 h)", counts["failed"], url=url),
            ]

        register_figures(job_figures, order=20)
