from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from accounts.models import UsageDaily
from marketing_hunting.admin_readonly import ReadOnlyAdmin
from monitoring.admin_bulk import run_bulk
from reports import bulk as report_bulk
from reports.alerts import admin as alerts_admin  # noqa: F401  (registers the alert admins)
from reports.digests import admin as digests_admin  # noqa: F401  (registers the digest admins)
from reports.exports.admin import (
    BrandExportAdminMixin,
    MentionExportAdminMixin,
    ReportExportAdminMixin,
)
from reports.models import (
    BlockedTerm,
    Brand,
    BrandAlias,
    BrandGroup,
    BrandSeparation,
    Export,
    ExtractionCache,
    FeedbackEvent,
    Industry,
    KeywordRule,
    KnowledgeBaseVersion,
    KnowledgeBrand,
    KnowledgeName,
    LLMBatch,
    LLMBatchItem,
    Mention,
    Report,
)
from reports.shares import admin as shares_admin  # noqa: F401  (registers the share-link admin)


@admin.register(Report)
class ReportAdmin(ReportExportAdminMixin, admin.ModelAdmin):
    list_display = [
        "article",
        "organization",
        "extractor",
        "status",
        "sentiment_label",
        "tokens_in",
        "tokens_out",
        "cost_estimate",
        "cached",
        "llm_pending",
        "mode",
        "analysed_at",
    ]
    list_filter = [
        "status",
        "extractor",
        "cached",
        "llm_pending",
        "mode",
        "sentiment_label",
        "organization",
    ]
    list_select_related = ["article", "organization"]
    search_fields = ["article__title", "topic", "summary"]
    date_hierarchy = "analysed_at"
    raw_id_fields = ["article", "organization"]
    readonly_fields = ["created_at", "analysed_at", "tokens_in", "tokens_out", "cost_estimate"]
    show_full_result_count = False
    actions = ["reanalyse", "delete_reports"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Report]:
        # The list shows the article's title only: never load article texts by the page.
        return super().get_queryset(request).defer("article__text", "article__summary")

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # Django's bulk delete knows nothing of reviews and drafts: delete_reports instead.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Re-analyse selected reports", permissions=["change"])
    def reanalyse(self, request: HttpRequest, queryset: QuerySet[Report]) -> HttpResponse | None:
        return run_bulk(self, request, queryset, report_bulk.REANALYSE_REPORTS)

    @admin.action(description="Delete selected reports", permissions=["delete"])
    def delete_reports(
        self, request: HttpRequest, queryset: QuerySet[Report]
    ) -> HttpResponse | None:
        queryset = report_bulk.with_dependants(queryset)
        return run_bulk(self, request, queryset, report_bulk.DELETE_REPORTS)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # The same rule as the bulk action, for the Delete link of one report.
        report = report_bulk.with_dependants(Report.objects.filter(pk=unquote(object_id))).first()
        if report is not None and (reason := report_bulk.delete_refusal(report)):
            self.message_user(
                request, f"“{report}” is {reason}. Nothing was deleted.", messages.ERROR
            )
            return redirect("admin:reports_report_change", object_id)
        return super().delete_view(request, object_id, extra_context)


class BrandAliasInline(admin.TabularInline):
    model = BrandAlias
    extra = 0
    fields = ["alias", "normalized", "source", "created_at"]
    readonly_fields = ["normalized", "created_at"]


