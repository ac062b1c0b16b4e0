"""Pages answer, and say so, while Redis is frozen or gone; /readyz says 503 during a
database outage, with a session cookie or without.

Real processes: the web as the Procfile starts it, pointed at a redis-server of the test's own
that the test freezes (SIGSTOP: connections hang, nothing answers) and then kills. Before the
Redis clients had timeouts, /healthz, the Logs page, "Refresh now" and "Run now" hung past
45 s with Redis frozen, and the Logs page answered 500 with Redis killed.
"""

from __future__ import annotations

import http.cookiejar
import json
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.conf import settings
from django.test import Client

from jobs.models import ExecutionStatus, JobExecution
from tests.feeds.builders import make_feed
from tests.harness.web_process import web_process
from tests.jobs.builders import make_job

# Each request may take two client timeouts (REDIS_TIMEOUT=1 below) and a retry; far more
# than that means a client without a timeout. Generous for a loaded machine, far below 45 s.
ANSWER_CEILING_SECONDS = 20.0


def _cookie(name: str, value: str) -> http.cookiejar.Cookie:
    return http.cookiejar.Cookie(
        0,
        name,
        value,
        None,
        False,
        "127.0.0.1",
        False,
        False,
        "/",
        True,
        False,
        None,
        False,
        None,
        None,
        {},
    )


class Browser:
    """A signed-in session against the web process; cookies (CSRF, messages) kept as a
    browser keeps them."""

    def __init__(self, base_url: str, user) -> None:
        client = Client()
        client.force_login(user)
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        name = settings.SESSION_COOKIE_NAME
        self.jar.set_cookie(_cookie(name, client.cookies[name].value))
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, float]:
        headers = {}
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            token = next(c.value for c in self.jar if c.name == settings.CSRF_COOKIE_NAME)
            headers = {"X-CSRFToken": token, "Referer": self.base_url + path}
        request = urllib.request.Request(self.base_url + path, data=body, headers=headers)
        started = time.monotonic()
        try:
            with self.opener.open(request, timeout=60) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode()
        return status, text, time.monotonic() - started


@pytest.fixture
def frozen_world(transactional_db, alice, org_a, redis_process):
    feed = make_feed(org_a, "https://news.example/feed.xml", name="Wire")
    job = make_job(org_a)
    with web_process(REDIS_URL=redis_process.url, REDIS_TIMEOUT="1") as base_url:
        browser = Browser(base_url, alice)
        status, _, _ = browser.request("/feeds/")  # Sets the CSRF cookie, Redis still up.
        assert status == 200
        yield browser, redis_process, feed, job


def test_pages_answer_and_say_so_while_redis_is_frozen_then_gone(frozen_world):
    browser, redis, feed, job = frozen_world
    redis.freeze()

    health = browser.request("/readyz")
    logs = browser.request("/logs/")
    refresh = browser.request(f"/feeds/{feed.pk}/refresh/", data={})
    run = browser.request(f"/jobs/{job.pk}/run/", data={})
    redis.stop()
    logs_after_kill = browser.request("/logs/")

    for _, _, seconds in (health, logs, refresh, run, logs_after_kill):
        assert seconds < ANSWER_CEILING_SECONDS
    assert health[0] == 503
    readiness = json.loads(health[1])
    assert "broker" in readiness["failing"]
    assert readiness["checks"]["database"]["status"] == "ok"
    assert logs[0] == 200
    assert "Redis is not answering, so the collector" in logs[1]
    assert refresh[0] == 200  # The feeds list, after the redirect.
    assert "The task queue is not answering, so the refresh could not be started." in refresh[1]
    assert run[0] == 200
    [execution] = JobExecution.objects.filter(job=job)
    assert execution.status == ExecutionStatus.FAILED  # Said, not left queued for ever.
    assert logs_after_kill[0] == 200
    assert "Redis is not answering, so the collector" in logs_after_kill[1]


@pytest.mark.parametrize("cookie", [None, "sessionid=some-session; csrftoken=x"])
def test_readyz_is_503_naming_the_database_during_its_outage(transactional_db, cookie):
    # Nothing listens on port 9 of this machine: the database is "down" from the start.
    down = "postgres://nobody@127.0.0.1:9/gone"
    with web_process(DATABASE_URL=down) as base_url:
        request = urllib.request.Request(base_url + "/readyz", headers={"Cookie": cookie or ""})
        try:
            urllib.request.urlopen(request, timeout=60)
            raise AssertionError("/readyz answered 200 without a database")
        except urllib.error.HTTPError as error:
            status, body = error.code, json.loads(error.read())
        # Liveness stays 200, not the 500 a session lookup without a database gave before.
        request = urllib.request.Request(base_url + "/healthz", headers={"Cookie": cookie or ""})
        with urllib.request.urlopen(request, timeout=60) as response:
            alive = response.status, json.loads(response.read())

    assert status == 503
    assert "database" in body["failing"]
    assert alive == (200, {"status": "ok"})
