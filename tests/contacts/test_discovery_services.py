"""Discovery runs end to end: providers served by a local server, finds stored as expiring
suggestions, dedupe, erasures honoured, partial runs keep their finds, consent, refresh, expiry."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from kombu.exceptions import OperationalError

from contacts.discovery.base import Candidate
from contacts.discovery.store import suggestions_store
from contacts.models import (
    BrandContact,
    ContactSettings,
    ContactSource,
    DiscoveryRun,
    DiscoveryStatus,
)
from contacts.services.discovery import (
    BROKER_DOWN,
    DISCOVERY_OFF,
    DiscoveryAlreadyRunning,
    discovery_run,
    discovery_runs_fail_stuck,
    discovery_start,
    suggestions_refresh_stale,
)
from contacts.services.privacy import contact_erase
from contacts.tasks import discover_brand, expire_suggestions
from tests.contacts.builders import make_brand, make_contact, make_suggestion
from tests.harness.http_server import Reply

pytestmark = pytest.mark.django_db

SEARCH_PATH = "/res/v1/web/search"
JSON = {"Content-Type": "application/json"}
HTML = {"Content-Type": "text/html; charset=utf-8"}
JANE = (
    "Jane Doe \u2013 Head of PR \u2013 Acme | LinkedIn",
    "https://www.linkedin.com/in/jane-doe",
    "",
)
OMAR = (
    "Omar Haddad \u2013 Marketing Director \u2013 Acme | LinkedIn",
    "https://www.linkedin.com/in/omar",
    "",
)
PRESS = """<html><body><h1>Press</h1><p>press [at] acme [dot] example</p>
<h3>Lina Berg</h3><p>Head of Communications</p><p>lina.berg@acme.example</p></body></html>"""


def results(*items) -> Reply:
    payload = {"web": {"results": [{"title": t, "url": u, "description": d} for t, u, d in items]}}
    return Reply(body=json.dumps(payload), headers=JSON)


@pytest.fixture
def discovery_on(org_a, alice):
    ContactSettings.objects.update_or_create(
        organization=org_a,
        defaults={
            "discovery_enabled": True,
            "discovery_consent_by": alice,
            "discovery_consent_at": timezone.now(),
            "suggestion_retention_days": 10,
        },
    )


@pytest.fixture
def sources(http_server, settings):
    """The search API and Acme's website, both on the local server."""
    settings.SEARCH_API_URL = http_server.url_for(SEARCH_PATH)
    settings.SEARCH_API_KEY = "test-key"
    settings.DISCOVERY_SITE_PAGES = 2
    http_server.add_route(SEARCH_PATH, results(JANE, OMAR))
    http_server.add_route("/", Reply(body="<html><body>Acme</body></html>", headers=HTML))
    http_server.add_route("/press", Reply(body=PRESS, headers=HTML))
    return http_server


@pytest.fixture
def acme(org_a, http_server):
    return make_brand(org_a, "Acme", website=http_server.url_for("/"))


def run_for(brand, actor=None) -> DiscoveryRun:
    """Start a run (the task is not sent: no on_commit callbacks run here) and run it."""
    run = discovery_start(brand=brand, actor=actor)
    discover_brand(run.pk)
    run.refresh_from_db()
    return run


def suggestions(brand) -> dict[str, BrandContact]:
    return {c.full_name: c for c in BrandContact.objects.suggestions().filter(brand=brand)}


