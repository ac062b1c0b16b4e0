from typing import Any

from django.http import HttpRequest

from accounts.registry import nav_items


def organization(request: HttpRequest) -> dict[str, Any]:
    resolver_match = getattr(request, "resolver_match", None)
    return {
        "current_organization": getattr(request, "organization", None),
        "current_membership": getattr(request, "membership", None),
        "memberships": getattr(request, "memberships", []),
        "nav_items": nav_items(),
        "current_section": resolver_match.namespace if resolver_match else "",
    }
