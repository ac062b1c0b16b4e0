"""ASGI entry point (uvicorn), so long-lived event streams do not block a worker thread."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketing_hunting.settings")

application = get_asgi_application()
