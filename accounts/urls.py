from django.urls import path

from accounts import config_views, portal_views, views

app_name = "accounts"

urlpatterns = [
    path("switch/", views.organization_switch, name="switch"),
    path("getting-started/hide/", views.getting_started_hide, name="getting_started_hide"),
    path("settings/", views.organization_settings, name="settings"),
    path("settings/edit/", views.organization_edit, name="edit"),
    path("settings/llm/", config_views.llm_connection_edit, name="llm_edit"),
    path("settings/llm/test/", config_views.llm_connection_test, name="llm_test"),
    path("settings/logo/", config_views.logo_edit, name="logo_edit"),
    path("settings/logo/remove/", config_views.logo_remove, name="logo_remove"),
    path("logo.png", config_views.logo_image, name="logo"),
    path("settings/members/invite/", views.member_invite, name="member_invite"),
    path("settings/members/<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("settings/members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path(
        "settings/invitations/<int:pk>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("settings/api-keys/new/", views.api_key_create, name="api_key_create"),
    path("settings/api-keys/<int:pk>/revoke/", views.api_key_revoke, name="api_key_revoke"),
    path("settings/audit/", portal_views.audit_log, name="audit_log"),
    path("settings/audit.csv", portal_views.audit_log_csv, name="audit_log_csv"),
    path("settings/delete/", portal_views.deletion_request, name="deletion_request"),
    path("settings/delete/<int:pk>/cancel/", portal_views.deletion_cancel, name="deletion_cancel"),
    path(
        "settings/delete/<int:pk>/export/",
        portal_views.deletion_export_download,
        name="deletion_export",
    ),
    path(
        "settings/delete/<int:pk>/export/again/",
        portal_views.deletion_export_again,
        name="deletion_export_again",
    ),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
