"""Admin classes for rows the application writes and operators only look at."""

from django.contrib import admin
from django.http import HttpRequest


class ReadOnlyAdmin(admin.ModelAdmin):
    """History and caches: operators look (and may delete), the application writes."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class RecordAdmin(ReadOnlyAdmin):
    """Records of what happened (audit lines, erasures, runs): never written or deleted by
    hand."""

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