@admin.register(Brand)
class BrandAdmin(BrandExportAdminMixin, admin.ModelAdmin):
    list_display = ["name", "organization", "industry", "status", "merged_into", "created_at"]
    list_filter = ["status", "industry__name", "organization"]
    list_select_related = ["organization", "industry", "merged_into"]
    search_fields = ["name", "key", "aliases__alias"]
    raw_id_fields = ["organization", "merged_into", "industry"]
    filter_horizontal = ["groups"]
    readonly_fields = ["key", "created_at"]
    inlines = [BrandAliasInline]
    actions = ["mark_tracked", "mark_ignored"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    # Deleting a brand cascades to its contacts: that would remove people without the erasure
    # record and fingerprint that erasing keeps (issue #17 item 8). Erase them first.
    _HAS_CONTACTS = (
        "{names} still {verb} contacts: erase them first (Contacts, Erase), so that each "
        "removal keeps its audit entry. Nothing was deleted{rest}."
    )

    @staticmethod
    def _with_contacts(queryset: QuerySet[Brand]) -> list[Brand]:
        return list(queryset.filter(contacts__suggested=False).distinct())

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        blocked = self._with_contacts(Brand.objects.filter(pk=unquote(object_id)))
        if blocked:
            message = self._HAS_CONTACTS.format(names=f"“{blocked[0].name}”", verb="has", rest="")
            self.message_user(request, message, messages.ERROR)
            return redirect("admin:reports_brand_change", object_id)
        return super().delete_view(request, object_id, extra_context)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Brand]) -> None:
        blocked = self._with_contacts(queryset)
        if blocked:
            names = ", ".join(f"“{b.name}”" for b in blocked[:5])
            verb = "has" if len(blocked) == 1 else "have"
            rest = " for them; the other selected brands were deleted"
            message = self._HAS_CONTACTS.format(names=names, verb=verb, rest=rest)
            self.message_user(request, message, messages.ERROR)
            queryset = queryset.exclude(pk__in=[b.pk for b in blocked])
        super().delete_queryset(request, queryset)

    @admin.action(description="Mark selected brands tracked", permissions=["change"])
    def mark_tracked(self, request: HttpRequest, queryset: QuerySet[Brand]) -> HttpResponse | None:
        return run_bulk(self, request, queryset, report_bulk.MARK_TRACKED)

    @admin.action(description="Mark selected brands ignored", permissions=["change"])
    def mark_ignored(self, request: HttpRequest, queryset: QuerySet[Brand]) -> HttpResponse | None:
        return run_bulk(self, request, queryset, report_bulk.MARK_IGNORED)


@admin.register(BrandGroup)
class BrandGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "created_at"]
    list_filter = ["organization"]
    list_select_related = ["organization"]
    search_fields = ["name"]
    raw_id_fields = ["organization"]


@admin.register(BrandAlias)
class BrandAliasAdmin(admin.ModelAdmin):
    list_display = ["alias", "brand", "source", "organization", "created_at"]
    list_filter = ["source", "organization"]
    list_select_related = ["brand", "organization"]
    search_fields = ["alias", "normalized", "brand__name"]
    raw_id_fields = ["brand", "organization"]
    readonly_fields = ["normalized"]


@admin.register(Mention)
class MentionAdmin(MentionExportAdminMixin, admin.ModelAdmin):
    list_display = [
        "surface",
        "brand",
        "report",
        "confidence",
        "sentiment",
        "source",
        "review_status",
        "reviewed_by",
        "mentioned_at",
    ]
    list_filter = ["review_status", "source", "organization"]
    list_select_related = ["brand", "report", "reviewed_by"]
    search_fields = ["surface", "brand__name", "evidence"]
    date_hierarchy = "mentioned_at"
    raw_id_fields = ["report", "brand", "organization", "reviewed_by"]
    show_full_result_count = False


@admin.register(BlockedTerm)
class BlockedTermAdmin(admin.ModelAdmin):
    list_display = ["term", "normalized", "organization", "created_by", "created_at"]
    list_filter = ["organization"]
    list_select_related = ["organization", "created_by"]
    search_fields = ["term", "normalized"]
    raw_id_fields = ["organization", "created_by"]
    readonly_fields = ["created_at"]


@admin.register(KeywordRule)
class KeywordRuleAdmin(admin.ModelAdmin):
    # KeywordRule.clean parses both expressions, so the admin refuses what the pages refuse.
    list_display = ("name", "organization", "job", "enabled", "include", "exclude", "updated_at")
    list_filter = ("enabled", "organization")
    list_select_related = ("organization", "job")
    search_fields = ("name", "include", "exclude")


