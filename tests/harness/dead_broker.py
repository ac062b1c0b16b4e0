"""Point the Celery app at a Redis port where nothing listens, for one test."""

from __future__ import annotations

import pytest

# A real connection attempt that is refused at once: nothing listens on port 1.
DEAD_BROKER_URL = "redis://127.0.0.1:1/0"


def point_celery_at_a_dead_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    from marketing_hunting.celery import app

    # Only broker_url: broker_write_url reads through to it, and patching that too would
    # "restore" it to the patched value on undo and leak the dead broker into later tests.
    monkeypatch.setattr(app.conf, "broker_url", DEAD_BROKER_URL)
    # A transport named in settings wins over the URL's scheme (embedded mode names the
    # filesystem one); none, and kombu takes Redis from the URL.
    monkeypatch.setitem(app.conf, "broker_transport", None)
