"""One logging configuration for web, worker, beat and management commands.

Celery would otherwise install its own handlers on top of ours and every line would appear twice;
``marketing_hunting.celery`` connects the ``setup_logging`` signal so Celery applies exactly this
configuration instead.
"""

from typing import Any


def build_logging_config(level: str) -> dict[str, Any]:
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "console": {
                "format": "%(asctime)s %(levelname)-7s %(name)s [pid %(process)d] %(message)s",
            },
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "console"},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's request logger repeats what uvicorn already logs for each request.
            "django.request": {"level": "ERROR"},
            "django.db.backends": {"level": "INFO"},
        },
    }
