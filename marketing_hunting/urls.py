from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import views as account_views
from accounts.password_reset import PasswordResetView
from monitoring.admin_views import database_statistics_view, system_health_view
from reports.shares.views import share_page
from usage.admin_views import operator_usage_view

admin.site.site_header = "Marketing Hunting operations"
admin.site.site_title = "Marketing Hunting admin"

urlpatterns = [
    path("", account_views.dashboard, name="dashboard"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    # Before Django's own: this one mails after the response (timing reveals no account).
    path("password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("", include("django.contrib.auth.urls")),
    path("organization/", include("accounts.urls")),
    path("feeds/", include("feeds.urls")),
    path("jobs/", include("jobs.urls")),
    path("reports/", include("reports.urls")),
    path("brands/", include("reports.brand_urls")),
    path("alerts/", include("reports.alerts.urls")),
    path("digests/", include("reports.digests.urls")),
    path("analytics/", include("reports.analytics_urls")),
    path("shares/", include("reports.shares.urls")),
    # A share link: read-only, no login (reports/shares).
    path("s/<str:token>/", share_page, name="share_page"),
    path("contacts/", include("contacts.urls")),
    path("usage/", include("usage.urls")),
    path("api/", include("api.urls")),
    path("", include("monitoring.urls")),
    # Staff only: admin_view sends anyone else to the admin login.
    path(
        "admin/system-health/",
        admin.site.admin_view(system_health_view),
        name="system-health",
    ),
    path(
        "admin/database-statistics/",
        admin.site.admin_view(database_statistics_view),
        name="database-statistics",
    ),
    path(
        "admin/usage/",
        admin.site.admin_view(operator_usage_view),
        name="operator-usage",
    ),
    path("admin/", admin.site.urls),
]
