from django.urls import include, path

from monitoring import views

# The Logs pages get the "monitoring" namespace; /healthz and /readyz keep plain names.
log_patterns = (
    [
        path("", views.log_list, name="logs"),
        path("status/", views.service_status, name="status"),
    ],
    "monitoring",
)

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
    path("logs/", include(log_patterns)),
]
