"""ASGI entry point (uvicorn), so long-lived event streams do not block a worker thread."""

import os
import warnings

import django

from marketing_hunting import process

# Before the settings load: the web process pools its database connections (settings.py).
process.WEB = True
# Static files (WhiteNoise) and exports are file-like responses that Django reads in a thread
# under ASGI; it warned about each one on the console, which told an operator nothing.
warnings.filterwarnings(
    "ignore", message="StreamingHttpResponse must consume synchronous iterators"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketing_hunting.settings")

# As django.core.asgi.get_asgi_application, with synchronous views in one thread hop.
django.setup(set_prefix=False)

from marketing_hunting.asgi_handler import OneHopASGIHandler  # noqa: E402 - after setup

application = OneHopASGIHandler()
