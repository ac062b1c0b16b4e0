from django.urls import path

from reports.views import mentions, reports

app_name = "reports"

urlpatterns = [
    path("", reports.report_list, name="list"),
    path("<int:pk>/", reports.report_detail, name="detail"),
    path("mentions/<int:pk>/confirm/", mentions.mention_confirm, name="mention_confirm"),
    path("mentions/<int:pk>/reject/", mentions.mention_reject, name="mention_reject"),
    path("mentions/<int:pk>/reassign/", mentions.mention_reassign, name="mention_reassign"),
    # Brand.get_absolute_url reverses this name; it forwards to the brands namespace.
]
