"""The Celery application, configured from Django settings (``CELERY_*``)."""

import logging.config
import os
from typing import Any

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketing_hunting.settings")

app = Celery("marketing_hunting")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def configure_logging(**_kwargs: Any) -> None:
    # Connecting this signal stops Celery from configuring logging itself, so the worker and
    # beat use exactly the project's configuration and no line is printed twice.
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
