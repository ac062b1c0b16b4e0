"""The operator console for jobs: actions call the same services as the pages."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from jobs.models import ExecutionEvent, Job, JobExecution, JobNotification
from jobs.services import jobs as job_services
from jobs.services.sweep import execution_fail_swept, execution_sweep_stuck


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "schedule_kind", "enabled", "use_llm", "updated_at")
    list_filter = ("enabled", "schedule_kind", "use_llm")
    list_select_related = ("organization",)
    search_fields = ("name",)
    raw_id_fields = ("organization", "periodic_task")
    filter_horizontal = ("feeds",)
    actions = ("pause_jobs", "resume_jobs", "delete_jobs")

    @admin.action(description="Pause the selected jobs")
    def pause_jobs(self, request: HttpRequest, queryset: QuerySet[Job]) -> None:
        for job in queryset:
            job_services.job_pause(job=job)
        self.message_user(request, f"{len(queryset)} jobs paused.")

    @admin.action(description="Resume the selected jobs")
    def resume_jobs(self, request: HttpRequest, queryset: QuerySet[Job]) -> None:
        for job in queryset:
            job_services.job_resume(job=job)
        self.message_user(request, f"{len(queryset)} jobs resumed.")

    @admin.action(description="Delete the selected jobs with their schedules")
    def delete_jobs(self, request: HttpRequest, queryset: QuerySet[Job]) -> None:
        # Through the service, so no beat entry outlives its job.
        count = 0
        for job in queryset:
            job_services.job_delete(job=job)
            count += 1
        self.message_user(request, f"{count} jobs deleted.")


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
    list_filter = ("status", "trigger")
    list_select_related = ("job", "organization")
    search_fields = ("job__name", "task_id", "worker_hostname")
    raw_id_fields = ("job", "organization", "retry_of")
    date_hierarchy = "queued_at"
    show_full_result_count = False  # Executions pile up: no COUNT(*) on every page.
    inlines = (ExecutionEventInline,)
    actions = ("mark_stuck_failed",)

    @admin.action(description="Mark stuck executions failed")
    def mark_stuck_failed(self, request: HttpRequest, queryset: QuerySet[JobExecution]) -> None:
        # The sweep decides what is stuck (the same service as the command and the endpoint);
        # the selection only narrows it to what the operator chose.
        selected = set(queryset.values_list("pk", flat=True))
        candidates = [s for s in execution_sweep_stuck(dry_run=True) if s.execution.pk in selected]
        failed = execution_fail_swept(candidates)
        level = messages.SUCCESS if failed else messages.WARNING
        self.message_user(request, f"{len(failed)} stuck executions marked failed.", level)


@admin.register(JobNotification)
class JobNotificationAdmin(admin.ModelAdmin):
    list_display = ("message", "organization", "created_at", "read")
    list_filter = ("read",)
    list_select_related = ("organization",)
    raw_id_fields = ("organization", "execution")
