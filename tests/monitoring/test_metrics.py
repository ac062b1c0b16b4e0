"""/metrics: who may read it, what the app counts, and the series read at scrape time.

Counters live in files shared by every process (prometheus-client's multiprocess mode) and
only ever grow, so each test compares a scrape before and after what it does.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from feeds.services.extract import articles_extract
from jobs.models import ExecutionStatus, JobExecution
from jobs.services.executions import execution_claim, execution_enqueue, execution_finish
from jobs.services.sweep import execution_sweep_stuck
from monitoring import metrics_collector
from monitoring.models import ProcessHeartbeat, Role
from resilience import PermanentFailure, RetryPolicy, call_openai
from tests.feeds.builders import article_page, make_feed
from tests.feeds.test_extract_service import ingest
from tests.harness.http_server import Reply
from tests.jobs.builders import make_job

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
HTML = {"Content-Type": "text/html; charset=utf-8"}
Series = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client, **headers) -> Series:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    series: Series = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            series[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return series


def value(series: Series, series_name: str, **labels: str) -> float:
    return series.get((series_name, frozenset(labels.items())), 0.0)


# --- Access ---------------------------------------------------------------------------------


def test_a_client_on_this_machine_reads_it_without_a_token(client):
    series = scrape(client)  # the test client's REMOTE_ADDR is 127.0.0.1

    assert value(series, "mh_metrics_read_errors", part="executions") == 0


def test_another_address_without_the_token_is_refused_and_told_why(client):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 403
    body = response.content.decode()
    assert "METRICS_TOKEN" in body and "METRICS_ALLOWED_NETWORKS" in body
    assert "mh_" not in body


def test_the_token_admits_any_address_and_a_wrong_one_is_refused_even_locally(client, settings):
    settings.METRICS_TOKEN = "scrape-secret-0123456789"

    scrape(client, REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer scrape-secret-0123456789")
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer guess")

    assert wrong.status_code == 403


def test_an_allowed_network_admits_its_addresses(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.20.0.0/16"]

    scrape(client, REMOTE_ADDR="10.20.3.4")
    assert client.get("/metrics").status_code == 403  # loopback is no longer listed


def test_turned_off_it_is_a_404_and_nothing_is_counted(client, settings):
    before = scrape(client)
    settings.METRICS_ENABLED = False

    assert client.get("/metrics").status_code == 404
    client.get("/healthz")

    settings.METRICS_ENABLED = True
    after = scrape(client)
    name = "mh_http_request_duration_seconds_count"
    labels = {"view": "healthz", "method": "GET", "status": "2xx"}
    assert value(after, name, **labels) == value(before, name, **labels)


def test_a_malformed_allowed_network_stops_start_up_with_a_message(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "DEBUG": "true",
        "SECRET_KEY": "x" * 50,
        "VAR_DIR": str(tmp_path),
        "METRICS_ALLOWED_NETWORKS": "10.0.0.0/8, office",
        "DJANGO_SETTINGS_MODULE": "marketing_hunting.settings",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "METRICS_ALLOWED_NETWORKS: 'office' is not a network" in result.stderr


# --- Counted as the app works --------------------------------------------------------------


def test_requests_are_timed_per_view_not_per_address(client, alice, client_for):
    name = "mh_http_request_duration_seconds_count"
    before = scrape(client)
    signed_in = client_for(alice)
    for pk in (10_001, 10_002):  # two addresses of one view, neither found
        assert signed_in.get(f"/reports/{pk}/").status_code == 404
    client.get("/no-such-page/")

    after = scrape(client)

    view = {"view": "reports:detail", "method": "GET", "status": "4xx"}
    assert value(after, name, **view) - value(before, name, **view) == 2
    unmatched = {"view": "unmatched", "method": "GET", "status": "4xx"}
    assert value(after, name, **unmatched) - value(before, name, **unmatched) == 1
    assert not any("10001" in str(labels) for _, labels in after)


def test_feed_downloads_and_article_pages_are_counted_by_outcome(client, http_server, org_a):
    before = scrape(client)
    ids = ingest(
        http_server,
        org_a,
        {
            "/good": Reply(body=article_page("Good"), headers=HTML),
            "/gone": Reply(status=404),
        },
    )
    articles_extract(article_ids=ids)
    http_server.add_route("/broken.xml", Reply(status=500))
    from feeds.services.refresh import feed_refresh

    feed_refresh(feed=make_feed(org_a, http_server.url_for("/broken.xml"), name="broken"))

    after = scrape(client)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("mh_feed_fetches_total", outcome="ok") == 1
    assert grew("mh_feed_fetches_total", outcome="failed") == 1
    assert grew("mh_article_pages_total", outcome="extracted") == 1
    assert grew("mh_article_pages_total", outcome="http_error") == 1


def test_provider_calls_are_counted_after_retries_with_their_requests(
    client, openai_server, settings
):
    import openai

    settings.BREAKER_FAIL_MAX = 1000
    llm = openai.OpenAI(base_url=openai_server.base_url, api_key="t", max_retries=0, timeout=5)

    def ask():
        return llm.chat.completions.create(model="m", messages=[{"role": "user", "content": "?"}])

    policy = RetryPolicy(max_attempts=3, max_elapsed=60, initial_wait=0.01, max_wait=0.01)
    before = scrape(client)
    openai_server.reply_json({"brands": []})
    call_openai(ask, policy=policy, sleep=lambda _: None)
    openai_server.status(400)
    with pytest.raises(PermanentFailure):
        call_openai(ask, policy=policy, sleep=lambda _: None)

    after = scrape(client)

    labels = {"provider": "openai", "endpoint": "chat.completions"}
    ok = value(after, "mh_provider_calls_total", **labels, outcome="ok")
    refused = value(after, "mh_provider_calls_total", **labels, outcome="permanent")
    assert ok - value(before, "mh_provider_calls_total", **labels, outcome="ok") == 1
    assert refused - value(before, "mh_provider_calls_total", **labels, outcome="permanent") == 1
    sent = value(after, "mh_provider_requests_total", **labels)
    assert sent - value(before, "mh_provider_requests_total", **labels) == 2


def test_llm_tokens_and_cost_are_counted_per_model(client, org_a, openai_server, settings):
    from reports.services.analyse import report_analyse
    from tests.reports.analysis_data import brand, llm_answer, make_article

    nike = brand("Nike", "Nike reported record sales in Europe on Tuesday", sentiment=0.6)

    settings.OPENAI_MODEL = "gpt-4o-mini"
    openai_server.reply_json(llm_answer(nike), prompt_tokens=1000, completion_tokens=200)
    before = scrape(client)

    report_analyse(article=make_article(org_a))

    after = scrape(client)
    tokens_in = {"model": "gpt-4o-mini", "direction": "in"}
    tokens_out = {"model": "gpt-4o-mini", "direction": "out"}
    assert (
        value(after, "mh_llm_tokens_total", **tokens_in)
        - value(before, "mh_llm_tokens_total", **tokens_in)
        == 1000
    )
    assert (
        value(after, "mh_llm_tokens_total", **tokens_out)
        - value(before, "mh_llm_tokens_total", **tokens_out)
        == 200
    )
    cost = value(after, "mh_llm_cost_usd_total", model="gpt-4o-mini") - value(
        before, "mh_llm_cost_usd_total", model="gpt-4o-mini"
    )
    assert cost == pytest.approx(0.00027)


def test_finished_and_swept_runs_are_counted_once_committed(
    client, org_a, settings, django_capture_on_commit_callbacks
):
    make_feed(org_a, "https://news.example/feed.xml")
    job = make_job(org_a)
    done = execution_enqueue(job=job)
    execution_claim(execution_id=done.pk, task_id="t1", hostname="celery@box", pid=1)
    silent = execution_enqueue(job=job)
    execution_claim(execution_id=silent.pk, task_id="t2", hostname="celery@box", pid=2)
    past = timezone.now() - timedelta(seconds=settings.STUCK_AFTER_SECONDS + 30)
    JobExecution.objects.filter(pk=silent.pk).update(heartbeat_at=past, started_at=past)
    before = scrape(client)
    assert value(before, "mh_job_executions_stuck") == 1
    assert value(before, "mh_job_executions_active", status="running") == 2

    with django_capture_on_commit_callbacks(execute=True):
        execution_finish(execution_id=done.pk, status=ExecutionStatus.SUCCEEDED)
        execution_sweep_stuck(use_inspect=False)

    after = scrape(client)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("mh_job_executions_finished_total", status="succeeded") == 1
    assert grew("mh_job_executions_finished_total", status="failed") == 1
    assert grew("mh_job_executions_swept_total") == 1
    assert value(after, "mh_job_executions_stuck") == 0
    assert value(after, "mh_job_executions_active", status="running") == 0


def test_counts_from_another_process_are_added_up(client, tmp_path):
    """What a worker process counts reaches the web process's /metrics (one shared folder)."""
    name = "mh_feed_fetches_total"
    before = value(scrape(client), name, outcome="not_modified")
    script = (
        "import django; django.setup()\n"
        "from monitoring.metrics import count_feed_fetch\n"
        "for _ in range(3): count_feed_fetch('not_modified')\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, timeout=120)

    assert value(scrape(client), name, outcome="not_modified") - before == 3


# --- Read at scrape time ------------------------------------------------------------------


def test_queue_lengths_are_read_from_the_broker(client, transactional_db):
    from marketing_hunting.celery import app

    before = value(scrape(client), "mh_queue_messages", queue="maintenance")
    # A message no worker of this test consumes, purged afterwards.
    app.send_task("monitoring.tests.no_such_task", queue="maintenance")
    try:
        after = value(scrape(client), "mh_queue_messages", queue="maintenance")
    finally:
        with app.connection_for_write() as connection:
            connection.default_channel.queue_purge("maintenance")

    assert after - before == 1


def test_each_live_process_reports_how_long_ago_it_beat(client):
    now = timezone.now()
    ProcessHeartbeat.objects.create(
        role=Role.WORKER,
        name="celery@metrics-test",
        host="metrics-test",
        pid=4242,
        started_at=now - timedelta(hours=1),
        seen_at=now - timedelta(seconds=90),
    )

    series = scrape(client)

    age = value(
        series, "mh_process_heartbeat_age_seconds", role="worker", name="celery@metrics-test"
    )
    assert 90 <= age < 90 + 60


def test_an_open_breaker_shows_as_open(client, settings):
    from resilience import OPENAI, get_breaker

    settings.BREAKER_FAIL_MAX = 1
    breaker = get_breaker(OPENAI, "metrics-test")

    def fail() -> None:
        raise ConnectionError("down")

    with pytest.raises(Exception):  # noqa: B017 (pybreaker raises its own error on the trip)
        breaker.protect(fail, is_fault=lambda error: True)

    series = scrape(client)

    assert value(series, "mh_circuit_breaker_open", kind=OPENAI, name="metrics-test") == 1


def test_the_log_collectors_lag_and_report_age_are_served_once_it_reported(client):
    from django.core.cache import cache

    from monitoring.collector import STATUS_CACHE_KEY

    assert ("mh_log_collector_lag_seconds", frozenset()) not in scrape(client)  # never reported
    reported = timezone.now() - timedelta(seconds=4)
    cache.set(STATUS_CACHE_KEY, {"updated_at": reported.timestamp(), "lag_seconds": 7.5})
    try:
        series = scrape(client)
    finally:
        cache.delete(STATUS_CACHE_KEY)  # other tests expect a collector that never reported

    assert value(series, "mh_log_collector_lag_seconds") == 7.5
    assert 4 <= value(series, "mh_log_collector_report_age_seconds") < 4 + 60


def test_a_part_that_cannot_be_read_is_flagged_and_the_rest_still_arrives(client, monkeypatch):
    def unreadable():
        raise OSError("broker folder gone")
        yield  # pragma: no cover (a generator, like the real parts)

    monkeypatch.setitem(metrics_collector.PARTS, "queues", unreadable)

    series = scrape(client)

    assert value(series, "mh_metrics_read_errors", part="queues") == 1
    assert not any(name == "mh_queue_messages" for name, _ in series)
    assert ("mh_job_executions_stuck", frozenset()) in series


def test_none_leaves_the_token_as_the_only_way_in(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = []  # what METRICS_ALLOWED_NETWORKS=none gives
    settings.METRICS_TOKEN = "scrape-secret-0123456789"

    assert client.get("/metrics").status_code == 403
    scrape(client, HTTP_AUTHORIZATION="Bearer scrape-secret-0123456789")


def test_the_grafana_dashboard_reads_only_series_the_app_serves(client, org_a):
    """docs/grafana-dashboard.json must not go stale: every mh_ series it queries is served."""
    import json
    import re

    dashboard = json.loads((ROOT / "docs" / "grafana-dashboard.json").read_text())
    queried = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"\bmh_[a-z_]+", target["expr"])
    }
    # Every counter and histogram is served once it has counted something.
    from monitoring import metrics

    metrics.count_feed_fetch("ok")
    metrics.count_article_page("extracted")
    metrics.count_provider_call("openai", "chat.completions", "ok", 1)
    metrics.count_llm_usage("gpt-test", 1, 1, 0.0)
    metrics.count_job_execution("succeeded")
    client.get("/healthz")
    from django.core.cache import cache

    from monitoring.collector import STATUS_CACHE_KEY

    cache.set(STATUS_CACHE_KEY, {"updated_at": timezone.now().timestamp(), "lag_seconds": 0.5})
    try:
        body = client.get("/metrics").content.decode()
    finally:
        cache.delete(STATUS_CACHE_KEY)  # other tests expect a collector that never reported
    families = {family.name for family in text_string_to_metric_families(body)}
    families |= {f"{name}_{part}" for name in families for part in ("bucket", "count", "sum")}
    families |= {f"{name}_total" for name in families}

    assert queried and queried <= families, queried - families


def test_the_fast_reader_writes_what_prometheus_clients_own_reader_writes(client, settings):
    """monitoring.metrics_exposition against MultiProcessCollector on the same files."""
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    from monitoring import metrics
    from monitoring.metrics_exposition import render

    metrics.count_provider_call("openai", 'quote"back\\slash\nline', "ok", 2)
    for seconds in (0.001, 0.02, 0.3, 7.0, 60.0):
        metrics.observe_request("reports:detail", "GET", 200, seconds)
    metrics.count_job_swept()

    def samples(text: str) -> dict:
        found = {}
        for family in text_string_to_metric_families(text):
            assert family.documentation, family.name
            for sample in family.samples:
                key = (family.type, sample.name, frozenset(sample.labels.items()))
                found[key] = sample.value
        return found

    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(settings.METRICS_DIR))
    theirs = samples(generate_latest(registry).decode())
    ours = samples(render(Path(settings.METRICS_DIR)))

    assert ours == theirs
    assert any("quote" in str(labels) for _, _, labels in ours)
