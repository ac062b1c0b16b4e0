"""Django's ASGI handler, with synchronous views served in one thread hop instead of three.

Under ASGI Django builds one asynchronous middleware chain. Nine of this project's middleware
(and WhiteNoise's) are synchronous only, so a request to a synchronous view (every page but
the event streams) crossed from the event loop to the worker thread for the outer
middleware, back to the loop for the async-capable ones below them (Axes), and to the thread
again for the view: three hops, each a context copy, a future and two thread switches.

Here a request whose view is synchronous runs through a second, synchronous middleware chain
(the same ``settings.MIDDLEWARE``, loaded as WSGI loads it) on the same thread-sensitive
worker thread the async chain used: one hop there and back. Requests to asynchronous views
(the event streams), to paths that resolve to no view (404s, ``/healthz``, static files; the
middleware answer those) and with a per-request URLconf keep Django's async chain, so a
stream never holds the worker thread. Measured with ``benchmarks/page_profile.py --asgi``
(docs/benchmarks.md, "Session 12").
"""

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler
from django.http import HttpRequest, HttpResponse
from django.urls import get_resolver


class _SyncChain(BaseHandler):
    """The middleware chain WSGI would run, for the synchronous views."""

    def __init__(self) -> None:
        super().__init__()
        self.load_middleware(is_async=False)


class OneHopASGIHandler(ASGIHandler):
    def __init__(self) -> None:
        super().__init__()
        self._sync_chain = _SyncChain()
        self._sync_response = sync_to_async(self._sync_chain.get_response, thread_sensitive=True)

    def _view_is_sync(self, request: HttpRequest) -> bool:
        if hasattr(request, "urlconf"):
            return False
        try:
            match = get_resolver(settings.ROOT_URLCONF).resolve(request.path_info)
        except Exception:  # Resolver404 and the like: Django's own path answers them.
            return False
        return not iscoroutinefunction(match.func)

    async def get_response_async(self, request: HttpRequest) -> HttpResponse:
        if self._view_is_sync(request):
            return await self._sync_response(request)
        return await super().get_response_async(request)
