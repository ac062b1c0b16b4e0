"""The providers against a real local HTTP server standing in for the search API and for a
brand's website: requests sent, robots.txt honoured, failures turned into clear messages."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from contacts.discovery import BrandWebsiteProvider, WebSearchProvider
from contacts.discovery.ratelimit import rate_take
from contacts.models import DEFAULT_ROLE_KEYWORDS
from resilience import provider_disabled
from tests.contacts.builders import make_brand
from tests.harness.dribble_server import HeaderDribbleServer
from tests.harness.http_server import Reply

pytestmark = pytest.mark.django_db

SEARCH_PATH = "/res/v1/web/search"
JSON = {"Content-Type": "application/json"}
HTML = {"Content-Type": "text/html; charset=utf-8"}
ROLES = list(DEFAULT_ROLE_KEYWORDS)


def results(*items) -> Reply:
    payload = {"web": {"results": [{"title": t, "url": u, "description": d} for t, u, d in items]}}
    return Reply(body=json.dumps(payload), headers=JSON)


JANE = (
    "Jane Doe \u2013 Head of PR \u2013 Acme | LinkedIn",
    "https://www.linkedin.com/in/jane-doe",
    "",
)
OMAR = (
    "Omar Haddad - Acme | LinkedIn",
    "https://uk.linkedin.com/in/omar-h",
    "Communications Director at <strong>Acme</strong> · Experience: Acme",
)
BOB = ("Bob Ray - Software Engineer - Acme | LinkedIn", "https://www.linkedin.com/in/bobray", "")


@pytest.fixture
def search_api(http_server, settings):
    settings.SEARCH_API_URL = http_server.url_for(SEARCH_PATH)
    settings.SEARCH_API_KEY = "test-key"
    return http_server


@pytest.fixture
def acme(org_a, http_server):
    return make_brand(org_a, "Acme", website=http_server.url_for("/"))


# -- web search -----------------------------------------------------------------------------


def test_web_search_sends_the_profile_query_with_the_key_and_reads_matching_people(
    search_api, acme
):
    search_api.add_route(SEARCH_PATH, results(JANE, OMAR, BOB))

    findings = WebSearchProvider().find(acme, ROLES)

    assert [(c.full_name, c.title, c.linkedin_url) for c in findings.candidates] == [
        ("Jane Doe", "Head of PR", "https://www.linkedin.com/in/jane-doe"),
        ("Omar Haddad", "Communications Director", "https://www.linkedin.com/in/omar-h"),
    ]
    assert findings.complete
    assert findings.summary == "3 results read, 2 in matching roles."
    (request,) = search_api.requests_to(SEARCH_PATH)
    assert request.headers["x-subscription-token"] == "test-key"
    query = parse_qs(request.query)
    assert query["q"][0].startswith('site:linkedin.com/in "Acme" ("PR" OR "press"')
    assert query["count"] == ["20"]


def test_web_search_is_off_with_a_clear_reason_without_an_api_key(settings, acme):
    settings.SEARCH_API_KEY = ""

    assert "SEARCH_API_KEY" in WebSearchProvider().unavailable_reason(acme)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (429, {"type": "ErrorResponse", "error": {"code": "QUOTA_LIMITED", "status": 429}}),
        (402, {"error": {"code": "quota_exceeded"}}),
    ],
)
def test_a_used_up_quota_stops_the_provider_for_every_worker_until_it_resets(
    search_api, acme, status, body
):
    search_api.add_route(
        SEARCH_PATH,
        Reply(status=status, body=json.dumps(body), headers={**JSON, "Retry-After": "600"}),
    )

    first = WebSearchProvider().find(acme, ROLES)
    second = WebSearchProvider().find(acme, ROLES)

    assert first.candidates == []
    assert first.stopped.startswith("The web search API quota is used up; searches resume at")
    assert provider_disabled("web-search") is not None
    assert second.stopped == first.stopped
    assert len(search_api.requests_to(SEARCH_PATH)) == 1  # the pause sends nothing


def test_a_rate_limited_search_says_so(search_api, acme):
    error = {"type": "ErrorResponse", "error": {"code": "RATE_LIMITED"}}
    search_api.add_route(
        SEARCH_PATH,
        Reply(status=429, body=json.dumps(error), headers={**JSON, "Retry-After": "120"}),
    )

    findings = WebSearchProvider().find(acme, ROLES)

    assert findings.stopped == (
        "The web search API is limiting how fast we search (429 Too Many Requests); "
        "try again in a minute."
    )
    assert provider_disabled("web-search") is None  # a rate limit is not a used-up quota


def test_a_search_api_that_does_not_answer_in_time_gives_a_message(search_api, acme, settings):
    settings.DISCOVERY_SEARCH_TIMEOUT = 0.3
    search_api.add_route(SEARCH_PATH, Reply(body="{}", headers=JSON, delay=2))

    findings = WebSearchProvider().find(acme, ROLES)

    assert findings.stopped.startswith("The web search API could not be used:")
    assert "Gave up after 3 attempts" in findings.stopped


def test_a_search_api_dribbling_its_headers_is_cut_off_at_each_attempts_timeout(acme, settings):
    settings.DISCOVERY_SEARCH_TIMEOUT = 0.5
    settings.SEARCH_API_KEY = "test-key"
    with HeaderDribbleServer(byte_delay=0.3, max_bytes=40) as server:
        settings.SEARCH_API_URL = server.url_for(SEARCH_PATH)
        started = time.monotonic()
        findings = WebSearchProvider().find(acme, ROLES)
        elapsed = time.monotonic() - started

    # Each of the 3 attempts ends at 0.5 s, not after the 12 s of dribbled headers.
    assert "Gave up after 3 attempts" in findings.stopped
    assert server.connections == 3
    assert elapsed < 5


def test_a_refused_key_says_what_to_check(search_api, acme):
    search_api.add_route(SEARCH_PATH, Reply(status=401, body="{}", headers=JSON))

    findings = WebSearchProvider().find(acme, ROLES)

    assert findings.stopped == "The web search API refused our API key (401); check SEARCH_API_KEY."


def test_the_shared_rate_limit_stops_the_search_before_any_request(search_api, acme, settings):
    settings.DISCOVERY_SEARCH_PER_MINUTE = 1
    search_api.add_route(SEARCH_PATH, results(JANE))

    first = WebSearchProvider().find(acme, ROLES)
    second = WebSearchProvider().find(acme, ROLES)

    assert len(first.candidates) == 1
    assert second.stopped.startswith(
        "The web search API reached its limit of 1 requests a minute (shared by all workers)"
    )
    assert len(search_api.requests_to(SEARCH_PATH)) == 1


def test_the_rate_limit_counter_is_shared_with_other_processes(db):
    # Another process (a second worker) takes two requests from the budget; this one sees them.
    code = (
        "import django; django.setup();"
        "from contacts.discovery.ratelimit import rate_take;"
        "print([rate_take(name='shared-test', per_minute=3, now=600.0) for _ in range(2)])"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, check=True
    )

    assert out.stdout.strip() == "[True, True]"
    assert rate_take(name="shared-test", per_minute=3, now=610.0) is True
    assert rate_take(name="shared-test", per_minute=3, now=620.0) is False
    assert rate_take(name="shared-test", per_minute=3, now=660.0) is True  # the next minute


# -- brand website --------------------------------------------------------------------------

HOME = """<html><body><nav><a href="/press">Press</a> <a href="/team">Team</a>
<a href="https://www.linkedin.com/company/acme">LinkedIn</a></nav><h1>Acme</h1></body></html>"""
PRESS = """<html><body><h1>Press</h1><p>Write to press [at] acme [dot] example.</p>
<h3>Jane Doe</h3><p>Head of Communications</p><p><a href="mailto:jane@acme.example">Email</a></p>
</body></html>"""


def serve_site(server, robots: Reply | None = None) -> None:
    if robots is not None:
        server.add_route("/robots.txt", robots)
    server.add_route("/", Reply(body=HOME, headers=HTML))
    server.add_route("/press", Reply(body=PRESS, headers=HTML))


def paths(server) -> list[str]:
    return [request.path for request in server.requests]


def test_the_website_provider_reads_robots_then_home_then_linked_and_well_known_pages(
    http_server, acme
):
    serve_site(http_server)  # no robots.txt: a 404 allows everything

    findings = BrandWebsiteProvider().find(acme, ROLES)

    assert {(c.full_name, c.email) for c in findings.candidates} == {
        ("Press office", "press@acme.example"),
        ("Jane Doe", "jane@acme.example"),
    }
    assert findings.complete
    assert paths(http_server)[:3] == ["/robots.txt", "/", "/press"]
    assert "/team" not in paths(http_server)  # "team" is not a press or contact word
    assert len(http_server.requests) == 1 + 8  # robots.txt, then DISCOVERY_SITE_PAGES requests
    assert findings.summary == f"Read 2 pages of 127.0.0.1:{http_server.port}."


def test_robots_txt_disallowing_a_page_means_it_is_never_requested(http_server, acme):
    robots = "User-agent: *\nDisallow: /private\n\nUser-agent: MarketingHunting\nDisallow: /press\n"
    serve_site(http_server, Reply(body=robots, headers={"Content-Type": "text/plain"}))

    findings = BrandWebsiteProvider().find(acme, ROLES)

    assert http_server.requests_to("/press") == []
    assert findings.candidates == []
    assert "robots.txt keeps us from /press" in findings.summary


@pytest.mark.parametrize("status", [401, 403])
def test_robots_txt_refused_means_the_site_is_not_read_at_all(http_server, acme, status):
    serve_site(http_server, Reply(status=status))

    findings = BrandWebsiteProvider().find(acme, ROLES)

    assert paths(http_server) == ["/robots.txt"]
    assert findings.complete
    assert (
        findings.summary == f"robots.txt of 127.0.0.1:{http_server.port} does not let us read it."
    )


def test_a_failing_robots_txt_skips_the_site_with_a_message(http_server, acme):
    serve_site(http_server, Reply(status=503))

    findings = BrandWebsiteProvider().find(acme, ROLES)

    assert paths(http_server) == ["/robots.txt"]
    assert "was skipped" in findings.stopped and "503 Service Unavailable" in findings.stopped


def test_a_site_that_asks_us_to_slow_down_stops_the_visit_and_keeps_what_was_found(
    http_server, acme
):
    serve_site(http_server)
    http_server.add_route("/newsroom", Reply(status=429, headers={"Retry-After": "60"}))

    findings = BrandWebsiteProvider().find(acme, ROLES)

    assert len(findings.candidates) == 2  # from /press, read before /newsroom
    assert "asked us to slow down (429 Too Many Requests)" in findings.stopped
    assert paths(http_server)[-1] == "/newsroom"


def test_a_slow_site_stops_the_visit_with_a_message(http_server, acme, settings):
    settings.DISCOVERY_SITE_TIMEOUT = 0.3
    serve_site(http_server)
    http_server.add_route("/", Reply(body=HOME, headers=HTML, delay=2))

    findings = BrandWebsiteProvider().find(acme, ROLES)

    assert findings.candidates == []
    assert findings.stopped.startswith(f"127.0.0.1:{http_server.port} stopped answering")


def test_a_site_dribbling_its_headers_is_cut_off_at_the_site_timeout(org_a, settings):
    # A header byte a second never trips a per-read timeout; DISCOVERY_SITE_TIMEOUT must hold
    # as a wall clock (it was ignored: the visit lasted as long as the server dribbled).
    settings.DISCOVERY_SITE_TIMEOUT = 1.5
    with HeaderDribbleServer(byte_delay=1.0, max_bytes=12) as server:
        brand = make_brand(org_a, "Acme", website=server.url_for("/"))
        started = time.monotonic()
        findings = BrandWebsiteProvider().find(brand, ROLES)
        elapsed = time.monotonic() - started

    assert findings.candidates == []
    assert findings.stopped.startswith(f"127.0.0.1:{server.port} was skipped")
    assert 1.4 <= elapsed < 2.5


def test_the_shared_site_rate_limit_stops_the_visit(http_server, acme, settings):
    settings.DISCOVERY_SITE_PER_MINUTE = 3  # robots.txt, home page, /press
    serve_site(http_server)

    findings = BrandWebsiteProvider().find(acme, ROLES)

    assert paths(http_server) == ["/robots.txt", "/", "/press"]
    assert len(findings.candidates) == 2
    assert findings.stopped.startswith(
        "The brand-website reader reached its limit of 3 requests a minute"
    )


def test_a_brand_without_a_website_is_skipped_with_a_reason(org_a):
    brand = make_brand(org_a, "Nosite")

    assert "no website" in BrandWebsiteProvider().unavailable_reason(brand)
