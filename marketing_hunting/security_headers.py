"""Content-Security-Policy and Permissions-Policy on every response (issue #17, item 9).

django-csp is not a dependency, so the header is set here: one policy, with a fresh nonce
per request for any ``<script>``/``<style>`` the templates write (``{{ csp_nonce }}``; the
``htmx_script`` tag of django-htmx reads the same context variable). Everything the app runs
is a file under ``/static/``, so ``'self'`` plus the nonce is the whole allow-list: an
injected inline script, inline event handler or ``style`` attribute is refused by the
browser. htmx's own indicator ``<style>`` is switched off in ``base.html`` (its config meta
tag) rather than allowed, and ``connect-src 'self'`` covers htmx requests and the SSE
streams.
"""

import secrets
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

# Browser features the app never uses, refused to the page and to anything it could embed.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
        "xr-spatial-tracking",
    )
)


def content_security_policy(nonce: str) -> str:
    """The policy for one response; ``nonce`` allows that response's own inline tags."""
    directives = {
        "default-src": "'self'",
        "script-src": f"'self' 'nonce-{nonce}'",
        "style-src": f"'self' 'nonce-{nonce}'",
        # data: for the small icons CSS or the admin may inline; never remote images.
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        # Nobody may frame the app (clickjacking); X-Frame-Options DENY says it to old browsers.
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class SecurityHeadersMiddleware:
    """Give each request a nonce and each response the two policy headers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(18)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", content_security_policy(nonce))
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


def csp_nonce(request: HttpRequest) -> dict[str, object]:
    """Template context processor: ``{{ csp_nonce }}`` (empty outside the middleware)."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
