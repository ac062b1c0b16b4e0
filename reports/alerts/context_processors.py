from typing import Any

from django.http import HttpRequest


def alert_bell(request: HttpRequest) -> dict[str, Any]:
    """The unread count of the nav bar's bell: one indexed count per page, only when shown."""
    organization = getattr(request, "organization", None)
    user = getattr(request, "user", None)
    if organization is None or user is None or not user.is_authenticated:
        return {}

    def unread() -> int:
        from accounts.request_cache import cached_for_organization
        from reports.alerts.models import AlertNotification

        # Cached under the organization's generation, which every notification written or
        # marked read replaces (accounts.request_cache).
        return cached_for_organization(
            organization.pk,
            f"alert-unread:{user.pk}",
            lambda: AlertNotification.objects.filter(
                user=user, organization=organization, read_at__isnull=True
            ).count(),
        )

    # Lazy: pages that never render the bell (emails, fragments) never count.
    return {"alert_unread": unread}
