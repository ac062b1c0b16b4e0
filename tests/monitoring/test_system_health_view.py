"""The System health page of the operator console: staff only, every part with its reason,
a bounded number of queries per refresh, and it renders whatever is down."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from accounts.models import UsageDaily
from accounts.services import organization_create
from monitoring.models import (
    OperatorAlertKind,
    OperatorAlertRule,
    OperatorIncident,
    ProcessHeartbeat,
    Role,
)
from tests.feeds.builders import make_feed
from tests.jobs.builders import make_job as _make_job

URL = "/admin/system-health/"
# Queries of one refresh, whatever the number of workers, schedules and organizations:
# session, user, membership and the admin's two permission reads (5); the latency probe and,
# on PostgreSQL, connections and size (1-2); heartbeats, schedules, quotas, alert deliveries,
# digest deliveries (5), open operator incidents with their rules (1: the page is where an
# operator looks first, so what has fired is listed there). Breakers, providers and the
# collector's state are read from Redis or the cache.
QUERY_BUDGET = 13


def make_job(organization, **values):
    make_feed(organization, f"https://news.example/{organization.pk}.xml")
    return _make_job(organization, **values)


def _heartbeat(name: str, role: str = Role.WORKER, *, seen_ago: float = 5, **fields) -> None:
    now = timezone.now()
    ProcessHeartbeat.objects.create(
        role=role,
        name=name,
        host="box",
        pid=4321,
        started_at=now - timedelta(hours=1),
        seen_at=now - timedelta(seconds=seen_ago),
        **fields,
    )


def _incident(key: str, *, fired: bool, rule=None, **fields):
    rule = (
        rule
        or OperatorAlertRule.objects.get_or_create(
            name="Feeds", defaults={"kind": OperatorAlertKind.FEED_FAILING, "level": "error"}
        )[0]
    )
    now = timezone.now()
    values = {"subject": f"Feed {key}", "reason": "3 failed fetches in a row: HTTP 404"}
    values.update(fields)
    return OperatorIncident.objects.create(
        rule=rule,
        key=key,
        opened_at=now - timedelta(minutes=30),
        last_seen_at=now,
        fired_at=now - timedelta(minutes=20) if fired else None,
        **values,
    )


@pytest.fixture
def operator(alice):
    alice.is_staff = True
    alice.save()
    return alice


def _section(body: str, key: str) -> str:
    match = re.search(rf'<section [^>]*id="health-{key}"(.*?)</section>', body, re.S)
    assert match, f"no {key} section"
    return match.group(1)


def test_anyone_but_staff_is_sent_to_the_admin_login(client, client_for, bob):
    for response in (client.get(URL), client_for(bob).get(URL)):
        assert response.status_code == 302
        assert response.url.startswith("/admin/login/")


def test_the_admin_index_links_to_it(client_for, operator):
    body = client_for(operator).get("/admin/").content.decode()

    assert f'href="{URL}"' in body


def test_it_shows_live_and_dead_workers_beat_and_quotas_with_reasons(client_for, operator, org_a):
    _heartbeat("celery@live", concurrency=4, active_tasks=1, reserved_tasks=2, queues="celery")
    _heartbeat("celery@dead", seen_ago=600)
    _heartbeat("beat@box", Role.BEAT, last_tick_at=timezone.now() - timedelta(seconds=3))
    make_job(org_a)
    # A ticking beat has run its schedules: without this, every schedule of a minute written
    # when the test database was last flushed (minutes earlier in a long run) is "overdue".
    PeriodicTask.objects.update(last_run_at=timezone.now())
    org_a.llm_monthly_token_quota = 1000
    org_a.save()
    UsageDaily.objects.create(
        organization=org_a, date=timezone.now().date(), tokens_in=900, tokens_out=200
    )

    response = client_for(operator).get(URL)

    assert response.status_code == 200
    body = response.content.decode()
    for key in ("database", "broker", "workers", "beat", "collector", "breakers", "quota", "disk"):
        assert f'id="health-{key}"' in body
    workers = _section(body, "workers")
    assert "1 live, 1 gone" in workers
    assert "celery@live" in workers and "concurrency 4" in workers and "1 active" in workers
    assert "Silent: last heartbeat 10 min ago" in workers
    beat = _section(body, "beat")
    # 3 s when the page answers at once; a busy machine (CI runs two suites side by side) can
    # take seconds more to answer, so any age from 3 s up to a generous ceiling is right.
    ticked = re.search(r"Ticking: last tick (\d+) s ago", beat)
    assert ticked and 3 <= int(ticked.group(1)) <= 60, beat
    assert "due " in beat  # the job's schedule and the built-in ones
    quota = _section(body, "quota")
    assert 'class="module health-item health-error"' in body
    assert "Organization A" in quota and "1,100 tokens of 1,000" in quota
    assert "quota reached" in quota
    assert "free" in _section(body, "disk")
    assert "Never reported" in _section(body, "collector")


def test_no_worker_and_no_beat_are_red_with_the_reason(client_for, operator):
    body = client_for(operator).get(URL).content.decode()

    assert "No worker has ever reported" in _section(body, "workers")
    assert "Beat has never reported" in _section(body, "beat")


def test_an_htmx_refresh_returns_the_panel_alone(client_for, operator):
    _heartbeat("celery@live")

    response = client_for(operator).get(URL, HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert body.lstrip().startswith('<div id="health-panel"')
    assert "<html" not in body
    assert 'hx-trigger="every 10s"' in body
    assert "celery@live" in body


def test_it_lists_open_operator_incidents_firing_first_with_a_link_to_the_admin(
    client_for, operator
):
    _incident("feed:1", fired=False, subject="Feed “Pending one” (Acme)")
    _incident("feed:2", fired=True, subject="Feed “Firing one” (Acme)")
    _incident("feed:3", fired=True, subject="Feed “Over” (Acme)", resolved_at=timezone.now())

    body = client_for(operator).get(URL).content.decode()

    section = _section(body, "incidents")
    assert "1 firing, 1 pending" in section
    assert 'class="module health-item health-error" id="health-incidents"' in body
    assert section.index("Firing one") < section.index("Pending one")
    assert "firing since 20 min ago (Feeds): 3 failed fetches in a row: HTTP 404" in section
    assert "Over" not in section  # resolved
    assert 'href="/admin/monitoring/operatorincident/?status=open"' in section
    assert 'href="/admin/monitoring/operatoralertrule/"' in section


def test_no_open_incident_is_green_and_only_pending_ones_amber(client_for, operator):
    client = client_for(operator)
    body = client.get(URL).content.decode()
    assert "None open" in _section(body, "incidents")
    assert 'class="module health-item health-ok" id="health-incidents"' in body

    _incident("feed:1", fired=False)

    body = client.get(URL).content.decode()
    assert 'class="module health-item health-warn" id="health-incidents"' in body
    assert "</span> 1 pending</p>" in _section(body, "incidents")


def _queries_of_one_refresh(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, HTTP_HX_REQUEST="true").status_code == 200
    return len(queries)


def test_a_refresh_stays_within_its_query_budget_however_much_there_is(client_for, operator, org_a):
    client = client_for(operator)
    client.get(URL)  # The first request of a session saves it; refreshes do not.
    _heartbeat("celery@one")
    _heartbeat("beat@box", Role.BEAT)
    make_job(org_a)
    few = _queries_of_one_refresh(client)

    for n in range(15):
        _heartbeat(f"celery@w{n}", seen_ago=n * 20)
        organization = organization_create(name=f"Org {n}")
        organization.llm_monthly_token_quota = 1000 + n
        organization.save()
        today = timezone.now().date()
        UsageDaily.objects.create(organization=organization, date=today, tokens_in=n)
        make_job(organization, name=f"Run {n}")
        _incident(f"feed:{n}", fired=n % 2 == 0)
    many = _queries_of_one_refresh(client)

    assert many == few
    assert many <= QUERY_BUDGET


def test_it_renders_and_says_so_when_the_database_cannot_be_read_for_a_part(
    client_for, operator, monkeypatch
):
    # One part failing (here the quota query) is reported in its own box; the page renders.
    from monitoring import system_health

    def broken(today):
        raise RuntimeError("relation does not exist")

    monkeypatch.setattr(system_health, "quota_item", broken)

    body = client_for(operator).get(URL).content.decode()

    assert "Could not be read: RuntimeError: relation does not exist" in _section(body, "quota")


@pytest.mark.skipif("not __import__('django.conf').conf.settings.REDIS_URL")
def test_a_worker_that_does_not_answer_inspect_costs_at_most_the_timeout(client_for, operator):
    # Its heartbeat row is fresh, but no such worker exists to answer the broadcast.
    _heartbeat("celery@ghost")
    client = client_for(operator)

    started = time.monotonic()
    body = client.get(URL).content.decode()
    elapsed = time.monotonic() - started

    workers = _section(body, "workers")
    assert "no answer to inspect in time" in workers
    assert "0 of 1 answered within 1 s" in workers
    assert elapsed < 10  # one 1 s timeout (three calls in parallel), far from a hang


def test_with_redis_down_the_page_renders_and_says_so(transactional_db, operator):
    from tests.harness.web_process import web_process
    from tests.monitoring.test_redis_outage_pages import ANSWER_CEILING_SECONDS, Browser

    _heartbeat("celery@live")
    # Nothing listens on port 9: Redis (broker, cache, breakers) is down from the start.
    with web_process(REDIS_URL="redis://127.0.0.1:9/0", REDIS_TIMEOUT="1") as base_url:
        status, body, seconds = Browser(base_url, operator).request(URL)

    assert status == 200
    assert seconds < ANSWER_CEILING_SECONDS
    assert "Redis not answering" in _section(body, "broker")
    assert "breaker states unknown" in _section(body, "breakers")
    assert "Redis is not answering" in _section(body, "collector")
    assert "Answering" in _section(body, "database")
    assert "celery@live" in _section(body, "workers")


def test_the_broker_lists_every_queue_with_its_waiting_messages(
    transactional_db, client_for, operator
):
    from marketing_hunting import queues
    from marketing_hunting.celery import app

    app.control.purge()
    with app.producer_or_acquire() as producer:
        for _ in range(2):  # Waiting on the maintenance queue; no worker takes it here.
            app.send_task("jobs.sweep_stuck_executions", producer=producer)

    broker = _section(client_for(operator).get(URL).content.decode(), "broker")
    app.control.purge()

    listed = dict(re.findall(r"<strong>([\w-]+)</strong>\s*(\d+) messages? waiting", broker))
    assert set(listed) == {*queues.QUEUES, queues.DEFAULT}
    assert listed["maintenance"] == "2"
    assert listed["ingest"] == "0"


def test_failing_alert_deliveries_are_amber_with_where_to_look(client_for, operator, org_a):
    from reports.alerts.models import AlertDelivery, DeliveryChannel, DeliveryStatus
    from tests.reports.alert_builders import make_rule
    from tests.reports.page_data import make_brand

    client = client_for(operator)
    assert "None failing" in _section(client.get(URL).content.decode(), "alerts")
    brand = make_brand(org_a, "Acme Corp")
    alert = make_rule(org_a).alerts.create(
        organization=org_a,
        brand=brand,
        kind="spike",
        brand_name="Acme Corp",
        summary="Acme Corp: 5 mentions",
        window_start=timezone.now(),
        window_end=timezone.now(),
    )
    AlertDelivery.objects.create(
        organization=org_a,
        alert=alert,
        channel=DeliveryChannel.EMAIL,
        recipient="alice@example.com",
        status=DeliveryStatus.FAILED,
        attempts=5,
        next_attempt_at=timezone.now(),
    )

    section = _section(client.get(URL).content.decode(), "alerts")

    assert "amber" in section
    assert "1 failed every attempt: Admin → Alert deliveries" in section
