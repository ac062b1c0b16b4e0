from django.contrib import admin

from feeds.models import Feed


@admin.register(Feed)
class FeedAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "url", "enabled", "created_at"]
    list_filter = ["enabled", "organization"]
    list_select_related = ["organization"]
    search_fields = ["name", "url"]
    autocomplete_fields = ["organization"]
