"""A backlog of page fetching never delays the stuck-run sweep (issue #16, item 3).

Two real worker processes, as production starts them per queue: one takes only ``ingest``,
one only ``maintenance``. The ingest queue is flooded with feed refreshes that each take
over a second, far more than its worker can finish during the test; the sweep, sent the way
beat sends it, still runs at once on the maintenance worker. With every task on one queue
(before the routes), the sweep waited behind the whole flood.
"""

import os
import signal
import time
import uuid

from jobs.tasks import sweep_stuck_executions
from monitoring.models import ProcessHeartbeat
from monitoring.system_health import queue_lengths
from tests.feeds.builders import make_feed, rss
from tests.harness.http_server import Reply
from tests.harness.waiting import ceiling, wait_for
from tests.jobs.builders import RSS_TYPE
from tests.jobs.test_worker import empty_queue, start_worker_process

__all__ = ["empty_queue"]  # The fixture, imported for use here.

FLOOD = 60
FETCH_SECONDS = 1.5  # Each refresh: a 90 s backlog for an ingest worker of concurrency 1.
ON_TIME_SECONDS = 30  # The sweep runs every 60 s: it must finish well within its period.


def test_the_sweep_runs_on_time_while_the_ingest_queue_is_flooded(empty_queue, http_server, org_a):
    from marketing_hunting.celery import app

    # A valid, empty feed: every refresh succeeds (no breaker opens to make the rest fast).
    http_server.add_route("/slow.xml", Reply(body=rss([]), headers=RSS_TYPE, delay=FETCH_SECONDS))
    feed = make_feed(org_a, http_server.url_for("/slow.xml"), name="slow")
    tag = uuid.uuid4().hex[:8]
    ingest_name, maintenance_name = f"ingest-{tag}@flood.test", f"maintenance-{tag}@flood.test"
    workers = [
        start_worker_process(ingest_name, "ingest"),
        start_worker_process(maintenance_name, "maintenance"),
    ]
    try:
        for _ in range(FLOOD):
            app.send_task("feeds.refresh_feed", args=[feed.pk])
        # Both workers up and the ingest one busy with the flood: the worst moment for a sweep.
        assert wait_for(
            lambda: ProcessHeartbeat.objects.filter(name=maintenance_name).exists(), timeout=120
        ), "the maintenance worker did not start"
        assert wait_for(lambda: http_server.requests_to("/slow.xml"), timeout=120)

        sent = time.monotonic()
        result = sweep_stuck_executions.apply_async()  # As beat sends it: routed by name.
        swept = result.get(timeout=ceiling(ON_TIME_SECONDS))
        took = time.monotonic() - sent
        fetched = len(http_server.requests_to("/slow.xml"))
        waiting = queue_lengths(["ingest"])["ingest"]
    finally:
        for worker in workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=ceiling(30))

    print(f"\nsweep done {took:.1f} s after it was sent; {fetched} of {FLOOD} refreshes fetched")
    assert swept == 0  # Nothing was stuck; what matters is that it ran, and when.
    assert took < ceiling(ON_TIME_SECONDS)
    # The flood was still there: the sweep did not simply wait for it to drain.
    assert fetched < FLOOD
    assert waiting > 0
