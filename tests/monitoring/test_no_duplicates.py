"""The proof: a real prefork worker and the real collector, every line exactly once.

Runs on the configured broker (Redis when REDIS_URL is set, else the filesystem broker in a
private VAR_DIR), each test well under 30 s.
"""

from __future__ import annotations

import signal
import textwrap
import uuid
from collections import Counter

import pytest
from celery import Celery
from django.conf import settings

from monitoring.models import LogEntry
from tests.harness.fixtures import service_unavailable
from tests.harness.waiting import ceiling
from tests.monitoring.processes import (
    CELERY,
    PYTHON,
    children_of,
    file_records,
    processes,
    stop,
    wait_for,
)

pytestmark = pytest.mark.timeout(90)


def producer_app(var_dir) -> Celery:
    """A Celery client for the subprocesses' broker (their VAR_DIR, or the shared Redis)."""
    producer = Celery("log-test-producer", set_as_current=False)
    if settings.REDIS_URL:
        producer.conf.broker_url = settings.REDIS_URL
    else:
        queue, processed = var_dir / "broker" / "queue", var_dir / "broker" / "processed"
        queue.mkdir(parents=True, exist_ok=True)
        processed.mkdir(parents=True, exist_ok=True)
        producer.conf.broker_url = "filesystem://"
        # As the app publishes: whole messages only, or a worker can read one half-written.
        producer.conf.broker_transport = "marketing_hunting.filesystem_broker:Transport"
        producer.conf.broker_transport_options = {
            "data_folder_in": str(queue),
            "data_folder_out": str(queue),
            "processed_folder": str(processed),
            # Else kombu keeps its exchange tables in ./control of the test run's cwd.
            "control_folder": str(var_dir / "broker" / "control"),
        }
    producer.conf.broker_connection_retry_on_startup = False
    try:
        with producer.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=5)
    except Exception as exc:
        service_unavailable(f"Celery broker unreachable: {exc}")
    return producer


def stored_markers(prefix: str) -> Counter:
    messages = LogEntry.objects.filter(message__startswith=f"marker {prefix}").values_list(
        "message", flat=True
    )
    return Counter(message.split()[1] for message in messages)


def test_a_prefork_worker_with_four_children_logs_every_line_exactly_once(
    transactional_db, tmp_path
):
    prefix = uuid.uuid4().hex[:8]
    markers = [f"{prefix}-{n}" for n in range(40)]
    queue = f"log-test-{prefix}"
    producer = producer_app(tmp_path)
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
            "4",
            "--queues",
            queue,
            "--include",
            "tests.monitoring.worker_tasks",
            "--hostname",
            f"{queue}@%h",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        )
        running.collector()
        for marker in markers:
            producer.send_task("tests.monitoring.log_marker", args=[marker], queue=queue)
        children: set[int] = set()

        def all_stored() -> bool:
            children.update(children_of(worker.pid))
            assert worker.poll() is None, running.output("worker")
            return len(stored_markers(prefix)) == len(markers)

        wait_for(all_stored, 90, "every marker stored by the collector")
        stop(worker)  # warm shutdown: the console output is complete once it exits
        wait_for(
            lambda: len([r for r in file_records(tmp_path) if prefix in r["message"]]) >= 40,
            60,
            "every marker written to the collector's file",
        )
        worker_console = running.output("worker")

    in_db = stored_markers(prefix)
    assert in_db == Counter({marker: 1 for marker in markers})
    in_file = Counter(
        r["message"].split()[1] for r in file_records(tmp_path) if r["message"].startswith("marker")
    )
    assert in_file == Counter({marker: 1 for marker in markers})
    # Printed once on the worker's console too: Celery added no handler on top of ours.
    for marker in markers:
        assert worker_console.count(f"marker {marker} ") == 1, marker
    entries = LogEntry.objects.filter(message__startswith=f"marker {prefix}")
    for entry in entries:
        logged_by = int(entry.message.rsplit(" ", 1)[1])
        assert entry.pid == logged_by
        assert entry.pid != worker.pid
        assert entry.pid in children
        assert entry.role == "worker"
        assert entry.task_id  # bound from task_prerun


PRODUCER = textwrap.dedent(
    """
    import logging, sys, time
    import django
    django.setup()
    log = logging.getLogger("tests.monitoring.producer")
    prefix, count = sys.argv[1], int(sys.argv[2])
    for n in range(count):
        log.info("marker %s-%d", prefix, n)
        if n % 50 == 0:
            time.sleep(0.05)  # a steady stream, so the collector is stopped mid-way
    """
)


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["restart", "crash"])
def test_a_collector_restarted_mid_stream_loses_nothing_and_doubles_nothing(
    transactional_db, tmp_path, how
):
    prefix, count = uuid.uuid4().hex[:8], 3000
    with processes(tmp_path) as running:
        producer = running.start("producer", PYTHON, "-c", PRODUCER, prefix, str(count))
        first = running.collector()
        wait_for(lambda: len(stored_markers(prefix)) >= 200, 90, "the first collector stored some")
        stop(first, how)
        assert len(stored_markers(prefix)) < count, "stopped too late to prove anything"
        running.collector()
        assert producer.wait(ceiling(90)) == 0, running.output("producer")
        wait_for(lambda: len(stored_markers(prefix)) == count, 90, "all stored after a restart")
        wait_for(
            lambda: sum(prefix in r["message"] for r in file_records(tmp_path)) >= count,
            60,
            "all written to the file",
        )

    expected = Counter({f"{prefix}-{n}": 1 for n in range(count)})
    assert stored_markers(prefix) == expected
    in_file = Counter(
        r["message"].split()[1] for r in file_records(tmp_path) if prefix in r["message"]
    )
    assert in_file == expected
    ids = [r["id"] for r in file_records(tmp_path)]
    assert len(ids) == len(set(ids))


def test_the_worker_command_is_the_one_in_the_procfile():
    # The proof above runs the same command line `make run` starts, plus test-only options.
    procfile = (settings.BASE_DIR / "Procfile").read_text()
    assert "celery -A marketing_hunting worker" in procfile
    assert "manage.py collect_logs" in procfile.split("collector:", 1)[1].splitlines()[0]
