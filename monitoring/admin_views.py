"""The System health page of the operator console (``/admin/system-health/``)."""

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache

from monitoring.system_health import system_health

REFRESH_SECONDS = 10


# The site's login middleware steps aside: admin_view (urls.py) sends anyone not staff to the
# admin's own login, as for every other admin page.
@login_not_required
@never_cache
def system_health_view(request: HttpRequest) -> HttpResponse:
    """Every part of the installation, green/amber/red with the reason; htmx refreshes the
    panel every REFRESH_SECONDS (the partial alone), and a plain reload does the same."""
    context = {
        **admin.site.each_context(request),
        "title": "System health",
        "health": system_health(),
        "refresh_seconds": REFRESH_SECONDS,
    }
    template = "admin/system_health.html"
    if getattr(request, "htmx", False):
        template += "#health-panel"
    return TemplateResponse(request, template, context)


@login_not_required
@never_cache
def database_statistics_view(request: HttpRequest) -> HttpResponse:
    """Table sizes, index use, the slowest statements and vacuum advice; each part under a
    time limit, so a slow database makes its box red instead of hanging the page."""
    from monitoring.db_stats import database_statistics

    context = {
        **admin.site.each_context(request),
        "title": "Database statistics",
        "stats": database_statistics(),
    }
    return TemplateResponse(request, "admin/database_statistics.html", context)
