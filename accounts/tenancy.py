"""The one scoping mechanism for tenant-owned rows.

Every model that belongs to an organization inherits ``TenantModel``. Views never query such a
model directly: they go through ``scoped_queryset`` / ``get_object_for_request``, which filter by
the request's organization, so another organization's object is a 404 (never a 403 that would
reveal it exists).
"""

from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

if TYPE_CHECKING:
    from accounts.models import Organization

ModelT = TypeVar("ModelT", bound=models.Model)


class TenantQuerySet(models.QuerySet):
    def for_organization(self, organization: "Organization") -> "TenantQuerySet":
        return self.filter(organization=organization)

    # Bulk writes send no signals: the dashboard's cached briefing hears of them here
    # (accounts.briefing_cache explains the invalidation).
    def update(self, **kwargs: Any) -> int:
        from accounts.briefing_cache import briefing_changed, watched

        if self.model._meta.label_lower == "accounts.membership":
            from accounts.request_cache import memberships_changed

            # Roles changed in bulk: the users' cached memberships too (after the write).
            users = set(self.order_by().values_list("user_id", flat=True))
            organizations = set(self.order_by().values_list("organization_id", flat=True))
            updated = super().update(**kwargs)
            memberships_changed(users)
            briefing_changed(*organizations)
            return updated
        if not watched(self.model, kwargs):
            return super().update(**kwargs)
        organizations = set(self.order_by().values_list("organization_id", flat=True).distinct())
        updated = super().update(**kwargs)
        if updated:
            briefing_changed(*organizations)
        return updated

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list:
        from accounts.briefing_cache import briefing_changed, watched

        created = super().bulk_create(objs, *args, **kwargs)
        if created and watched(self.model):
            briefing_changed(*{obj.organization_id for obj in created})
        return created

    def bulk_update(self, objs: Any, fields: Any, *args: Any, **kwargs: Any) -> int:
        from accounts.briefing_cache import briefing_changed, watched

        objs = list(objs)
        updated = super().bulk_update(objs, fields, *args, **kwargs)
        if updated and watched(self.model, fields):
            briefing_changed(*{obj.organization_id for obj in objs})
        return updated


class TenantModel(models.Model):
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


def request_organization(request: HttpRequest) -> "Organization":
    organization = getattr(request, "organization", None)
    if organization is None:
        # A user without an organization has nothing to look at; nothing leaks either way.
        raise Http404("No organization selected.")
    return organization


def scoped_queryset(
    request: HttpRequest, model_or_queryset: type[ModelT] | models.QuerySet[ModelT]
) -> models.QuerySet[ModelT]:
    """The rows of ``model_or_queryset`` that belong to the request's organization."""
    queryset = (
        model_or_queryset
        if isinstance(model_or_queryset, models.QuerySet)
        else model_or_queryset._default_manager.all()
    )
    return queryset.filter(organization=request_organization(request))


def get_object_for_request(
    request: HttpRequest,
    model_or_queryset: type[ModelT] | models.QuerySet[ModelT],
    **lookup: Any,
) -> ModelT:
    """One row of the request's organization, or 404 (also for other organizations' rows)."""
    return get_object_or_404(scoped_queryset(request, model_or_queryset), **lookup)
