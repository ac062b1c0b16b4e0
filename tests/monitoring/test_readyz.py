"""/readyz: database, broker, migrations applied and a worker seen in the last 2 minutes.

Down cases are real: a broker and a database on a port where nothing listens, a filesystem
broker whose folder cannot be used, a test database migrated back one step.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from marketing_hunting.celery import app
from monitoring.models import ProcessHeartbeat, Role
from tests.harness.dead_broker import point_celery_at_a_dead_broker
from tests.harness.web_process import web_process


def _worker(name: str = "celery@box", *, seen_ago: float = 5, stopped: bool = False) -> None:
    now = timezone.now()
    ProcessHeartbeat.objects.create(
        role=Role.WORKER,
        name=name,
        host="box",
        pid=123,
        started_at=now - timedelta(hours=1),
        seen_at=now - timedelta(seconds=seen_ago),
        stopped_at=now if stopped else None,
    )


@pytest.fixture
def worker_alive(db):
    _worker()


def test_it_answers_200_with_every_check_and_its_reason(client, worker_alive):
    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "broker", "migrations", "worker"}
    assert all(check["status"] == "ok" for check in body["checks"].values())
    assert body["checks"]["worker"]["reason"].startswith("celery@box seen ")
    assert body["checks"]["database"]["seconds"] >= 0
    assert "failing" not in body


def test_it_needs_no_login_and_is_never_cached(client, worker_alive):
    response = client.get("/readyz", HTTP_COOKIE="sessionid=whatever")

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]


def test_it_is_503_when_no_worker_ever_reported(client, db):
    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["worker"]
    reason = "no worker has ever reported"
    assert body["checks"]["worker"] == {"status": "failing", "reason": reason}


def test_a_worker_silent_for_more_than_two_minutes_is_not_enough(client, db):
    _worker("celery@old", seen_ago=121)

    body = client.get("/readyz").json()

    assert body["failing"] == ["worker"]
    assert "celery@old last seen 121 s ago" in body["checks"]["worker"]["reason"]


def test_a_worker_that_stopped_cleanly_is_not_counted(client, db):
    _worker("celery@gone", seen_ago=1, stopped=True)
    _worker("celery@older", seen_ago=200)

    body = client.get("/readyz").json()

    assert body["failing"] == ["worker"]
    assert "celery@gone stopped" in body["checks"]["worker"]["reason"]


def test_one_live_worker_among_dead_ones_is_enough(client, db):
    _worker("celery@dead", seen_ago=600)
    _worker("celery@live", seen_ago=30)

    assert client.get("/readyz").status_code == 200


def test_it_is_503_naming_the_broker_on_a_closed_port(client, worker_alive, monkeypatch):
    # A real connection attempt to a port where nothing listens.
    point_celery_at_a_dead_broker(monkeypatch)

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["broker"]
    assert body["checks"]["broker"]["status"] == "failing"
    assert "Error" in body["checks"]["broker"]["reason"]
    assert body["checks"]["database"]["status"] == "ok"


def test_it_is_503_naming_the_filesystem_broker_when_its_folder_is_unusable(
    client, worker_alive, monkeypatch, tmp_path
):
    # Embedded mode: the queue folder is a plain file, so no message could be written there.
    blocker = tmp_path / "queue"
    blocker.write_text("not a folder")
    options = {
        **app.conf.broker_transport_options,
        "data_folder_in": str(blocker / "in"),
        "data_folder_out": str(blocker / "in"),
    }
    monkeypatch.setitem(app.conf, "broker_url", "filesystem://localhost//")
    monkeypatch.setitem(app.conf, "broker_transport", None)
    monkeypatch.setitem(app.conf, "broker_transport_options", options)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]


@pytest.mark.django_db
def test_it_is_503_naming_a_migration_not_applied(client):
    _worker()
    loader = MigrationLoader(None, ignore_no_migrations=True)
    target = next(
        node
        for node in sorted(loader.graph.leaf_nodes())
        if node[0] == "accounts" and loader.graph.node_map[node].parents
    )
    # The check reads what Django records as applied, as `migrate` does to decide what to run:
    # the newest accounts migration is recorded as not applied (what a deploy that skipped
    # `migrate` looks like). Rolling it back for real took ~70 s on PostgreSQL (every app that
    # depends on it went back and forward) to test the same line; the test's transaction puts
    # the record back.
    MigrationRecorder(connection).record_unapplied(*target)

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["migrations"]
    reason = body["checks"]["migrations"]["reason"]
    assert f"{target[0]}.{target[1]}" in reason
    assert "manage.py migrate" in reason
    MigrationRecorder(connection).record_applied(*target)
    assert client.get("/readyz").status_code == 200  # Recorded as applied again: ready.


@pytest.mark.django_db(transaction=True)
def test_a_web_process_on_a_closed_database_port_is_live_but_not_ready():
    # Nothing listens on port 9 of this machine: the database is "down" from the start.
    down = "postgres://nobody@127.0.0.1:9/gone"
    with web_process(DATABASE_URL=down) as base_url:
        with urllib.request.urlopen(base_url + "/healthz", timeout=60) as live:
            live_status = live.status
        request = urllib.request.Request(base_url + "/readyz", headers={"Cookie": "sessionid=x"})
        with pytest.raises(urllib.error.HTTPError) as raised:
            urllib.request.urlopen(request, timeout=60)
        ready_status, body = raised.value.code, json.loads(raised.value.read())

    assert live_status == 200
    assert ready_status == 503
    assert body["checks"]["database"]["status"] == "failing"
    assert "OperationalError" in body["checks"]["database"]["reason"]
    assert body["checks"]["worker"]["reason"] == "not checked: the database is not answering"
