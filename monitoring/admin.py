from django.contrib import admin
from django.http import HttpRequest

from monitoring import admin_alerts  # noqa: F401  registers the operator alerts' admin
from monitoring.models import LogEntry


@admin.register(LogEntry)
class LogEntryAdmin(admin.ModelAdmin):
    list_display = [
        "time",
        "level",
        "role",
        "logger",
        "short_message",
        "organization",
        "execution_id",
        "host",
        "pid",
    ]
    list_filter = ["level", "role", "time", "organization"]
    list_select_related = ["organization"]
    search_fields = ["message", "logger", "=task_id"]
    # Counting a large log table on every filter is the slow part of a changelist.
    show_full_result_count = False
    list_per_page = 100
    ordering = ["-time", "-id"]
    readonly_fields = [field.name for field in LogEntry._meta.fields]

    @admin.display(description="message")
    def short_message(self, entry: LogEntry) -> str:
        return entry.message if len(entry.message) <= 160 else entry.message[:159] + "…"

    # Log lines are evidence: operators read and delete them, nobody edits or invents one.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
