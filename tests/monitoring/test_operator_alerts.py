"""Operator alerts for real: each kind of problem opens one incident, sends one "firing"
email (local SMTP server) and one signed webhook call (a local receiver that checks the
signature), and one "resolved" of each when it clears, however often the rules are evaluated."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from accounts.models import UsageDaily
from feeds.models import FetchStatus
from jobs.models import ExecutionStatus, JobExecution
from monitoring.collector import STATUS_CACHE_KEY
from monitoring.models import (
    OperatorAlertKind,
    OperatorAlertRule,
    OperatorDelivery,
    OperatorIncident,
    ProcessHeartbeat,
    Role,
)
from outbound.deliveries import DeliveryChannel, DeliveryStatus
from resilience import get_breaker, reset_breaker
from tests.feeds.builders import make_feed
from tests.harness.http_server import Reply
from tests.jobs.builders import make_job
from tests.monitoring.operator_alert_builders import make_rule, minute, receiver

pytestmark = pytest.mark.django_db
SITE = "https://mh.example.com"


@pytest.fixture(autouse=True)
def _only_the_tests_rules(settings):
    # The data migration's default rules would fire too (nothing runs in a test database).
    OperatorAlertRule.objects.all().delete()
    settings.SITE_URL = SITE
    settings.ALERT_DELIVERY_ATTEMPTS = 3


def _heartbeat(name: str, role: str, *, silent: bool) -> None:
    """A process that beats now, or whose last heartbeat (and tick) was 10 minutes ago."""
    seen = timezone.now() - timedelta(minutes=10 if silent else 0)
    fields = {"last_tick_at": seen} if role == Role.BEAT else {"queues": "celery"}
    ProcessHeartbeat.objects.update_or_create(
        name=name,
        defaults={"role": role, "host": "box", "pid": 1, "started_at": seen, "seen_at": seen}
        | fields,
    )


@dataclass
class Scenario:
    kind: str
    subject: str  # in the firing email
    reason: str
    level: str = "error"
    state: dict[str, Any] = field(default_factory=dict)


def _job(org, scenario: Scenario) -> Callable[[bool], None]:
    make_feed(org, "https://news.example/job.xml")
    job = make_job(org, name="Morning run")

    def set_state(bad: bool) -> None:
        JobExecution.objects.create(
            organization=org,
            job=job,
            status=ExecutionStatus.FAILED if bad else ExecutionStatus.SUCCEEDED,
            error_message="Database unavailable for 300 s" if bad else "",
        )

    return set_state


def _feed(org, scenario: Scenario) -> Callable[[bool], None]:
    feed = make_feed(org, "https://news.example/feed.xml", name="Daily News")

    def set_state(bad: bool) -> None:
        feed.last_status = FetchStatus.ERROR if bad else FetchStatus.OK
        feed.last_error = "HTTP 503 from news.example" if bad else ""
        feed.consecutive_failures = 4 if bad else 0
        feed.save()

    return set_state


def _breaker(org, scenario: Scenario) -> Callable[[bool], None]:
    def set_state(bad: bool) -> None:
        if bad:
            get_breaker("openai", "default").open()
        else:
            reset_breaker("openai", "default")

    return set_state


def _worker(org, scenario: Scenario) -> Callable[[bool], None]:
    def set_state(bad: bool) -> None:
        _heartbeat("celery@box", Role.WORKER, silent=bad)

    return set_state


def _beat(org, scenario: Scenario) -> Callable[[bool], None]:
    def set_state(bad: bool) -> None:
        _heartbeat("beat@box", Role.BEAT, silent=bad)

    return set_state


def _collector(org, scenario: Scenario) -> Callable[[bool], None]:
    def set_state(bad: bool) -> None:
        cache.set(STATUS_CACHE_KEY, {"updated_at": time.time(), "lag_seconds": 300 if bad else 0})

    return set_state


def _quota(org, scenario: Scenario) -> Callable[[bool], None]:
    UsageDaily.objects.create(organization=org, date=timezone.now().date(), tokens_in=1500)

    def set_state(bad: bool) -> None:
        org.llm_monthly_token_quota = 1000 if bad else 100_000
        org.save()

    return set_state


def _disk(org, scenario: Scenario) -> Callable[[bool], None]:
    # The one stand-in: a nearly full disk cannot be made for a test. The check is real.
    from monitoring import system_health

    patch = scenario.state["monkeypatch"]

    def set_state(bad: bool) -> None:
        free = 3 if bad else 60
        usage = SimpleNamespace(total=100 * 2**30, used=(100 - free) * 2**30, free=free * 2**30)
        patch.setattr(system_health, "shutil", SimpleNamespace(disk_usage=lambda path: usage))

    return set_state


SCENARIOS = {
    OperatorAlertKind.JOB_FAILED: (
        _job,
        Scenario(
            "job_failed", "Job “Morning run” (Organization A)", "failed: Database unavailable"
        ),
    ),
    OperatorAlertKind.FEED_FAILING: (
        _feed,
        Scenario("feed_failing", "Feed “Daily News” (Organization A)", "HTTP 503 from news"),
    ),
    OperatorAlertKind.BREAKER_OPEN: (
        _breaker,
        Scenario("breaker_open", "Circuit breakers and providers: openai default", "open"),
    ),
    OperatorAlertKind.NO_WORKER: (_worker, Scenario("no_worker", "Workers", "No live worker")),
    OperatorAlertKind.NO_BEAT: (
        _beat,
        Scenario("no_beat", "Beat", "Beat silent: last tick 10 min"),
    ),
    OperatorAlertKind.COLLECTOR_LAGGING: (
        _collector,
        Scenario("collector_lagging", "Log collector", "Lagging 300 s behind", level="warn"),
    ),
    OperatorAlertKind.QUOTA_REACHED: (
        _quota,
        Scenario("quota_reached", "LLM quota this month: Organization A", "quota reached"),
    ),
    OperatorAlertKind.DISK_FULL: (_disk, Scenario("disk_full", "Disk (VAR_DIR)", "3% free")),
}


def test_every_kind_has_a_scenario():
    assert set(SCENARIOS) == set(OperatorAlertKind)


@pytest.mark.parametrize("kind", list(OperatorAlertKind))
def test_each_kind_fires_once_and_resolves_once_by_email_and_signed_webhook(
    kind, org_a, smtp_server, http_server, monkeypatch
):
    build, scenario = SCENARIOS[kind]
    scenario.state["monkeypatch"] = monkeypatch
    set_state = build(org_a, scenario)
    rule = make_rule(kind, level=scenario.level, webhook_url=http_server.url_for("/ops"))
    http_server.add_route("/ops", receiver(rule.webhook_secret))
    set_state(False)
    assert minute() == []  # healthy: nothing

    set_state(True)
    minute()
    minute()  # still broken: no second message

    [incident] = OperatorIncident.objects.filter(rule=rule)
    assert incident.status == "firing"
    [email] = smtp_server.messages
    assert email["To"] == "ops@example.com"
    assert email["Subject"].strip().startswith("[Marketing Hunting ops] FIRING: ")
    body = email.get_content()
    assert scenario.subject in body and scenario.reason in body
    assert f"{SITE}/admin/monitoring/operatorincident/" in body
    [call] = http_server.requests_to("/ops")
    payload = json.loads(call.body)
    assert payload["type"] == "operator_alert.firing"
    assert payload["event_id"] == call.headers["x-mh-event-id"]
    assert payload["incidents"][0]["subject"] == incident.subject
    assert payload["rule"]["kind"] == kind
    sent = OperatorDelivery.objects.filter(status=DeliveryStatus.SENT)
    assert sent.count() == 2  # the receiver accepted the signature (else 401, not sent)

    set_state(False)
    minute()
    minute()  # still healthy: no second "resolved"

    incident.refresh_from_db()
    assert incident.status == "resolved" and incident.resolved_at is not None
    assert [m["Subject"].strip().split(":")[0] for m in smtp_server.messages] == [
        "[Marketing Hunting ops] FIRING",
        "[Marketing Hunting ops] RESOLVED",
    ]
    resolved = json.loads(http_server.requests_to("/ops")[1].body)
    assert resolved["type"] == "operator_alert.resolved"
    assert resolved["incidents"][0]["resolved_at"] is not None
    assert OperatorDelivery.objects.filter(status=DeliveryStatus.SENT).count() == 4


def test_a_problem_must_last_the_rules_minutes_and_one_that_clears_sooner_is_never_sent(
    org_a, smtp_server
):
    set_state = _job(org_a, SCENARIOS[OperatorAlertKind.JOB_FAILED][1])
    rule = make_rule(OperatorAlertKind.JOB_FAILED, for_minutes=10)
    start = timezone.now()
    set_state(True)
    minute(start)
    minute(start + timedelta(minutes=5))
    set_state(False)
    minute(start + timedelta(minutes=6))  # cleared before firing

    set_state(True)
    minute(start + timedelta(minutes=7))
    minute(start + timedelta(minutes=16))
    assert smtp_server.messages == []
    minute(start + timedelta(minutes=17))
    minute(start + timedelta(minutes=18))

    first, second = OperatorIncident.objects.filter(rule=rule).order_by("id")
    assert first.status == "cleared before firing"
    assert second.status == "firing"
    assert second.fired_at == start + timedelta(minutes=17)
    assert second.last_seen_at == start + timedelta(minutes=18)
    [email] = smtp_server.messages
    assert "FIRING" in email["Subject"]


def test_problems_that_fire_together_are_one_message(org_a, smtp_server):
    feeds = [make_feed(org_a, f"https://news.example/{n}.xml", name=f"F{n}") for n in range(3)]
    for feed in feeds:
        feed.last_status, feed.last_error = FetchStatus.ERROR, "Connection refused"
        feed.save()
    make_rule(OperatorAlertKind.FEED_FAILING)

    minute()

    assert OperatorIncident.objects.count() == 3
    [email] = smtp_server.messages
    assert email["Subject"].strip() == "[Marketing Hunting ops] FIRING: Feed failing: 3 incidents"
    assert all(f"Feed “F{n}”" in email.get_content() for n in range(3))


def test_a_webhook_down_or_failing_is_retried_and_recorded_without_holding_the_email(
    org_a, smtp_server, http_server
):
    from tests.harness.smtp_server import free_port

    set_state = _job(org_a, SCENARIOS[OperatorAlertKind.JOB_FAILED][1])
    down = make_rule("job_failed", name="Down", webhook_url=f"http://127.0.0.1:{free_port()}/x")
    http_server.add_route("/ops", Reply(status=500))
    failing = make_rule("job_failed", name="Failing", webhook_url=http_server.url_for("/ops"))
    set_state(True)

    started = time.monotonic()
    minute()
    assert time.monotonic() - started < 15  # one refused connection, one 500: no waiting

    assert len(smtp_server.messages) == 2  # each rule's email went, whatever its webhook did
    hooks = OperatorDelivery.objects.filter(channel=DeliveryChannel.WEBHOOK)
    by_rule = {d.notification.rule_id: d for d in hooks.select_related("notification")}
    refused, answered = by_rule[down.pk], by_rule[failing.pk]
    assert refused.status == DeliveryStatus.PENDING and refused.attempts == 1
    assert "refused" in refused.last_error.lower()
    assert answered.status == DeliveryStatus.PENDING and answered.response_status == 500
    assert answered.last_error == "the receiver answered HTTP 500"
    assert answered.next_attempt_at > timezone.now()

    # The receiver is back: the sweep of a later evaluation sends it, with the same event id.
    http_server.add_route("/ops", receiver(failing.webhook_secret))
    minute(timezone.now() + timedelta(hours=1))
    answered.refresh_from_db()
    assert answered.status == DeliveryStatus.SENT and answered.attempts == 2
    first, second = http_server.requests_to("/ops")
    assert first.headers["x-mh-event-id"] == second.headers["x-mh-event-id"]
    # The one still refused fails for good after ALERT_DELIVERY_ATTEMPTS, and is shown.
    minute(timezone.now() + timedelta(hours=2))
    refused.refresh_from_db()
    assert refused.status == DeliveryStatus.FAILED and refused.attempts == 3
    assert OperatorIncident.objects.filter(resolved_at=None).count() == 2  # nothing re-fired
    assert len(smtp_server.messages) == 2
