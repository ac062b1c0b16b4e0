"""Issue #15's "Done when", walked as one story through the pages, the admin and the API:
an owner configures the organization's own LLM key and sees usage against the plan; an
operator changes the plan and a webhook receiver gets the signed event; an API client made
with a read-only key lists reports and is refused a write; /api/docs documents it all.

Each step is tested in depth in its own module (test_llm_connection, test_quotas,
billing/test_webhooks, api/test_api_auth); this proves they hold together for one
organization, in the order a customer meets them."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from lxml import html

from accounts.models import ApiKey, OrganizationLLM, Plan
from billing.models import EventType, WebhookDelivery, WebhookEndpoint
from billing.services import webhook_delivery_attempt
from billing.verify import verify_webhook
from outbound.deliveries import DeliveryStatus
from reports.models import Brand
from tests.accounts.llm_data import ORG_KEY, new_fernet_key
from tests.billing.test_webhooks import _change_plan_in_admin
from tests.harness.http_server import Reply
from tests.harness.openai_server import FakeOpenAIServer, json_completion
from tests.reports.page_data import add_mention, make_article, make_brand, make_report

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _text(response) -> str:
    return " ".join(html.fromstring(response.content.decode()).text_content().split())


def test_an_owner_an_operator_and_an_api_client_meet_the_tenant_features(
    settings, org_a, alice, client_for, http_server, django_capture_on_commit_callbacks
):
    settings.FIELD_ENCRYPTION_KEYS = [new_fernet_key()]
    owner = client_for(alice)
    report = make_report(make_article(org_a, "/launch"))
    add_mention(report, make_brand(org_a, "Acme Corp"))
    org_a.plan = Plan.objects.create(name="Starter", max_feeds=5, max_members=3)
    org_a.save()

    # 1. The owner saves the organization's own LLM connection and tests it.
    with FakeOpenAIServer() as provider:
        saved = owner.post(
            reverse("accounts:llm_edit"),
            {
                "source": "own",
                "base_url": provider.base_url,
                "model": "org-model",
                "api_key": ORG_KEY,
            },
            **HTMX,
        )
        assert saved.status_code == 200 and saved.headers["HX-Redirect"]
        provider.enqueue(json_completion({"ok": True}))
        tested = _text(owner.post(reverse("accounts:llm_test"), follow=True))
        [call] = provider.http.requests_to("/v1/chat/completions")
    assert "Connected: this organization's own connection answered with org-model" in tested
    assert call.headers["authorization"] == f"Bearer {ORG_KEY}"
    settings_page = owner.get(reverse("accounts:settings")).content.decode()
    assert ORG_KEY not in settings_page and ORG_KEY[-4:] in settings_page  # never shown again
    assert OrganizationLLM.objects.get(organization=org_a).test_ok is True

    # ... and sees the organization's use against its plan.
    plan_block = html.fromstring(settings_page).get_element_by_id("plan")
    plan_text = " ".join(plan_block.text_content().split())
    assert "Starter" in plan_text and "1 of 3" in plan_text  # members: alice of 3

    # 2. An operator moves the organization to a bigger plan in the admin; the receiver the
    # operator registered gets plan.changed, signed.
    http_server.add_route("/billing", Reply(status=204))
    endpoint = WebhookEndpoint.objects.create(url=http_server.url_for("/billing"))
    alice.is_staff = alice.is_superuser = True
    alice.save()
    bigger = Plan.objects.create(name="Growth", max_feeds=50, max_members=20)
    with django_capture_on_commit_callbacks():
        assert _change_plan_in_admin(owner, org_a, bigger).status_code == 302
    [delivery] = WebhookDelivery.objects.filter(billing_event__type=EventType.PLAN_CHANGED)
    assert webhook_delivery_attempt(delivery_id=delivery.pk).status == DeliveryStatus.SENT
    [request] = [r for r in http_server.requests if r.path == "/billing"]
    verify_webhook(secret=endpoint.secret, headers=request.headers, body=request.body)
    event = request.json()
    assert (event["type"], event["data"]["old_plan"]["name"]) == ("plan.changed", "Starter")
    assert event["data"]["new_plan"]["name"] == "Growth"
    assert "Growth" in _text(owner.get(reverse("accounts:settings")))

    # 3. The owner makes a read-only key on the settings page; an API client lists reports
    # with it and is refused a write, which changes nothing.
    made = owner.post(
        reverse("accounts:api_key_create"),
        {"name": "Dashboard sync", "scopes": ["reports:read"], "expires_in_days": 30},
        **HTMX,
    )
    token = re.search(r'value="(mh_[^"]+)"', made.content.decode()).group(1)
    api = Client(headers={"Authorization": f"Bearer {token}"})
    listed = api.get("/api/reports")
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["items"]] == [report.pk]
    refused = api.post("/api/brands", {"name": "Globex"}, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "insufficient_scope"
    assert not Brand.objects.filter(organization=org_a, name="Globex").exists()
    assert ApiKey.objects.get(organization=org_a).last_used_at is not None

    # 4. The API documents itself: the schema names these endpoints, the docs page serves it.
    schema = Client().get("/api/openapi.json").json()
    assert {"/api/reports", "/api/brands", "/api/usage"} <= set(schema["paths"])
    docs = Client().get("/api/docs")
    assert docs.status_code == 200 and "/api/openapi.json" in docs.content.decode()
