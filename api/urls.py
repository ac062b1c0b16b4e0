"""``/api/``: the API's views need no login session (a key authenticates each request), and
its docs and schema are public, like any published API reference."""

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, re_path
from django.views.decorators.csrf import csrf_exempt

from api.errors import error_response
from api.main import api


def _without_login(patterns: list[URLPattern | URLResolver]) -> list[URLPattern | URLResolver]:
    # LoginRequiredMiddleware sends every view without login_required=False to the login page.
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _without_login(pattern.url_patterns)
        else:
            pattern.callback.login_required = False  # type: ignore[attr-defined]
    return patterns


@csrf_exempt  # It changes nothing; a POST there must get the same JSON 404, not a CSRF page.
def not_found(request: HttpRequest, rest: str) -> HttpResponse:
    """Any other address under /api/ (``/api/reports/-1``, ``/api/typo``): the API's own
    404 body, not the app's HTML page."""
    return error_response(404, "not_found", "No such address in this API (see /api/docs).")


# ninja names its views under the namespace "api" (urls_namespace in api.main).
app_name = "api"
# [\s\S], not ".": a path holding a newline (%0A) must match too, or it falls through to the
# app's HTML 404 (found by the schema fuzz test). Django refuses inline flags such as (?s).
urlpatterns = _without_login([*api.urls[0], re_path(r"^(?P<rest>[\s\S]*)$", not_found)])