def test_a_run_stores_what_both_providers_found_as_expiring_unverified_suggestions(
    discovery_on, sources, acme, alice
):
    run = run_for(acme, alice)

    assert run.status == DiscoveryStatus.SUCCEEDED
    assert (run.found, run.created, run.updated) == (4, 4, 0)
    found = suggestions(acme)
    assert set(found) == {"Jane Doe", "Omar Haddad", "Press office", "Lina Berg"}
    jane, lina = found["Jane Doe"], found["Lina Berg"]
    assert (jane.source, jane.source_url, jane.linkedin_url) == (
        "web_search",
        "https://www.linkedin.com/in/jane-doe",
        "https://www.linkedin.com/in/jane-doe",
    )
    assert "Head of PR" in jane.source_excerpt
    assert (lina.source, lina.email, lina.title) == (
        "brand_website",
        "lina.berg@acme.example",
        "Head of Communications",
    )
    assert lina.source_url == sources.url_for("/press")
    assert not any(c.verified for c in found.values())
    in_ten_days = timezone.now() + timedelta(days=10)
    assert all(abs(c.expires_at - in_ten_days) < timedelta(minutes=1) for c in found.values())
    assert run.messages == [
        f"Brand website: Read 2 pages of 127.0.0.1:{sources.port}. 2 found: 2 new.",
        "Web search: 2 results read, 2 in matching roles. 2 found: 2 new.",
    ]
    assert run.started_at and run.finished_at


def test_known_contacts_are_left_alone_and_suggestions_found_again_are_refreshed(
    discovery_on, sources, acme
):
    make_contact(acme, "Jane Doe", title="Head of PR", email="jane@acme.example")
    old = make_suggestion(
        acme,
        "Omar Haddad",
        title="Marketing Manager",
        expires_at=timezone.now() + timedelta(days=1),
        linkedin_url="",
    )

    run = run_for(acme)

    assert (run.found, run.created, run.updated) == (4, 2, 1)
    assert "1 already contacts" in run.messages[1]
    assert BrandContact.objects.filter(full_name="Jane Doe").count() == 1
    old.refresh_from_db()
    assert old.suggested
    assert (old.title, old.linkedin_url) == (
        "Marketing Director",
        "https://www.linkedin.com/in/omar",
    )
    assert old.expires_at > timezone.now() + timedelta(days=9)
    assert BrandContact.objects.filter(full_name="Omar Haddad").count() == 1


def test_a_person_erased_on_request_is_never_suggested_again(discovery_on, sources, acme, alice):
    lina = make_contact(acme, "Lina Berg", email="lina.berg@acme.example")
    jane = make_suggestion(acme, "Jane Doe")
    contact_erase(contact=lina, actor=alice, reason="Asked to be forgotten")
    contact_erase(contact=jane, actor=alice)

    run = run_for(acme)

    assert set(suggestions(acme)) == {"Press office", "Omar Haddad"}
    assert "1 skipped (erased on request)" in run.messages[0]
    assert "1 skipped (erased on request)" in run.messages[1]


def test_a_used_up_search_quota_gives_a_partial_run_that_keeps_what_was_found(
    discovery_on, sources, acme
):
    kept = make_suggestion(acme, "Earlier Find")
    quota = {"error": {"code": "QUOTA_LIMITED"}}
    sources.add_route(SEARCH_PATH, Reply(status=429, body=json.dumps(quota), headers=JSON))

    run = run_for(acme)

    assert run.status == DiscoveryStatus.PARTIAL
    assert run.messages[1].startswith(
        "Web search: Stopped: The web search API quota is used up; searches resume at"
    )
    assert set(suggestions(acme)) == {"Earlier Find", "Press office", "Lina Berg"}
    assert BrandContact.objects.filter(pk=kept.pk).exists()


def test_a_run_where_every_provider_failed_is_failed_with_their_messages(
    discovery_on, sources, acme, settings
):
    settings.SEARCH_API_KEY = ""
    sources.add_route("/robots.txt", Reply(status=500))

    run = run_for(acme)

    assert run.status == DiscoveryStatus.FAILED
    assert run.messages[0].startswith("Brand website: Stopped: 127.0.0.1:")
    assert "500 Internal Server Error" in run.messages[0]
    assert run.messages[1] == ("Web search: off: no search API key is configured (SEARCH_API_KEY).")


def test_a_second_delivery_of_the_task_does_nothing(discovery_on, sources, acme):
    run = run_for(acme)
    requests = len(sources.requests)

    assert discovery_run(run_id=run.pk) is None
    assert discover_brand(run.pk) is None
    assert len(sources.requests) == requests


