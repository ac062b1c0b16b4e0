"""ASGI entry point (uvicorn), so long-lived event streams do not block a worker thread."""

import os
import warnings

from django.core.asgi import get_asgi_application

from marketing_hunting import process

# Before the settings load: the web process pools its database connections (settings.py).
process.WEB = True
# Static files (WhiteNoise) and exports are file-like responses that Django reads in a thread
# under ASGI; it warned about each one on the console, which told an operator nothing.
warnings.filterwarnings(
    "ignore", message="StreamingHttpResponse must consume synchronous iterators"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketing_hunting.settings")

application = get_asgi_application()
