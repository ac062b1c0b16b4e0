"""Share-link pages for members: a namespace of their own. The public page is in the root
URLconf (``/s/<token>/``), short enough to paste."""

from django.urls import path

from reports.shares import views

app_name = "shares"

urlpatterns = [
    path("", views.share_list, name="list"),
    path("new/analytics/", views.share_analytics, name="analytics"),
    path("new/digest/<int:pk>/", views.share_digest, name="digest"),
    path("<int:pk>/revoke/", views.share_revoke, name="revoke"),
]
