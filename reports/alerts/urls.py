"""Alert pages: a namespace of their own, so the bell highlights them."""

from django.urls import path

from reports.alerts import views

app_name = "alerts"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("read/", views.notifications_read, name="read"),
    path("mute/", views.mute_all, name="mute_all"),
    path("<int:pk>/", views.alert_detail, name="detail"),
    path("rules/", views.rule_list, name="rules"),
    path("rules/new/", views.rule_create, name="rule_create"),
    path("rules/<int:pk>/edit/", views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
    path("rules/<int:pk>/secret/", views.rule_new_secret, name="rule_secret"),
    path("rules/<int:pk>/mute/", views.rule_mute, name="rule_mute"),
]
