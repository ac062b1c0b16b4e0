"""Render a Django template to PDF with WeasyPrint, fetching nothing from outside.

Every PDF (one report now, digests later) goes through ``render_pdf``. Article titles, texts,
brand names and summaries are untrusted: the templates escape them, and as a second wall the
URL fetcher refuses every URL that is not one of our own static files, so markup that slipped
through (``<img src="http://...">``, ``@import``, ``url(file:///...)``) fetches nothing.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

# The documents' base URL: relative and root-relative links resolve under it, and only URLs
# under it and STATIC_URL are served (from disk). ".invalid" can never resolve (RFC 6761).
BASE_URL = "https://pdf.marketing-hunting.invalid/"
_TYPES = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg"}


INSTALL_HINT = (
    "PDF documents need Pango: on Debian or Ubuntu, apt install libpango-1.0-0 "
    "libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core (README, Set up and run)."
)


class RefusedURL(ValueError):
    """A URL a PDF may not fetch; WeasyPrint logs it and leaves the resource out."""


class PdfUnavailable(RuntimeError):
    """WeasyPrint cannot run here (its system libraries are missing)."""


@functools.cache
def _weasyprint() -> tuple[type, type, type]:
    """WeasyPrint's HTML, URLFetcher and URLFetcherResponse, imported on first use: importing
    it loads Pango, and a server without Pango must still start (only PDFs are unavailable)."""
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher, URLFetcherResponse
    except OSError as error:  # "cannot load library 'libpango-1.0-0'"
        raise PdfUnavailable(f"{INSTALL_HINT} ({error})") from error
    return HTML, URLFetcher, URLFetcherResponse


def _static_prefix() -> str:
    static_url = settings.STATIC_URL or "/static/"
    path = urlsplit(static_url).path if "://" in static_url else static_url
    return "/" + path.strip("/") + "/"


def static_file_for(url: str) -> Path:
    """The file on disk behind one of our static URLs, or RefusedURL."""
    parts = urlsplit(url)
    base = urlsplit(BASE_URL)
    prefix = _static_prefix()
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or not parts.path.startswith(
        prefix
    ):
        raise RefusedURL(f"PDF rendering fetches only static files, not {url[:200]!r}")
    name = unquote(parts.path[len(prefix) :])
    if not name or Path(name).suffix.lower() not in _TYPES:
        raise RefusedURL(f"Not a static file type a PDF uses: {name[:200]!r}")
    candidates: list[str | None] = []
    try:
        # Collected files (hashed names in production) first, then the app folders.
        if staticfiles_storage.exists(name):
            candidates.append(staticfiles_storage.path(name))
        candidates.append(finders.find(name))
    except Exception as error:  # SuspiciousFileOperation on "../", NotImplementedError, ...
        raise RefusedURL(f"Not a static file: {name[:200]!r}") from error
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise RefusedURL(f"No such static file: {name[:200]!r}")


@functools.cache
def _fetcher_class() -> type:
    _, URLFetcher, URLFetcherResponse = _weasyprint()

    class StaticOnlyFetcher(URLFetcher):
        """WeasyPrint's fetcher cut down to our static files and the bytes the caller handed
        over (``resources``: the organization's logo): no HTTP, no file://, no data:."""

        def __init__(self, resources: Mapping[str, tuple[bytes, str]] | None = None) -> None:
            super().__init__(allowed_protocols=(), allow_redirects=False)
            self.refused: list[str] = []
            self.resources = dict(resources or {})

        def fetch(self, url: str, headers: dict[str, str] | None = None) -> Any:
            if url in self.resources:
                content, content_type = self.resources[url]
                return URLFetcherResponse(url, content, {"Content-Type": content_type})
            try:
                path = static_file_for(url)
            except RefusedURL:
                self.refused.append(url)
                raise
            return URLFetcherResponse(
                url, path.read_bytes(), {"Content-Type": _TYPES[path.suffix.lower()]}
            )

    return StaticOnlyFetcher


def resource_url(name: str) -> str:
    """The URL a template uses for bytes handed to ``render_pdf(resources=...)``."""
    return f"{BASE_URL}resources/{name}"


def render_pdf(
    template_name: str,
    context: dict[str, Any],
    *,
    request: HttpRequest | None = None,
    resources: Mapping[str, tuple[bytes, str]] | None = None,
) -> bytes:
    """The template rendered to PDF bytes (see ``html_to_pdf``)."""
    return html_to_pdf(
        render_to_string(template_name, context, request=request),
        name=template_name,
        resources=resources,
    )


def html_to_pdf(
    html: str,
    *,
    name: str = "document",
    resources: Mapping[str, tuple[bytes, str]] | None = None,
) -> bytes:
    """PDF bytes of an HTML document. Resources other than our static files and the given
    ``resources`` (URL from :func:`resource_url` → bytes and content type) are left out
    (logged as a warning), never fetched. PdfUnavailable when WeasyPrint cannot run."""
    HTML = _weasyprint()[0]
    fetcher = _fetcher_class()(resources)
    pdf = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf()
    if fetcher.refused:
        logger.warning(
            "PDF %s: refused %d non-static URL(s), first %r",
            name,
            len(fetcher.refused),
            fetcher.refused[0][:200],
        )
    if pdf is None:  # pragma: no cover - write_pdf() without a target returns the bytes
        raise RuntimeError("WeasyPrint returned no PDF")
    return pdf