def test_discovery_cannot_start_unless_an_admin_turned_it_on_with_consent(org_a, acme, alice):
    with pytest.raises(ValidationError) as refused:
        discovery_start(brand=acme, actor=alice)
    assert refused.value.messages == [DISCOVERY_OFF]

    # Switched on in the admin without anyone accepting the notice: still off.
    ContactSettings.objects.filter(organization=org_a).update(discovery_enabled=True)
    with pytest.raises(ValidationError):
        discovery_start(brand=acme, actor=alice)
    assert not DiscoveryRun.objects.exists()


def test_one_search_per_brand_at_a_time(discovery_on, acme, alice):
    first = discovery_start(brand=acme, actor=alice)

    with pytest.raises(DiscoveryAlreadyRunning) as running:
        discovery_start(brand=acme, actor=alice)
    assert running.value.run == first


def test_when_the_broker_is_down_the_run_fails_with_a_clear_message(
    discovery_on, acme, alice, monkeypatch, django_capture_on_commit_callbacks
):
    def refuse(*args, **kwargs):
        raise OperationalError("Connection refused")

    monkeypatch.setattr(discover_brand, "apply_async", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        run = discovery_start(brand=acme, actor=alice)

    run.refresh_from_db()
    assert (run.status, run.messages) == (DiscoveryStatus.FAILED, [BROKER_DOWN])


def test_the_expiry_task_erases_expired_suggestions_only(org_a):
    brand = make_brand(org_a, "Acme")
    now = timezone.now()
    expired = make_suggestion(brand, "Old Find", expires_at=now - timedelta(minutes=1))
    fresh = make_suggestion(brand, "New Find", expires_at=now + timedelta(days=1))
    contact = make_contact(brand, "Kept Contact", expires_at=now - timedelta(days=1))

    assert expire_suggestions() == 1

    assert not BrandContact.objects.filter(pk=expired.pk).exists()
    assert BrandContact.objects.filter(pk__in=[fresh.pk, contact.pk]).count() == 2


def test_stale_suggestions_are_searched_again_only_where_discovery_is_on(
    discovery_on, org_a, org_b
):
    stale_brand = make_brand(org_a, "Acme")
    fresh_brand = make_brand(org_a, "Globex")
    searched_brand = make_brand(org_a, "Initech")
    off_brand = make_brand(org_b, "Umbrella")
    long_ago = timezone.now() - timedelta(days=30)
    for brand in (stale_brand, searched_brand, off_brand):
        BrandContact.objects.filter(pk=make_suggestion(brand).pk).update(updated_at=long_ago)
    make_suggestion(fresh_brand)
    DiscoveryRun.objects.create(
        organization=org_a, brand=searched_brand, status=DiscoveryStatus.SUCCEEDED
    )

    started = suggestions_refresh_stale(older_than=timedelta(days=7))

    assert [run.brand for run in started] == [stale_brand]
    assert started[0].status == DiscoveryStatus.QUEUED
    assert started[0].requested_by is None


def test_runs_that_never_finish_are_failed_by_the_sweep(discovery_on, acme):
    run = DiscoveryRun.objects.create(
        organization=acme.organization, brand=acme, status=DiscoveryStatus.RUNNING
    )
    DiscoveryRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(hours=1))
    recent = DiscoveryRun.objects.create(organization=acme.organization, brand=acme)

    assert discovery_runs_fail_stuck(older_than=timedelta(minutes=30)) == 1

    run.refresh_from_db()
    recent.refresh_from_db()
    assert run.status == DiscoveryStatus.FAILED and "never finished" in run.messages[-1]
    assert recent.status == DiscoveryStatus.QUEUED


def test_addresses_in_a_find_are_kept_only_when_they_are_web_addresses(org_a, acme):
    run = DiscoveryRun.objects.create(organization=org_a, brand=acme)
    candidate = Candidate(
        full_name="Eve Evil",
        source=ContactSource.BRAND_WEBSITE,
        source_url="javascript:alert(document.cookie)",
        linkedin_url="JavaScript:alert(1)",
        excerpt="Eve Evil, Head of PR",
    )

    suggestions_store(run=run, candidates=[candidate])

    eve = BrandContact.objects.get(full_name="Eve Evil")
    assert (eve.source_url, eve.linkedin_url) == ("", "")
