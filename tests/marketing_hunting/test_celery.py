"""The Celery app against the configured broker (filesystem embedded, Redis in CI)."""

import logging

from django.conf import settings
from kombu.transport.filesystem import Transport as FilesystemTransport
from kombu.transport.redis import Transport as RedisTransport

from feeds.models import Feed
from marketing_hunting.celery import app


@app.task(name="tests.create_feed")
def create_feed(organization_id: int, url: str) -> int:
    feed = Feed.objects.create(organization_id=organization_id, name="From a worker", url=url)
    return feed.pk


def test_a_live_worker_runs_a_task_from_the_configured_broker(celery_worker, org_a):
    result = create_feed.delay(org_a.pk, "https://worker.example/feed")

    feed_id = result.get(timeout=30)

    assert Feed.objects.get(pk=feed_id).url == "https://worker.example/feed"
    transport = app.connection_for_write().transport
    if settings.REDIS_URL:
        # kombu's Redis transport without its outage crash (marketing_hunting/broker.py).
        assert isinstance(transport, RedisTransport)
        assert type(transport).__module__ == "marketing_hunting.broker"
    else:
        # kombu's filesystem transport that publishes whole messages
        # (marketing_hunting/filesystem_broker.py).
        assert isinstance(transport, FilesystemTransport)
        assert type(transport).__module__ == "marketing_hunting.filesystem_broker"


def test_celery_applies_the_projects_logging_configuration_and_adds_no_handler():
    # Connecting setup_logging stops Celery from adding its handlers on top of ours, which is
    # what printed every worker line twice.
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    app.log.already_setup = False
    try:
        app.log.setup(loglevel="INFO")

        # The configuration Django applied at start-up stays exactly as it was (applied once
        # per process), and it is ours: console plus the shipping handler, nothing of Celery's.
        assert root.handlers == saved_handlers
        ours = [h for h in root.handlers if not type(h).__module__.startswith("_pytest")]
        assert [type(h).__name__ for h in ours] == ["StreamHandler", "ShippingHandler"]
        assert type(ours[0].formatter).__name__ == "ConsoleFormatter"
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
