from django.urls import path

from feeds import views

app_name = "feeds"

urlpatterns = [
    path("", views.feed_list, name="list"),
    path("add/", views.feed_create, name="create"),
    path("import/", views.feed_import, name="import"),
    path("export.opml", views.feed_export, name="export"),
    path("<int:pk>/edit/", views.feed_edit, name="edit"),
    path("<int:pk>/delete/", views.feed_delete, name="delete"),
    path("<int:pk>/toggle/", views.feed_toggle, name="toggle"),
    path("<int:pk>/refresh/", views.feed_refresh_now, name="refresh"),
    path("articles/", views.article_list, name="articles"),
    path("articles/<int:pk>/", views.article_detail, name="article_detail"),
]
