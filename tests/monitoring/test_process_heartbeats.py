"""Real worker and beat processes write their heartbeat rows; /readyz follows the worker.

The worker gets a queue of its own so that it takes no other test's task; in embedded mode
it has its own broker folder too (a private VAR_DIR).
"""

from __future__ import annotations

import threading
import uuid

from django.test import Client
from django.utils import timezone

from monitoring.heartbeats import HeartbeatWriter
from monitoring.models import ProcessHeartbeat, Role
from tests.monitoring.processes import CELERY, PYTHON, processes, stop, wait_for

START_CEILING = 120  # Starting Django and Celery on a loaded 2-core machine.
# Beat writes its row when it starts, before its first tick, and then every HEARTBEAT_SECONDS
# (20 s): waiting for the row that holds a tick took ~22 s. The test is about what the row
# holds, not how often it is written, so this beat writes every second: a beat_init receiver
# connected before the app's own ones (celery loads the app after this code) shortens
# HeartbeatWriter's default interval in that process only.
CELERY_WITH_FAST_HEARTBEAT = """
import sys

from celery.signals import beat_init


@beat_init.connect
def _fast_heartbeat(**_kwargs):
    from monitoring.heartbeats import HeartbeatWriter

    HeartbeatWriter.__init__.__kwdefaults__["interval"] = 1.0


from celery.__main__ import main

sys.exit(main())
"""


def _row(name: str) -> ProcessHeartbeat | None:
    return ProcessHeartbeat.objects.filter(name=name).first()


def test_a_worker_makes_the_site_ready_and_its_clean_stop_makes_it_not_ready(
    transactional_db, tmp_path
):
    client = Client()
    assert client.get("/readyz").json()["failing"] == ["worker"]
    name = f"hb-{uuid.uuid4().hex[:8]}@testhost"
    with processes(tmp_path) as running:
        worker = running.start(
            "worker",
            CELERY,
            "-A",
            "marketing_hunting",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            "2",
            "--queues",
            name.split("@")[0],
            "--hostname",
            name,
            "--without-gossip",
            "--without-mingle",
        )
        wait_for(
            lambda: client.get("/readyz").status_code == 200,
            START_CEILING,
            f"the worker never made /readyz ready:\n{running.output('worker')[-3000:]}",
        )
        row = _row(name)
        assert row is not None and row.role == Role.WORKER
        assert row.pid == worker.pid
        assert row.concurrency == 2
        assert row.queues == name.split("@")[0]
        assert row.active_tasks == 0
        assert row.memory_bytes and row.memory_bytes > 10_000_000  # parent and two children
        assert row.stopped_at is None

        stop(worker)  # SIGTERM: warm shutdown

        wait_for(lambda: _row(name).stopped_at is not None, 60, "no stop recorded")
    body = client.get("/readyz").json()
    assert body["failing"] == ["worker"]
    assert f"{name} stopped" in body["checks"]["worker"]["reason"]


def test_beat_records_its_last_tick(transactional_db, tmp_path):
    # The receiver above replaces this default; a renamed parameter must fail here, not
    # silently bring back the 20 s wait.
    assert "interval" in (HeartbeatWriter.__init__.__kwdefaults__ or {})
    with processes(tmp_path) as running:
        running.start(
            "beat",
            PYTHON,
            "-c",
            CELERY_WITH_FAST_HEARTBEAT,
            "-A",
            "marketing_hunting",
            "beat",
            "--scheduler",
            "django_celery_beat.schedulers:DatabaseScheduler",
            "--schedule",
            str(tmp_path / "beat-schedule"),
        )

        def ticked() -> bool:
            row = ProcessHeartbeat.objects.filter(role=Role.BEAT).first()
            return bool(row and row.last_tick_at)

        wait_for(ticked, START_CEILING, f"beat never ticked:\n{running.output('beat')[-3000:]}")
    row = ProcessHeartbeat.objects.get(role=Role.BEAT)
    assert row.name.startswith("beat@")
    assert row.last_tick_at <= row.seen_at


def test_a_tick_reported_by_a_sighting_is_never_later_than_the_sighting(transactional_db) -> None:
    """Beat's last tick is read from the clock too: read after the sighting's own time it came
    out 17 µs later than it on a loaded machine."""
    writer = HeartbeatWriter(
        role=Role.BEAT, name="beat@clock.test", describe=lambda: {"last_tick_at": timezone.now()}
    )
    beating = threading.Thread(target=writer.beat)  # As in a process: its own connection.
    beating.start()
    beating.join(timeout=60)

    row = ProcessHeartbeat.objects.get(name="beat@clock.test")
    assert row.last_tick_at <= row.seen_at
