"""Digest pages: a namespace of their own."""

from django.urls import path

from reports.digests import views

app_name = "digests"

urlpatterns = [
    path("", views.digest_list, name="list"),
    path("templates/new/", views.template_create, name="template_create"),
    path("templates/preview/", views.template_preview, name="template_preview"),
    path("templates/<int:pk>/edit/", views.template_edit, name="template_edit"),
    path("templates/<int:pk>/delete/", views.template_delete, name="template_delete"),
    path("templates/<int:pk>/pdf/", views.template_pdf, name="template_pdf"),
    path("new/", views.subscription_create, name="subscription_create"),
    path("<int:pk>/edit/", views.subscription_edit, name="subscription_edit"),
    path("<int:pk>/delete/", views.subscription_delete, name="subscription_delete"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
