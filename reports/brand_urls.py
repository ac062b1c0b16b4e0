"""Brand pages: a namespace of their own, so the navigation highlights "Brands"."""

from django.urls import path

from reports.views import brands

app_name = "brands"

urlpatterns = [
    path("", brands.brand_list, name="list"),
    path("<int:pk>/", brands.brand_detail, name="detail"),
    path("<int:pk>/edit/", brands.brand_edit, name="edit"),
    path("<int:pk>/merge/", brands.brand_merge, name="merge"),
    path("<int:pk>/separate/", brands.brand_separate, name="separate"),
    path("<int:pk>/aliases/", brands.alias_add, name="alias_add"),
    path("<int:pk>/aliases/<int:alias_pk>/remove/", brands.alias_remove, name="alias_remove"),
]
