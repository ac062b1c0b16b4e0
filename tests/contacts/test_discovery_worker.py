""" "Find contacts" end to end: the button, a real task on a live worker, the providers served by
the local HTTP server, and the suggestions on the run's page."""

import json
import time

from django.urls import reverse
from django.utils import timezone

from contacts.models import BrandContact, ContactSettings, DiscoveryRun, DiscoveryStatus
from tests.contacts.builders import make_brand
from tests.harness.http_server import Reply

SEARCH_PATH = "/res/v1/web/search"
RESULTS = {
    "web": {
        "results": [
            {
                "title": "Jane Doe \u2013 Head of PR \u2013 Acme | LinkedIn",
                "url": "https://www.linkedin.com/in/jane-doe",
                "description": "Head of PR at Acme.",
            }
        ]
    }
}
PRESS = "<html><body><h1>Press</h1><p>Contact press [at] acme [dot] example</p></body></html>"


def wait_for(condition, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def test_find_contacts_runs_on_a_worker_and_the_suggestions_appear(
    celery_worker, http_server, settings, client_for, alice, org_a
):
    settings.SEARCH_API_URL = http_server.url_for(SEARCH_PATH)
    settings.SEARCH_API_KEY = "test-key"
    settings.DISCOVERY_SITE_PAGES = 2
    http_server.add_route(
        SEARCH_PATH, Reply(body=json.dumps(RESULTS), headers={"Content-Type": "application/json"})
    )
    http_server.add_route("/press", Reply(body=PRESS, headers={"Content-Type": "text/html"}))
    ContactSettings.objects.create(
        organization=org_a,
        discovery_enabled=True,
        discovery_consent_by=alice,
        discovery_consent_at=timezone.now(),
    )
    brand = make_brand(org_a, "Acme", website=http_server.url_for("/"))
    client = client_for(alice)

    response = client.post(reverse("contacts:discover", args=[brand.pk]), follow=True)

    assert "Searching public sources for people at Acme" in response.content.decode()
    run = DiscoveryRun.objects.get(brand=brand)
    assert wait_for(lambda: DiscoveryRun.objects.get(pk=run.pk).is_finished)
    run.refresh_from_db()
    assert run.status == DiscoveryStatus.SUCCEEDED, run.messages
    assert set(BrandContact.objects.suggestions().values_list("full_name", "email")) == {
        ("Jane Doe", ""),
        ("Press office", "press@acme.example"),
    }
    page = client.get(reverse("contacts:discovery_run", args=[run.pk])).content.decode()
    assert "Jane Doe" in page and "press@acme.example" in page and "Succeeded" in page
