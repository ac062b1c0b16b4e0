"""ASGI entry point (uvicorn), so long-lived event streams do not block a worker thread."""

import os

from django.core.asgi import get_asgi_application

from marketing_hunting import process

# Before the settings load: the web process pools its database connections (settings.py).
process.WEB = True
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketing_hunting.settings")

application = get_asgi_application()
