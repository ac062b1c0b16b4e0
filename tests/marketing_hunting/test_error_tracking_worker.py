"""A task failing in a real prefork worker reaches Sentry without the contact's data.

The worker is the production command (``celery -A marketing_hunting worker``) configured by
``SENTRY_*`` variables; its envelopes go to a local receiver and are checked as raw bytes.
"""

from __future__ import annotations

import uuid

import pytest

from tests.harness.sentry_server import SentryReceiver
from tests.harness.waiting import wait_for
from tests.marketing_hunting.test_error_tracking import (
    EMAIL,
    ENVIRONMENT,
    FIRST,
    LAST,
    PHONE,
    RELEASE,
    assert_no_personal_data,
    sentry_types,
)
from tests.monitoring.processes import CELERY, processes
from tests.monitoring.test_no_duplicates import producer_app

pytestmark = pytest.mark.timeout(600)


@pytest.fixture
def receiver():
    server = SentryReceiver()
    yield server
    server.close()


def test_a_failing_task_and_a_logged_error_arrive_scrubbed(receiver, transactional_db, tmp_path):
    queue = f"sentry-test-{uuid.uuid4().hex[:8]}"
    producer = producer_app(tmp_path)
    with processes(tmp_path) as running:
        running.env.update(
            {
                "SENTRY_DSN": receiver.dsn,
                "SENTRY_RELEASE": RELEASE,
                "SENTRY_ENVIRONMENT": ENVIRONMENT,
                "LOG_SHIPPING": "false",
            }
        )
        running.start(
            "worker",
            *(CELERY, "-A", "marketing_hunting", "worker", "--pool", "prefork"),
            *("--concurrency", "1", "--queues", queue, "--hostname", f"{queue}@%h"),
            *("--include", "tests.marketing_hunting.sentry_tasks", "--loglevel", "INFO"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat"),
        )
        # A loaded machine starts a worker in minutes, not seconds: wait for it, generously.
        ready = wait_for(lambda: " ready." in running.output("worker"), timeout=240)
        assert ready, f"the worker did not start:\n{running.output('worker')}"
        contact = {"email": EMAIL, "full_name": f"{FIRST} {LAST}", "phone": PHONE}
        producer.send_task(
            "tests.sentry.fail_for_contact", kwargs={"contact_id": 7, **contact}, queue=queue
        )
        producer.send_task(
            "tests.sentry.log_error_for_contact",
            kwargs={"email": EMAIL, "full_name": f"{FIRST} {LAST}"},
            queue=queue,
        )
        arrived = wait_for(lambda: len(receiver.events()) >= 2, timeout=120)
        worker_said = running.output("worker")
        assert arrived, f"{len(receiver.events())} events; the worker said:\n{worker_said}"

    for envelope in receiver.envelopes():
        assert_no_personal_data(envelope.raw)
    by_type = {
        (event.get("exception") or {"values": [{"type": "log"}]})["values"][-1]["type"]: event
        for _envelope, event in receiver.events()
    }
    failed = by_type["LookupError"]
    assert failed["release"] == RELEASE and failed["environment"] == ENVIRONMENT
    assert failed["extra"]["celery-job"]["task_name"] == "tests.sentry.fail_for_contact"
    frame = failed["exception"]["values"][-1]["stacktrace"]["frames"][-1]
    assert frame["function"] == "fail_for_contact"
    assert frame["vars"]["contact_id"] == "7"
    assert frame["vars"]["greeting"] == "[Filtered]"
    # The warning the task logged first is a breadcrumb, as its template.
    assert "Calling %s on %s" in [c.get("message") for c in failed["breadcrumbs"]["values"]]
    # SENTRY_TRACES_SAMPLE_RATE is unset here (0): errors only, no performance traces.
    assert "event" in sentry_types(receiver)
    assert "transaction" not in sentry_types(receiver)
    logged = by_type["log"]
    assert logged["logentry"]["message"] == "Bounce from %s (%s)"
    assert logged["release"] == RELEASE
