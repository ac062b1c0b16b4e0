"""How operator alerts are evaluated: never twice for one incident when evaluations overlap,
a bounded number of queries, a fallback in beat and workers when either is gone, on the
maintenance queue every minute, and the rules and incidents in the admin."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from feeds.models import FetchStatus
from jobs.models import ExecutionStatus, JobExecution
from jobs.schedules import SCHEDULES
from marketing_hunting.queues import MAIL, MAINTENANCE, route_task
from monitoring.models import (
    OperatorAlertKind,
    OperatorAlertRule,
    OperatorDelivery,
    OperatorIncident,
    OperatorNotification,
)
from monitoring.operator_alerts import operator_alerts_evaluate, operator_alerts_fallback
from tests.feeds.builders import make_feed
from tests.jobs.builders import make_job
from tests.monitoring.operator_alert_builders import make_rule, minute

# One evaluation with the eight kinds of rule and nothing changing; see the budget in
# monitoring/operator_alerts.py. It must not grow with the number of failing feeds and jobs.
QUERY_BUDGET = 9


def _failing_feeds(org, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        make_feed(
            org,
            f"https://news.example/{i}.xml",
            name=f"Feed {i}",
            last_status=FetchStatus.ERROR,
            last_error="HTTP 503",
        )


def _failed_job(org, name: str):
    job = make_job(org, name=name)
    JobExecution.objects.create(organization=org, job=job, status=ExecutionStatus.FAILED)
    return job


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    "__import__('django.db').db.connection.vendor != 'postgresql'",
    reason="concurrent transactions: PostgreSQL (SQLite takes one writer at a time anyway)",
)
def test_evaluations_running_at_once_open_one_incident_and_send_one_message_each_way(org_a):
    OperatorAlertRule.objects.all().delete()  # the defaults (a flushed database has none)
    _failing_feeds(org_a, 1)
    make_rule(OperatorAlertKind.FEED_FAILING)

    def together(threads: int = 4) -> None:
        barrier = threading.Barrier(threads)
        errors: list[BaseException] = []

        def evaluate() -> None:
            try:
                barrier.wait(timeout=30)
                operator_alerts_evaluate(enqueue=False)
            except BaseException as error:  # reported by the test, not lost in a thread
                errors.append(error)
            finally:
                connection.close()

        workers = [threading.Thread(target=evaluate) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        assert errors == []

    for _ in range(3):
        together()
    assert OperatorIncident.objects.count() == 1
    assert OperatorNotification.objects.filter(event="firing").count() == 1
    assert OperatorDelivery.objects.count() == 1

    from feeds.models import Feed

    Feed.objects.update(last_status=FetchStatus.OK, last_error="")
    for _ in range(3):
        together()
    assert OperatorIncident.objects.get().resolved_at is not None
    assert OperatorNotification.objects.filter(event="resolved").count() == 1
    assert OperatorDelivery.objects.count() == 2


@pytest.mark.django_db
def test_an_evaluation_stays_within_its_query_budget_however_many_problems(org_a):
    OperatorAlertRule.objects.update(email_recipients="ops@example.com", for_minutes=0)
    assert OperatorAlertRule.objects.count() == len(OperatorAlertKind)  # the defaults
    make_feed(org_a, "https://news.example/ok.xml")
    _failing_feeds(org_a, 2)
    _failed_job(org_a, "Run 0")
    operator_alerts_evaluate(enqueue=False)  # opens them
    with CaptureQueriesContext(connection) as few:
        operator_alerts_evaluate(enqueue=False)

    _failing_feeds(org_a, 30, start=2)
    for n in range(1, 15):
        _failed_job(org_a, f"Run {n}")
    operator_alerts_evaluate(enqueue=False)
    with CaptureQueriesContext(connection) as many:
        operator_alerts_evaluate(enqueue=False)

    assert OperatorIncident.objects.filter(key__startswith="feed:").count() == 32
    assert OperatorIncident.objects.filter(key__startswith="job:").count() == 15
    assert len(many) == len(few) <= QUERY_BUDGET


@pytest.mark.django_db
def test_with_no_evaluation_for_minutes_beat_or_a_worker_evaluates_and_sends_itself(smtp_server):
    # No worker heartbeat: exactly when the scheduled task cannot run.
    OperatorAlertRule.objects.exclude(kind=OperatorAlertKind.NO_WORKER).update(enabled=False)
    OperatorAlertRule.objects.update(email_recipients="ops@example.com", for_minutes=0)
    OperatorAlertRule.objects.update(evaluated_at=timezone.now() - timedelta(minutes=10))

    assert operator_alerts_fallback() is True

    [email] = smtp_server.messages  # sent from here, not left on the mail queue
    assert "FIRING: No live worker" in email["Subject"]
    with CaptureQueriesContext(connection) as queries:
        assert operator_alerts_fallback() is False  # it just ran
    assert len(queries) == 1


@pytest.mark.django_db
def test_resolved_incidents_are_purged_after_the_retention_but_open_ones_stay(org_a, smtp_server):
    from monitoring.operator_alerts import operator_incidents_purge

    OperatorAlertRule.objects.exclude(kind=OperatorAlertKind.FEED_FAILING).delete()
    OperatorAlertRule.objects.update(for_minutes=0, email_recipients="ops@example.com")
    _failing_feeds(org_a, 2)
    long_ago = timezone.now() - timedelta(days=200)
    minute(long_ago)
    from feeds.models import Feed

    Feed.objects.filter(name="Feed 0").update(last_status=FetchStatus.OK)
    minute(long_ago + timedelta(minutes=1))
    OperatorNotification.objects.update(created_at=long_ago)

    operator_incidents_purge(older_than_days=180)

    [still_open] = OperatorIncident.objects.all()
    assert still_open.subject == "Feed “Feed 1” (Organization A)"
    assert OperatorDelivery.objects.count() == 0 and OperatorNotification.objects.count() == 0


def test_the_evaluation_runs_every_minute_on_the_maintenance_queue_and_sends_on_the_mail_one():
    [schedule] = [s for s in SCHEDULES if s.task == "monitoring.evaluate_operator_alerts"]
    assert schedule.every_seconds == 60
    assert route_task("monitoring.evaluate_operator_alerts", (), {}, {}) == {"queue": MAINTENANCE}
    assert route_task("monitoring.send_operator_delivery", (1,), {}, {}) == {"queue": MAIL}


# --- The admin -----------------------------------------------------------------------------------


@pytest.fixture
def operator(alice):
    alice.is_staff = alice.is_superuser = True
    alice.save()
    return alice


RULES = "/admin/monitoring/operatoralertrule/"
INCIDENTS = "/admin/monitoring/operatorincident/"


@pytest.mark.django_db
def test_the_default_rules_are_listed_and_editable_with_clear_errors(client_for, operator):
    client = client_for(operator)
    body = client.get(RULES).content.decode()
    for kind in OperatorAlertKind:
        assert kind.label in body
    rule = OperatorAlertRule.objects.get(kind=OperatorAlertKind.FEED_FAILING)
    assert rule.for_minutes == 360 and rule.enabled
    form = {
        "name": rule.name,
        "kind": rule.kind,
        "enabled": "on",
        "level": "error",
        "for_minutes": "120",
        "email_recipients": "ops@example.com, nope",
        "webhook_url": "ftp://hooks.example.com/x",
        "webhook_secret": rule.webhook_secret,
    }

    refused = client.post(f"{RULES}{rule.pk}/change/", form).content.decode()

    assert "Not an address: nope" in refused
    assert "Only http and https" in refused
    rule.refresh_from_db()
    assert rule.for_minutes == 360  # nothing saved
    form |= {"email_recipients": "ops@example.com\noncall@example.com", "webhook_url": ""}
    assert client.post(f"{RULES}{rule.pk}/change/", form).status_code == 302
    rule.refresh_from_db()
    assert rule.for_minutes == 120
    assert rule.recipient_list() == ["ops@example.com", "oncall@example.com"]


@pytest.mark.django_db
def test_incidents_are_listed_read_only_with_their_status(client_for, operator, org_a):
    OperatorAlertRule.objects.exclude(kind=OperatorAlertKind.FEED_FAILING).delete()
    OperatorAlertRule.objects.update(for_minutes=0)
    _failing_feeds(org_a, 1)
    start = timezone.now()
    minute(start)
    from feeds.models import Feed

    Feed.objects.update(last_status=FetchStatus.OK)
    minute(start + timedelta(minutes=1))
    _failing_feeds(org_a, 1, start=1)
    minute(start + timedelta(minutes=2))
    client = client_for(operator)

    body = client.get(INCIDENTS).content.decode()
    firing = client.get(INCIDENTS + "?status=firing").content.decode()

    assert "Feed “Feed 0” (Organization A)" in body and "resolved" in body
    assert "Feed “Feed 1” (Organization A)" in firing and "Feed 0" not in firing
    incident = OperatorIncident.objects.first()
    assert client.get(f"{INCIDENTS}add/").status_code == 403
    page = client.get(f"{INCIDENTS}{incident.pk}/change/").content.decode()
    assert 'name="_save"' not in page  # view only
