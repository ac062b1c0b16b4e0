from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from import_export import fields
from import_export.admin import ExportMixin, ImportExportModelAdmin
from import_export.widgets import ForeignKeyWidget

from accounts.models import Organization
from feeds.models import Article, ArticleFeed, Feed
from feeds.services.feeds import feed_set_enabled
from feeds.tasks import refresh_feed
from marketing_hunting.spreadsheets import FormulaSafeResource


class FeedResource(FormulaSafeResource):
    # Organizations are named by slug in files, so an export imports into another install.
    organization = fields.Field(
        column_name="organization",
        attribute="organization",
        widget=ForeignKeyWidget(Organization, field="slug"),
    )

    class Meta:
        model = Feed
        fields = (
            "id",
            "organization",
            "name",
            "url",
            "kind",
            "keywords",
            "language",
            "country",
            "enabled",
            "fetch_timeout",
            "max_articles_per_run",
        )
        import_id_fields = ("organization", "url")
        skip_unchanged = True
        report_skipped = True
        # Runs Feed.clean(): a file cannot add a feed the add-feed form would refuse.
        clean_model_instances = True


@admin.register(Feed)
class FeedAdmin(ImportExportModelAdmin):
    resource_classes = [FeedResource]
    list_display = [
        "name",
        "organization",
        "kind",
        "enabled",
        "last_status",
        "consecutive_failures",
        "last_fetched_at",
        "next_fetch_at",
    ]
    list_filter = ["enabled", "last_status", "kind", "organization"]
    list_select_related = ["organization"]
    search_fields = ["name", "url"]
    autocomplete_fields = ["organization"]
    readonly_fields = [
        "etag",
        "last_modified",
        "last_fetched_at",
        "last_status",
        "last_http_status",
        "last_error",
        "last_warning",
        "consecutive_failures",
        "ttl_minutes",
        "created_at",
        "updated_at",
    ]
    actions = ["refresh_now", "disable", "enable"]

    @admin.action(description="Refresh selected feeds now")
    def refresh_now(self, request: HttpRequest, queryset: QuerySet[Feed]) -> None:
        ids = list(queryset.values_list("id", flat=True))
        for feed_id in ids:
            refresh_feed.delay(feed_id)
        self.message_user(request, f"Queued a refresh of {len(ids)} feeds.", messages.SUCCESS)

    @admin.action(description="Disable selected feeds")
    def disable(self, request: HttpRequest, queryset: QuerySet[Feed]) -> None:
        for feed in queryset:
            feed_set_enabled(feed=feed, enabled=False)
        self.message_user(request, "Feeds disabled.", messages.SUCCESS)

    @admin.action(description="Enable selected feeds")
    def enable(self, request: HttpRequest, queryset: QuerySet[Feed]) -> None:
        for feed in queryset:
            feed_set_enabled(feed=feed, enabled=True)
        self.message_user(request, "Feeds enabled.", messages.SUCCESS)


class ArticleResource(FormulaSafeResource):
    class Meta:
        model = Article
        fields = (
            "id",
            "organization__slug",
            "canonical_url",
            "title",
            "author",
            "published_at",
            "language",
            "word_count",
            "status",
            "status_reason",
            "duplicate_of",
        )


class ArticleFeedInline(admin.TabularInline):
    model = ArticleFeed
    extra = 0
    raw_id_fields = ["feed"]
    readonly_fields = ["first_seen_at"]


@admin.register(Article)
class ArticleAdmin(ExportMixin, admin.ModelAdmin):
    resource_classes = [ArticleResource]
    list_display = ["title", "organization", "status", "language", "word_count", "published_at"]
    list_filter = ["status", "language", "organization"]
    list_select_related = ["organization"]
    search_fields = ["title", "canonical_url"]
    date_hierarchy = "published_at"
    raw_id_fields = ["duplicate_of", "organization"]
    readonly_fields = ["url_hash", "content_hash", "simhash", "fetched_at", "created_at"]
    inlines = [ArticleFeedInline]
    # Counting every article on each page load is slow on a big table.
    show_full_result_count = False
