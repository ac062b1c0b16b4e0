"""The discovery pages: settings and consent, "Find contacts", a run's progress, isolation."""

import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import html

from contacts.models import ContactSettings, DiscoveryRun, DiscoveryStatus
from tests.contacts.builders import make_brand, make_suggestion

pytestmark = pytest.mark.django_db

SETTINGS_URL = reverse("contacts:discovery_settings")
HTMX = {"HX-Request": "true"}


def doc(response):
    return html.fromstring(response.content.decode())


def toasts(response) -> str:
    return response.content.decode().split('id="toasts"', 1)[1]


def turn_on(organization, user) -> None:
    ContactSettings.objects.update_or_create(
        organization=organization,
        defaults={
            "discovery_enabled": True,
            "discovery_consent_by": user,
            "discovery_consent_at": timezone.now(),
        },
    )


def test_the_settings_page_shows_the_notice_and_that_nobody_accepted_it_yet(client_for, alice):
    response = client_for(alice).get(SETTINGS_URL)

    page = doc(response)
    notice = page.get_element_by_id("discovery-notice").text_content()
    assert "LinkedIn itself is never visited" in notice
    assert "robots.txt" in notice
    assert "erased automatically after 30 days" in notice
    assert "have it erased" in notice
    assert (
        page.xpath("string(//*[@data-testid='consent'])") == "Nobody has accepted this notice yet."
    )
    assert page.xpath("string(//*[@data-testid='discovery-state'])") == "off"
    assert page.xpath("//input[@name='accept_notice']")


def test_an_owner_turns_discovery_on_by_accepting_the_notice(client_for, alice, org_a):
    client = client_for(alice)
    form = {"enabled": "on", "role_keywords": "PR, press, editor", "retention_days": "21"}

    refused = client.post(SETTINGS_URL, form)
    accepted = client.post(SETTINGS_URL, {**form, "accept_notice": "on"}, follow=True)

    assert refused.status_code == 200
    assert "Accept the notice to turn contact discovery on." in refused.content.decode()
    row = ContactSettings.objects.get(organization=org_a)
    assert (row.discovery_enabled, row.discovery_consent_by) == (True, alice)
    assert row.role_keywords == ["PR", "press", "editor"]
    assert row.suggestion_retention_days == 21
    page = doc(accepted)
    assert page.xpath("string(//*[@data-testid='discovery-state'])") == "on"
    assert page.xpath("string(//*[@data-testid='consent'])").startswith("Accepted by Alice on")
    assert not page.xpath("//input[@name='accept_notice']")  # accepted already
    assert "discovery is on" in toasts(accepted)


def test_a_member_sees_the_settings_but_cannot_change_them(client_for, bob, org_a):
    client = client_for(bob)

    page = doc(client.get(SETTINGS_URL))
    response = client.post(
        SETTINGS_URL,
        {"enabled": "on", "accept_notice": "on", "role_keywords": "PR", "retention_days": "5"},
    )

    assert page.xpath("//input[@name='enabled']/@disabled")
    assert "Only owners and admins can change these settings." in page.text_content()
    assert response.status_code == 403
    assert not ContactSettings.objects.filter(organization=org_a, discovery_enabled=True).exists()


def test_find_contacts_while_discovery_is_off_says_so_with_a_link_to_the_settings(
    client_for, alice, org_a
):
    brand = make_brand(org_a, "Acme")

    response = client_for(alice).post(reverse("contacts:discover", args=[brand.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("brands:detail", args=[brand.pk])
    shown = toasts(response)
    assert "toast-error" in shown and "Contact discovery is off" in shown
    assert f'href="{SETTINGS_URL}"' in shown
    assert not DiscoveryRun.objects.exists()


def test_find_contacts_queues_a_run_and_goes_back_to_the_page_it_came_from(
    client_for, bob, alice, org_a, django_capture_on_commit_callbacks
):
    turn_on(org_a, alice)
    brand = make_brand(org_a, "Acme")
    back = reverse("contacts:brand_contacts", args=[brand.pk])

    with django_capture_on_commit_callbacks(execute=False) as sent:
        response = client_for(bob).post(
            reverse("contacts:discover", args=[brand.pk]), {"next": back}
        )

    run = DiscoveryRun.objects.get()
    assert (run.brand, run.requested_by, run.status) == (brand, bob, DiscoveryStatus.QUEUED)
    assert len(sent) == 1  # the task is sent once the run is committed
    assert response.status_code == 302 and response.url == back


@pytest.mark.parametrize("unsafe", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_an_unsafe_next_address_is_ignored(client_for, alice, org_a, unsafe):
    brand = make_brand(org_a, "Acme")

    response = client_for(alice).post(
        reverse("contacts:discover", args=[brand.pk]), {"next": unsafe}
    )

    assert response.url == reverse("brands:detail", args=[brand.pk])


def test_finding_contacts_twice_links_to_the_run_in_progress(client_for, alice, org_a):
    turn_on(org_a, alice)
    brand = make_brand(org_a, "Acme")
    running = DiscoveryRun.objects.create(
        organization=org_a, brand=brand, status=DiscoveryStatus.RUNNING
    )

    response = client_for(alice).post(reverse("contacts:discover", args=[brand.pk]), follow=True)

    shown = toasts(response)
    assert "already being searched for" in shown
    assert reverse("contacts:discovery_run", args=[running.pk]) in shown
    assert DiscoveryRun.objects.count() == 1


def test_another_organizations_brand_and_run_are_not_found(client_for, charlie, alice, org_a):
    turn_on(org_a, alice)
    brand = make_brand(org_a, "Acme")
    run = DiscoveryRun.objects.create(organization=org_a, brand=brand)
    client = client_for(charlie)

    assert client.post(reverse("contacts:discover", args=[brand.pk])).status_code == 404
    assert client.get(reverse("contacts:discovery_run", args=[run.pk])).status_code == 404
    assert DiscoveryRun.objects.count() == 1


def test_a_running_search_page_polls_and_a_finished_one_stops(client_for, alice, org_a):
    brand = make_brand(org_a, "Acme")
    make_suggestion(brand, "Sam Lee", title="Press officer")
    run = DiscoveryRun.objects.create(
        organization=org_a, brand=brand, status=DiscoveryStatus.RUNNING
    )
    client = client_for(alice)
    url = reverse("contacts:discovery_run", args=[run.pk])

    running = doc(client.get(url))
    DiscoveryRun.objects.filter(pk=run.pk).update(
        status=DiscoveryStatus.PARTIAL,
        messages=["Web search: Stopped: The web search API quota is used up."],
        found=1,
    )
    fragment = client.get(url, headers=HTMX)

    live = running.get_element_by_id("run-live")
    assert live.get("hx-trigger") == "every 2s" and live.get("hx-get") == url
    assert "Sam Lee" in live.text_content()
    assert fragment.content.decode().lstrip().startswith('<div id="run-live"')
    finished = html.fromstring(fragment.content.decode())
    assert finished.get("hx-trigger") is None
    assert finished.xpath("string(//*[@data-testid='run-status'])") == "Partly done"
    assert "quota is used up" in finished.text_content()
    assert "<html" not in fragment.content.decode()
