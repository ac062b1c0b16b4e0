import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from usage.counters import active_user_record

logger = logging.getLogger(__name__)


class ActiveUserMiddleware:
    """Counts a signed-in member active in their current organization, once per UTC day (the
    Usage page's "active users"). After CurrentOrganizationMiddleware, which sets the
    organization; a failure here never fails the page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        organization = getattr(request, "organization", None)
        if organization is not None and response.status_code < 400:
            try:
                active_user_record(organization_id=organization.pk, user_id=request.user.pk)
            except Exception:  # counting must never break a page (a database hiccup, a cache down)
                logger.warning("Active member not counted", exc_info=True)
        return response
