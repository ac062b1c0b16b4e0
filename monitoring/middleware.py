"""Tags every record logged while serving a request with the request's organization."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from marketing_hunting.logging import bind, unbind


class LogContextMiddleware:
    """Runs after ``CurrentOrganizationMiddleware``, which sets ``request.organization``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        organization = getattr(request, "organization", None)
        tokens = bind(organization_id=organization.pk if organization is not None else None)
        try:
            return self.get_response(request)
        finally:
            unbind(tokens)