@admin.register(Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ["name", "organization"]
    list_filter = ["organization"]
    list_select_related = ["organization"]
    search_fields = ["name"]


@admin.register(BrandSeparation)
class BrandSeparationAdmin(admin.ModelAdmin):
    list_display = ["brand", "other", "organization", "created_by", "created_at"]
    list_filter = ["organization"]
    list_select_related = ["brand", "other", "organization", "created_by"]
    search_fields = ["brand__name", "other__name"]
    raw_id_fields = ["brand", "other", "organization", "created_by"]


@admin.register(FeedbackEvent)
class FeedbackEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "action", "actor", "brand", "organization"]
    list_filter = ["action", "organization"]
    list_select_related = ["actor", "brand", "organization"]
    search_fields = ["brand__name", "actor__username"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(ExtractionCache)
class ExtractionCacheAdmin(ReadOnlyAdmin):
    list_display = ["key", "tokens_in", "tokens_out", "created_at"]
    search_fields = ["key"]
    date_hierarchy = "created_at"
    show_full_result_count = False


class LLMBatchItemInline(admin.TabularInline):
    model = LLMBatchItem
    fields = ["report", "attempt", "status", "tokens_in", "tokens_out", "cost", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(LLMBatch)
class LLMBatchAdmin(ReadOnlyAdmin):
    """Economy analysis: each batch at the provider, written by reports.run_llm_batches."""

    list_display = [
        "__str__",
        "organization",
        "model",
        "status",
        "provider_status",
        "request_count",
        "completed_count",
        "failed_count",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status", "organization"]
    list_select_related = ["organization"]
    search_fields = ["provider_id", "input_file_id"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    inlines = [LLMBatchItemInline]


@admin.register(LLMBatchItem)
class LLMBatchItemAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "organization", "batch", "attempt", "status", "cost", "created_at"]
    list_filter = ["status", "organization"]
    list_select_related = ["organization", "batch"]
    raw_id_fields = ["report", "batch"]
    date_hierarchy = "created_at"
    show_full_result_count = False


# accounts/admin.py does not register usage; guard in case it does one day.
if not admin.site.is_registered(UsageDaily):

    @admin.register(UsageDaily)
    class UsageDailyAdmin(ReadOnlyAdmin):
        list_display = [
            "date",
            "organization",
            "llm_calls",
            "cache_hits",
            "tokens_in",
            "tokens_out",
            "cost",
            "batch_calls",
            "batch_saved",
        ]
        list_filter = ["organization"]
        list_select_related = ["organization"]
        search_fields = ["organization__name"]
        date_hierarchy = "date"


# --- Brand knowledge base: global reference data, written only by load_brand_knowledge ---------


@admin.register(KnowledgeBaseVersion)
class KnowledgeBaseVersionAdmin(ReadOnlyAdmin):
    list_display = ["label", "brands", "names", "excluded", "loaded_at", "checksum"]
    readonly_fields = [
        "label",
        "sources",
        "brands",
        "names",
        "excluded",
        "checksum",
        "loaded_at",
    ]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class KnowledgeNameInline(admin.TabularInline):
    model = KnowledgeName
    fields = ["name", "key", "case_sensitive", "ambiguous", "excluded"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(KnowledgeBrand)
class KnowledgeBrandAdmin(ReadOnlyAdmin):
    list_display = ["name", "wikidata_id", "kind", "industry", "category", "source", "weight"]
    list_filter = ["kind", "industry", "source"]
    search_fields = ["name", "=wikidata_id", "names__name"]
    readonly_fields = [
        "name",
        "key",
        "wikidata_id",
        "kind",
        "category",
        "industry",
        "website",
        "description",
        "source",
        "weight",
    ]
    inlines = [KnowledgeNameInline]
    show_full_result_count = False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Export)
class ExportAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "organization",
        "kind",
        "format",
        "status",
        "total_rows",
        "requested_by",
        "created_at",
        "expires_at",
    ]
    list_filter = ["status", "kind", "format", "organization"]
    list_select_related = ["organization", "requested_by"]
    readonly_fields = ["file_name"]
