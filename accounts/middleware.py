from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from accounts.models import Membership
from accounts.request_cache import user_memberships

SESSION_KEY = "organization_id"


class CurrentOrganizationMiddleware:
    """Resolves the organization a request acts in.

    Sets ``request.memberships`` (all of the user's, for the switcher), ``request.membership``
    and ``request.organization`` (None when the user belongs to no organization). The choice is
    kept in the session and re-checked against the memberships on every request, so a removed
    member loses access at once.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.memberships = []
        request.membership = None
        request.organization = None
        if request.user.is_authenticated:
            user = request.user
            # Cached per user until one of the memberships or their organizations changes
            # (accounts.request_cache): one query less on every page.
            memberships = user_memberships(
                user.pk,
                # The plan too: its limits decide the pages' quota banners.
                lambda: list(
                    Membership.objects.filter(user=user).select_related(
                        "organization", "organization__plan"
                    )
                ),
            )
            request.memberships = memberships
            chosen = request.session.get(SESSION_KEY)
            current = next((m for m in memberships if m.organization_id == chosen), None)
            if current is None and memberships:
                current = memberships[0]
                request.session[SESSION_KEY] = current.organization_id
            if current is not None:
                request.membership = current
                request.organization = current.organization
        return self.get_response(request)


class OrganizationLanguageMiddleware:
    """Activates the request's organization's language (Organization settings) for the rest of
    the request: Django's own strings, date names and formats follow it. Requests outside an
    organization (login, public share links) keep LANGUAGE_CODE."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        organization = getattr(request, "organization", None)
        language = getattr(organization, "language", "") if organization else ""
        if not language:
            return self.get_response(request)
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
            response.headers.setdefault("Content-Language", language)
            return response
