"""Issue #14's "Done when", with real processes: an operator sees every process on the System
health page (a worker, beat and the log collector, each green); killing a worker turns it red
and sends one alert; restarting it resolves the alert (one "resolved" email).

A real Celery worker (its own queue and node name; in embedded mode its own broker folder)
writes its heartbeat every second and counts as gone after 5 s of silence
(WORKER_HEARTBEAT_SECONDS, WORKER_SEEN_WITHIN_SECONDS), so the test takes seconds, not the
production minutes. The evaluation is driven from here as the every-minute beat task does it,
with its deliveries sent here too (the killed worker cannot send them); the emails reach the
real local SMTP server. Every wait is on a condition, with a generous ceiling.
"""

from __future__ import annotations

import os
import re
import signal
import uuid

import pytest
from django.conf import settings as django_settings
from django.test import Client

from monitoring.models import OperatorAlertKind, OperatorAlertRule, OperatorIncident
from tests.harness.waiting import wait_for
from tests.monitoring.operator_alert_builders import make_rule, minute
from tests.monitoring.processes import CELERY, PYTHON, processes

URL = "/admin/system-health/"
HEARTBEAT, SEEN_WITHIN = 1, 5  # seconds: production's 20 and 120
START_CEILING = 120  # Starting Django and Celery on a loaded 2-core machine.


@pytest.fixture
def operator_client(alice, client_for) -> Client:
    alice.is_staff = True
    alice.save()
    return client_for(alice)


def _section(body: str, key: str) -> str:
    section = re.search(rf'<section [^>]*id="health-{key}"(.*?)</section>', body, re.S)
    assert section, body[-3000:]
    return section.group(1)


def _worker_badge(client: Client, name: str) -> str | None:
    """The colour of the worker's row on the page ("green", "amber", "red"), None if absent."""
    section = _section(client.get(URL).content.decode(), "workers")
    row = re.search(
        rf'health-badge health-\w+">(\w+)</span>\s*<strong>{re.escape(name)}</strong>', section
    )
    return row.group(1) if row else None


def _level(client: Client, key: str) -> str:
    """The level of a part of the page ("ok", "warn", "error")."""
    body = client.get(URL).content.decode()
    level = re.search(rf'class="module health-item health-(\w+)" id="health-{key}"', body)
    assert level, body[-3000:]
    return level.group(1)


def test_a_worker_beat_and_the_collector_running_are_each_green(
    transactional_db, tmp_path, settings, operator_client
):
    settings.WORKER_HEARTBEAT_SECONDS, settings.WORKER_SEEN_WITHIN_SECONDS = HEARTBEAT, SEEN_WITHIN
    if not django_settings.REDIS_URL:  # embedded: the collector reports through the file cache
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": str(tmp_path / "cache"),
            }
        }
    client = operator_client
    with processes(tmp_path) as running:
        running.env.update(WORKER_HEARTBEAT_SECONDS=str(HEARTBEAT))
        name = f"seen-{uuid.uuid4().hex[:8]}@testhost"
        running.start(
            "worker",
            *(CELERY, "-A", "marketing_hunting", "worker", "--pool", "solo"),
            *("--queues", name.split("@")[0], "--hostname", name),
            *("--without-gossip", "--without-mingle"),
        )
        running.start(
            "beat",
            *(PYTHON, "-m", "celery", "-A", "marketing_hunting", "beat"),
            *("--scheduler", "django_celery_beat.schedulers:DatabaseScheduler"),
            *("--schedule", str(tmp_path / "beat-schedule")),
        )
        running.collector()

        def all_green() -> bool:
            return all(_level(client, key) == "ok" for key in ("workers", "beat", "collector"))

        assert wait_for(all_green, START_CEILING, step=0.5), (
            "\n".join(f"{key}: {_level(client, key)}" for key in ("workers", "beat", "collector"))
            + running.output("beat")[-2000:]
        )
        body = client.get(URL).content.decode()
        assert _worker_badge(client, name) == "green"
        assert "Ticking: last tick" in body
        assert re.search(r"<dt>Lag</dt><dd>[\d.]+ s</dd>", body)


