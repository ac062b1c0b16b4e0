"""Plan limits: how many feeds, jobs, members and contacts an organization may have.

Checked where those rows are created (services, so pages, API and imports share it). A limit
never deletes anything: an organization over its limit (its plan was lowered) keeps all it has
and may only not create more until it is back under.
"""

from dataclasses import dataclass
from typing import Literal

from django.apps import apps
from django.core.exceptions import ValidationError

from accounts.models import Organization

Resource = Literal["feeds", "jobs", "members", "contacts"]
RESOURCES: tuple[Resource, ...] = ("feeds", "jobs", "members", "contacts")

# The model counted per resource (app label, model name); contacts count people staff work
# with, not discovery suggestions, which nobody chose to create.
_MODELS: dict[Resource, tuple[str, str]] = {
    "feeds": ("feeds", "Feed"),
    "jobs": ("jobs", "Job"),
    "members": ("accounts", "Membership"),
    "contacts": ("contacts", "BrandContact"),
}


class QuotaExceeded(ValidationError):
    """Creating one more ``resource`` would go over the organization's plan.

    A ValidationError so the pages' forms and the imports show it like any refused input; the
    API answers it with 409 ``quota_exceeded`` (api/errors.py).
    """

    def __init__(self, resource: Resource, limit: int, used: int) -> None:
        self.resource = resource
        self.limit = limit
        self.used = used
        super().__init__(
            f"Your plan allows {limit} {resource}; you have {used}.", code="quota_exceeded"
        )


@dataclass(frozen=True)
class Usage:
    resource: Resource
    used: int
    limit: int | None  # None: no limit

    @property
    def over(self) -> bool:
        return self.limit is not None and self.used >= self.limit


def quota_limit(organization: Organization, resource: Resource) -> int | None:
    """The organization's own override, else its plan's limit, else None (no limit)."""
    override = getattr(organization, f"max_{resource}")
    if override is not None:
        return override
    plan = organization.plan
    return getattr(plan, f"max_{resource}") if plan is not None else None


def quota_used(organization: Organization, resource: Resource) -> int:
    model = apps.get_model(*_MODELS[resource])
    rows = model.objects.filter(organization=organization)
    if resource == "contacts":
        rows = rows.filter(suggested=False)
    return rows.count()


def quota_usage(organization: Organization) -> list[Usage]:
    """Every resource's use and limit, for the settings page."""
    return [
        Usage(resource, quota_used(organization, resource), quota_limit(organization, resource))
        for resource in RESOURCES
    ]


def quota_check(organization: Organization, resource: Resource, adding: int = 1) -> None:
    """Raise :class:`QuotaExceeded` unless ``adding`` more ``resource`` fit the plan.

    The limit is read fresh from the database: an operator's change in the admin applies at
    once, not when the request's copy of the organization is reloaded.
    """
    fresh = Organization.objects.select_related("plan").get(pk=organization.pk)
    limit = quota_limit(fresh, resource)
    if limit is None:
        return
    used = quota_used(fresh, resource)
    if used + adding > limit:
        raise QuotaExceeded(resource, limit, used)
