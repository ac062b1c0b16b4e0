"""The Analytics page: a namespace of its own, so the navigation highlights "Analytics"."""

from django.urls import path

from reports.views.analytics import analytics_page

app_name = "analytics"

urlpatterns = [path("", analytics_page, name="page")]
