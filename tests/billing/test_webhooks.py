"""Billing webhooks for real: a local HTTP server receives them and checks the signature; a
receiver that answers 500 or never answers is retried and recorded; the admin replays."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.models import Organization, Plan
from accounts.services import organization_create
from accounts.signals import quota_threshold_crossed
from billing.models import BillingEvent, EventType, WebhookDelivery, WebhookEndpoint
from billing.services import (
    event_emit,
    webhook_deliveries_due,
    webhook_deliveries_replay,
    webhook_delivery_attempt,
)
from billing.verify import InvalidSignature, verify_webhook
from outbound import deliveries
from outbound.deliveries import DeliveryStatus
from tests.harness.http_server import Reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(alice):
    alice.is_staff = alice.is_superuser = True
    alice.save()
    return alice


@pytest.fixture
def endpoint(http_server):
    http_server.add_route("/billing", Reply(status=204))
    return WebhookEndpoint.objects.create(url=http_server.url_for("/billing"))


def _send_all(django_capture_on_commit_callbacks=None) -> list[WebhookDelivery]:
    sent = []
    for pk in WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).values_list(
        "pk", flat=True
    ):
        sent.append(webhook_delivery_attempt(delivery_id=pk))
    return sent


def _change_plan_in_admin(client, org: Organization, plan: Plan):
    url = f"/admin/accounts/organization/{org.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        name: (value if value is not None else "")
        for name, value in form.initial.items()
        if name in form.fields
    }
    data.update(
        {
            "plan": plan.pk,
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "_save": "Save",
        }
    )
    for key, value in list(data.items()):
        if isinstance(value, bool):
            data[key] = "on" if value else ""
        if value is None:
            data[key] = ""
    return client.post(url, data)


def test_an_operator_changing_a_plan_in_the_admin_sends_a_signed_plan_changed_event(
    org_a, operator, client_for, http_server, endpoint, django_capture_on_commit_callbacks
):
    small = Plan.objects.create(name="Small", max_feeds=5)
    big = Plan.objects.create(name="Big", max_feeds=50)
    org_a.plan = small
    org_a.save()
    client = client_for(operator)

    with django_capture_on_commit_callbacks():
        response = _change_plan_in_admin(client, org_a, big)
    assert response.status_code == 302, response.content[:2000]

    [delivery] = WebhookDelivery.objects.filter(billing_event__type=EventType.PLAN_CHANGED)
    delivery = webhook_delivery_attempt(delivery_id=delivery.pk)
    assert delivery.status == DeliveryStatus.SENT
    [request] = [r for r in http_server.requests if r.path == "/billing"]
    verify_webhook(secret=endpoint.secret, headers=request.headers, body=request.body)
    body = request.json()
    assert body["type"] == "plan.changed"
    assert body["organization"] == {"id": org_a.pk, "slug": org_a.slug, "name": org_a.name}
    assert body["data"]["old_plan"]["name"] == "Small"
    assert body["data"]["new_plan"] == {
        "id": big.pk,
        "name": "Big",
        **{k: v for k, v in body["data"]["new_plan"].items() if k.startswith("max_")},
    }
    assert body["data"]["new_plan"]["max_feeds"] == 50
    assert body["data"]["changed_by"] == "alice"
    assert request.headers["x-mh-event-id"] == body["id"] == str(delivery.event_id)


def test_saving_the_organization_without_changing_its_plan_sends_nothing(
    org_a, operator, client_for, endpoint
):
    plan = Plan.objects.create(name="Small")
    org_a.plan = plan
    org_a.save()
    assert _change_plan_in_admin(client_for(operator), org_a, plan).status_code == 302
    assert not BillingEvent.objects.filter(type=EventType.PLAN_CHANGED).exists()


def test_a_new_organization_sends_organization_created(endpoint, http_server):
    org = organization_create(name="Fresh Org")
    [event] = BillingEvent.objects.filter(type=EventType.ORGANIZATION_CREATED)
    assert event.organization_id == org.pk
    [delivery] = _send_all()
    assert delivery.status == DeliveryStatus.SENT
    assert http_server.requests[-1].json()["data"]["plan"] is None


@pytest.mark.parametrize(("percent", "kind"), [(80, "quota.warning"), (100, "quota.reached")])
def test_quota_thresholds_become_quota_events(org_a, endpoint, http_server, percent, kind):
    quota_threshold_crossed.send(
        sender=Organization,
        organization=org_a,
        resource="llm_tokens",
        used=percent * 10,
        limit=1000,
        percent=percent,
    )
    [delivery] = _send_all()
    body = http_server.requests[-1].json()
    assert delivery.status == DeliveryStatus.SENT
    assert body["type"] == kind
    assert body["data"] == {
        "resource": "llm_tokens",
        "used": percent * 10,
        "limit": 1000,
        "percent": percent,
    }


def test_an_organizations_own_endpoint_gets_its_events_only(org_a, org_b, http_server):
    http_server.add_route("/a", Reply(status=200))
    WebhookEndpoint.objects.create(organization=org_a, url=http_server.url_for("/a"))
    event_emit(organization=org_b, type=EventType.QUOTA_WARNING, data={})
    assert not WebhookDelivery.objects.exists()
    event_emit(organization=org_a, type=EventType.QUOTA_WARNING, data={})
    assert WebhookDelivery.objects.count() == 1


def test_an_endpoint_with_chosen_events_gets_only_those(org_a, http_server):
    WebhookEndpoint.objects.create(url=http_server.url_for("/x"), events=["usage.daily"])
    event_emit(organization=org_a, type=EventType.QUOTA_WARNING, data={})
    assert not WebhookDelivery.objects.exists()


def test_a_receiver_answering_500_is_retried_with_the_same_event_id_and_recorded(
    org_a, http_server, settings
):
    settings.ALERT_DELIVERY_ATTEMPTS = 2
    http_server.add_route("/hook", Reply(status=500), Reply(status=500))
    WebhookEndpoint.objects.create(url=http_server.url_for("/hook"))
    event_emit(organization=org_a, type=EventType.QUOTA_REACHED, data={"percent": 100})
    [delivery] = _send_all()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.response_status == 500 and "HTTP 500" in delivery.last_error
    assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=20)  # backed off

    later = timezone.now() + timedelta(minutes=5)
    assert webhook_deliveries_due(now=later) == [delivery.pk]
    delivery = webhook_delivery_attempt(delivery_id=delivery.pk, now=later)
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 2
    ids = {r.headers["x-mh-event-id"] for r in http_server.requests if r.path == "/hook"}
    assert ids == {str(delivery.event_id)}


def test_a_receiver_that_never_answers_times_out_and_the_event_is_recorded_not_lost(
    org_a, http_server, monkeypatch
):
    monkeypatch.setattr(deliveries, "WEBHOOK_TIMEOUT", 0.5)
    http_server.add_route("/slow", Reply(status=200, delay=5))
    WebhookEndpoint.objects.create(url=http_server.url_for("/slow"))
    started = time.monotonic()
    event = event_emit(organization=org_a, type=EventType.QUOTA_WARNING, data={})
    assert time.monotonic() - started < 0.5  # making the event sends nothing
    [delivery] = _send_all()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.last_error and delivery.response_status is None
    assert BillingEvent.objects.filter(pk=event.pk).exists()


def test_a_replay_sends_the_same_event_again_with_a_fresh_signature(org_a, endpoint, http_server):
    event = event_emit(organization=org_a, type=EventType.QUOTA_WARNING, data={"percent": 80})
    [first] = _send_all()
    [replay] = webhook_deliveries_replay(delivery_ids=[first.pk], enqueue=False)
    replay = webhook_delivery_attempt(delivery_id=replay.pk)
    assert replay.status == DeliveryStatus.SENT and replay.replay_of_id == first.pk
    one, two = [r for r in http_server.requests if r.path == "/billing"]
    assert one.body == two.body  # the same payload, fixed when the event happened
    assert one.headers["x-mh-event-id"] == two.headers["x-mh-event-id"] == str(event.event_id)
    for request in (one, two):
        verify_webhook(secret=endpoint.secret, headers=request.headers, body=request.body)


def test_the_admin_replay_action_queues_a_new_delivery(
    org_a, operator, client_for, endpoint, django_capture_on_commit_callbacks
):
    event_emit(organization=org_a, type=EventType.QUOTA_WARNING, data={}, enqueue=False)
    [first] = _send_all()
    client = client_for(operator)
    response = client.post(
        "/admin/billing/webhookdelivery/",
        {"action": "replay", "_selected_action": [first.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert b"1 deliveries queued again." in response.content
    assert WebhookDelivery.objects.filter(replay_of=first).count() == 1
    page = client.get("/admin/billing/webhookdelivery/")
    assert page.status_code == 200 and endpoint.url.encode() in page.content


def test_a_tampered_or_stale_request_fails_verification(org_a, endpoint, http_server):
    event_emit(organization=org_a, type=EventType.QUOTA_WARNING, data={"used": 800})
    _send_all()
    request = http_server.requests[-1]
    verify_webhook(secret=endpoint.secret, headers=request.headers, body=request.body)
    tampered = json.dumps({**request.json(), "data": {"used": 1}}).encode()
    with pytest.raises(InvalidSignature, match="does not match"):
        verify_webhook(secret=endpoint.secret, headers=request.headers, body=tampered)
    with pytest.raises(InvalidSignature, match="does not match"):
        verify_webhook(secret="whsec_other", headers=request.headers, body=request.body)
    # The same request captured and replayed ten minutes later.
    with pytest.raises(InvalidSignature, match="replayed"):
        verify_webhook(
            secret=endpoint.secret,
            headers=request.headers,
            body=request.body,
            now=time.time() + 600,
        )
    with pytest.raises(InvalidSignature, match="malformed"):
        verify_webhook(secret=endpoint.secret, headers={}, body=request.body)


def test_the_admin_shows_a_new_endpoints_secret_once_and_refuses_unknown_events(
    operator, client_for, http_server
):
    client = client_for(operator)
    url = http_server.url_for("/new")
    bad = client.post(
        "/admin/billing/webhookendpoint/add/",
        {"url": url, "events": '["plan.chnged"]', "enabled": "on"},
    )
    assert bad.status_code == 200, bad.status_code
    errors = str(bad.context["adminform"].form.errors["events"])
    assert "Unknown event types" in errors and "plan.chnged" in errors
    assert not WebhookEndpoint.objects.exists()
    made = client.post(
        "/admin/billing/webhookendpoint/add/",
        {"url": url, "events": '["plan.changed"]', "enabled": "on"},
        follow=True,
    )
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret.encode() in made.content
    change = client.get(f"/admin/billing/webhookendpoint/{endpoint.pk}/change/")
    assert endpoint.secret.encode() not in change.content


def test_deleting_a_user_keeps_the_events(org_a, alice, endpoint):
    event_emit(organization=org_a, type=EventType.QUOTA_WARNING, data={})
    get_user_model().objects.filter(pk=alice.pk).delete()
    assert BillingEvent.objects.filter(type=EventType.QUOTA_WARNING).count() == 1
