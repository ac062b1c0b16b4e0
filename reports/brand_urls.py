"""Brand pages: a namespace of their own, so the navigation highlights "Brands"."""

from django.urls import path

from reports.views import brands, industries, watchlists

app_name = "brands"

urlpatterns = [
    path("", brands.brand_list, name="list"),
    path("add/", watchlists.brand_add, name="add"),
    path("import/", watchlists.brand_import, name="import"),
    path("review/", watchlists.brand_review, name="review"),
    path("groups/", watchlists.group_list, name="groups"),
    path("industries/", industries.industry_list, name="industries"),
    path("industries/add/", industries.industry_add, name="industry_add"),
    path("industries/<int:pk>/edit/", industries.industry_edit, name="industry_edit"),
    path("industries/<int:pk>/remove/", industries.industry_remove, name="industry_remove"),
    path("groups/<int:pk>/edit/", watchlists.group_edit, name="group_edit"),
    path("groups/<int:pk>/delete/", watchlists.group_delete, name="group_delete"),
    path("<int:pk>/track/", watchlists.brand_track, name="track"),
    path("<int:pk>/ignore/", watchlists.brand_ignore, name="ignore"),
    path("<int:pk>/", brands.brand_detail, name="detail"),
    path("<int:pk>/edit/", brands.brand_edit, name="edit"),
    path("<int:pk>/merge/", brands.brand_merge, name="merge"),
    path("<int:pk>/separate/", brands.brand_separate, name="separate"),
    path("<int:pk>/aliases/", brands.alias_add, name="alias_add"),
    path("<int:pk>/aliases/<int:alias_pk>/remove/", brands.alias_remove, name="alias_remove"),
]
