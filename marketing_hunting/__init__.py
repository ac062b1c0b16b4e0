"""Project wiring: settings, URLs, the Celery app, ASGI/WSGI and logging set-up."""

from marketing_hunting.celery import app as celery_app

__all__ = ("celery_app",)
