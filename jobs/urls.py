from django.urls import path

from jobs import streams, views

app_name = "jobs"

urlpatterns = [
    path("", views.job_list, name="list"),
    path("stream/", streams.jobs_stream, name="list_stream"),
    path("add/", views.job_create, name="create"),
    path("schedule-preview/", views.job_schedule_preview, name="schedule_preview"),
    path("bulk/", views.job_bulk, name="bulk"),
    path("cleanup-stuck/", views.cleanup_stuck, name="cleanup_stuck"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("<int:pk>/", views.job_detail, name="detail"),
    path("<int:pk>/edit/", views.job_edit, name="edit"),
    path("<int:pk>/delete/", views.job_delete, name="delete"),
    path("<int:pk>/run/", views.job_run_now, name="run"),
    path("<int:pk>/toggle/", views.job_toggle, name="toggle"),
    path("executions/<int:pk>/", views.execution_detail, name="execution"),
    path("executions/<int:pk>/stream/", streams.execution_stream, name="execution_stream"),
    path("executions/<int:pk>/cancel/", views.execution_cancel_view, name="cancel"),
    path("executions/<int:pk>/retry/", views.execution_retry_view, name="retry"),
]
