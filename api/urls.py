"""``/api/``: the API's views need no login session (a key authenticates each request), and
its docs and schema are public, like any published API reference."""

from django.urls import URLPattern, URLResolver

from api.main import api


def _without_login(patterns: list[URLPattern | URLResolver]) -> list[URLPattern | URLResolver]:
    # LoginRequiredMiddleware sends every view without login_required=False to the login page.
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _without_login(pattern.url_patterns)
        else:
            pattern.callback.login_required = False  # type: ignore[attr-defined]
    return patterns


# ninja names its views under the namespace "api" (urls_namespace in api.main).
app_name = "api"
urlpatterns = _without_login(list(api.urls[0]))
