"""Share links in the operator console: read-only (a token cannot be shown or made here),
with a "Revoke" action that goes through the service, so it is logged like a member's."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from reports.shares.models import ShareLink
from reports.shares.services import share_link_revoke


@admin.register(ShareLink)
class ShareLinkAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "kind",
        "organization",
        "created_by",
        "created_at",
        "expires_at",
        "revoked_at",
        "view_count",
        "last_viewed_at",
    )
    list_filter = ("kind", "organization")
    list_select_related = ("organization", "created_by")
    search_fields = ("title",)
    exclude = ("token_hash",)
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("reports.change_sharelink")

    @admin.action(description="Revoke the selected share links", permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ShareLink]) -> None:
        done = sum(share_link_revoke(link=link, actor=request.user) for link in queryset)
        messages.success(request, f"{done} share link(s) revoked.")