def _subjects(smtp_server, state: str) -> list[str]:
    return [m["Subject"] for m in smtp_server.messages if f"] {state}: " in m["Subject"]]


def test_a_killed_worker_turns_red_alerts_once_and_its_restart_resolves_it(
    transactional_db, tmp_path, settings, smtp_server, operator_client
):
    settings.WORKER_HEARTBEAT_SECONDS, settings.WORKER_SEEN_WITHIN_SECONDS = HEARTBEAT, SEEN_WITHIN
    OperatorAlertRule.objects.all().delete()  # the default rules (beat, collector...) stay out
    rule = make_rule(OperatorAlertKind.NO_WORKER)  # red counts, fires at once (0 minutes)
    name = f"killed-{uuid.uuid4().hex[:8]}@testhost"
    client = operator_client
    with processes(tmp_path) as running:
        running.env.update(
            WORKER_HEARTBEAT_SECONDS=str(HEARTBEAT),
            WORKER_SEEN_WITHIN_SECONDS=str(SEEN_WITHIN),
            LOG_SHIPPING="false",
            # A worker evaluates and sends itself when no evaluation ran for a while (the
            # fallback): whichever process sends, the mail reaches this server.
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(smtp_server.port),
            EMAIL_USE_TLS="false",
        )

        def start_worker():
            return running.start(
                "worker",
                CELERY,
                "-A",
                "marketing_hunting",
                "worker",
                "--pool",
                "solo",  # one process: kill -9 leaves no orphaned pool child behind
                "--queues",
                name.split("@")[0],  # takes no other test's task
                "--hostname",
                name,
                "--without-gossip",
                "--without-mingle",
            )

        def badge_is(colour: str):
            return lambda: _worker_badge(client, name) == colour

        worker = start_worker()
        assert wait_for(badge_is("green"), START_CEILING, step=0.5), running.output("worker")[
            -3000:
        ]
        assert minute() == []  # alive: nothing to tell
        assert smtp_server.messages == []

        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)

        assert wait_for(badge_is("red"), 60, step=0.5), _worker_badge(client, name)
        body = client.get(URL).content.decode()
        assert "No live worker: nothing runs jobs" in body
        assert "Silent: last heartbeat" in body
        assert wait_for(lambda: minute() or _subjects(smtp_server, "FIRING"), 60, step=0.5)
        assert wait_for(lambda: _subjects(smtp_server, "FIRING"), 30)
        for _ in range(3):  # later minutes, still dead: no second alert
            minute()
        assert _subjects(smtp_server, "FIRING") == [
            "[Marketing Hunting ops] FIRING: No live worker: Workers"
        ]
        incidents = _section(client.get(URL).content.decode(), "incidents")
        assert "1 firing" in incidents and "No live worker: nothing runs jobs" in incidents
        incident = OperatorIncident.objects.get(rule=rule)
        assert incident.fired_at is not None and incident.resolved_at is None
        assert incident.reason == "No live worker: nothing runs jobs"

        start_worker()  # the same node name, as a restarted service has
        assert wait_for(badge_is("green"), START_CEILING, step=0.5), running.output("worker")[
            -3000:
        ]
        assert wait_for(lambda: minute() or _subjects(smtp_server, "RESOLVED"), 60, step=0.5)
        assert wait_for(lambda: _subjects(smtp_server, "RESOLVED"), 30)
        for _ in range(3):  # later minutes, alive: nothing more
            minute()
        assert "None open" in _section(client.get(URL).content.decode(), "incidents")

    assert _subjects(smtp_server, "FIRING") == [
        "[Marketing Hunting ops] FIRING: No live worker: Workers"
    ]
    assert _subjects(smtp_server, "RESOLVED") == [
        "[Marketing Hunting ops] RESOLVED: No live worker: Workers"
    ]
    assert len(smtp_server.messages) == 2
    assert [m["To"] for m in smtp_server.messages] == ["ops@example.com"] * 2
    incident.refresh_from_db()
    assert incident.resolved_at is not None
    assert OperatorIncident.objects.filter(rule=rule).count() == 1
