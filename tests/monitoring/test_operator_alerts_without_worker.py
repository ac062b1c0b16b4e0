"""With no worker alive, the "No live worker" alert still gets out: the real beat process (as
the Procfile starts it), with no worker at all, evaluates the rules in its watchdog thread and
sends the email and the signed webhook call itself; nothing waits on the mail queue."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from monitoring.models import OperatorAlertKind, OperatorAlertRule, OperatorIncident
from tests.harness.waiting import wait_for
from tests.harness.web_process import current_database_url
from tests.monitoring.operator_alert_builders import make_rule, receiver, signed_by

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db(transaction=True)
def test_beat_alone_tells_operators_that_no_worker_is_alive(tmp_path, smtp_server, http_server):
    OperatorAlertRule.objects.all().delete()
    rule = make_rule(OperatorAlertKind.NO_WORKER, webhook_url=http_server.url_for("/ops"))
    http_server.add_route("/ops", receiver(rule.webhook_secret))
    env = {
        **{k: v for k, v in os.environ.items() if k != "REDIS_URL"},
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": current_database_url(),
        # Its own broker folder: the tasks beat sends must not reach other tests' workers.
        "VAR_DIR": str(tmp_path / "var"),
        "JOB_WATCHDOG_SECONDS": "1",
        "LOG_SHIPPING": "false",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_server.port),
        "EMAIL_USE_TLS": "false",
    }
    command = [sys.executable, "-m", "celery", "-A", "marketing_hunting", "beat"]
    command += ["--scheduler", "django_celery_beat.schedulers:DatabaseScheduler"]
    command += ["--schedule", str(tmp_path / "beat-schedule"), "--loglevel", "WARNING"]
    beat = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        assert wait_for(lambda: http_server.requests_to("/ops") or beat.poll() is not None, 90)
        assert beat.poll() is None, "beat exited"
        assert wait_for(lambda: smtp_server.messages, 30)
    finally:
        beat.terminate()
        beat.wait(timeout=30)

    [call] = http_server.requests_to("/ops")
    assert signed_by(call, rule.webhook_secret)
    assert json.loads(call.body)["incidents"][0]["reason"] == "No worker has ever reported"
    [email] = smtp_server.messages
    assert "FIRING: No live worker: Workers" in email["Subject"]
    assert OperatorIncident.objects.get().status == "firing"
