"""Project-wide middleware."""

from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse


class NotFoundPageMiddleware:
    """A missing object is the app's own 404 page, under ``make run`` (DEBUG) too.

    With DEBUG on, Django answers an ``Http404`` from a view with its technical page (URL
    patterns, settings hints), which is what every user of ``make run`` saw for a deleted
    report or another organization's id. URLs that match no pattern still get the technical
    page in DEBUG: that one helps whoever writes the URLs.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not settings.DEBUG or not isinstance(exception, Http404):
            return None  # Without DEBUG, Django's handler404 renders the same 404.html.
        response = TemplateResponse(request, "404.html", status=404)
        return response.render()
