"""The operator console for jobs: actions call the same services as the pages."""

from typing import Any

from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse

from jobs import bulk
from jobs.models import ExecutionEvent, ExecutionStatus, Job, JobExecution, JobNotification
from monitoring.admin_bulk import run_bulk


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "schedule_kind", "enabled", "use_llm", "updated_at")
    # By organization too: a bulk action then reaches only that organization's rows.
    list_filter = ("enabled", "schedule_kind", "use_llm", "organization")
    search_fields = ("name",)
    raw_id_fields = ("organization", "periodic_task")
    filter_horizontal = ("feeds",)
    list_select_related = ("organization", "periodic_task")
    actions = ("pause_jobs", "resume_jobs", "delete_jobs")

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # Django's bulk delete would leave each job's beat entry behind: delete_jobs instead.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Pause the selected jobs", permissions=["change"])
    def pause_jobs(self, request: HttpRequest, queryset: QuerySet[Job]) -> HttpResponse | None:
        return run_bulk(self, request, queryset, bulk.PAUSE_JOBS)

    @admin.action(description="Resume the selected jobs", permissions=["change"])
    def resume_jobs(self, request: HttpRequest, queryset: QuerySet[Job]) -> HttpResponse | None:
        return run_bulk(self, request, queryset, bulk.RESUME_JOBS)

    @admin.action(
        description="Delete the selected jobs with their schedules", permissions=["delete"]
    )
    def delete_jobs(self, request: HttpRequest, queryset: QuerySet[Job]) -> HttpResponse | None:
        return run_bulk(
            self, request, queryset.annotate(runs=Count("executions")), bulk.DELETE_JOBS
        )


class ExecutionEventInline(admin.TabularInline):
    model = ExecutionEvent
    extra = 0
    can_delete = False
    readonly_fields = ("created_at", "level", "message")


@admin.register(JobExecution)
class JobExecutionAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "job",
        "organization",
        "status",
        "trigger",
        "worker_hostname",
        "queued_at",
        "heartbeat_at",
        "completed_at",
        "feeds_done",
        "reports",
        "errors",
    )
    list_filter = ("status", "trigger", "organization")
    list_select_related = ("job", "organization")
    search_fields = ("job__name", "task_id", "worker_hostname")
    raw_id_fields = ("job", "organization", "retry_of")
    date_hierarchy = "queued_at"
    show_full_result_count = False  # Executions pile up: no COUNT(*) on every page.
    inlines = (ExecutionEventInline,)
    actions = ("cancel_runs", "retry_runs", "mark_stuck_failed")

    @admin.action(description="Cancel the selected runs", permissions=["change"])
    def cancel_runs(
        self, request: HttpRequest, queryset: QuerySet[JobExecution]
    ) -> HttpResponse | None:
        return run_bulk(self, request, queryset, bulk.CANCEL_RUNS)

    @admin.action(description="Retry the selected runs", permissions=["change"])
    def retry_runs(
        self, request: HttpRequest, queryset: QuerySet[JobExecution]
    ) -> HttpResponse | None:
        # A retry already on its way is not doubled (one count query, not one per run).
        active = Q(jobexecution__status__in=[ExecutionStatus.QUEUED, ExecutionStatus.RUNNING])
        queryset = queryset.annotate(active_retries=Count("jobexecution", filter=active))
        return run_bulk(self, request, queryset, bulk.RETRY_RUNS)

    @admin.action(description="Mark stuck executions failed", permissions=["change"])
    def mark_stuck_failed(
        self, request: HttpRequest, queryset: QuerySet[JobExecution]
    ) -> HttpResponse | None:
        return run_bulk(self, request, queryset, bulk.mark_stuck_failed())


@admin.register(JobNotification)
class JobNotificationAdmin(admin.ModelAdmin):
    list_display = ("message", "organization", "created_at", "read")
    list_filter = ("read",)
    list_select_related = ("organization",)
    raw_id_fields = ("organization", "execution")
