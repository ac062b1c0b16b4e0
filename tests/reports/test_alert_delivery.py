"""Sending alerts for real: email through a local SMTP server, webhooks to a local HTTP
server that checks the signature, and a mail server that is down (retried, recorded, shown)."""

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from reports.alerts.delivery import deliveries_due, deliveries_retry, delivery_attempt
from reports.alerts.models import AlertDelivery, AlertKind, DeliveryChannel, DeliveryStatus
from reports.alerts.services import alerts_evaluate
from tests.harness.http_server import Reply
from tests.harness.smtp_server import free_port
from tests.harness.waiting import ceiling
from tests.reports.alert_builders import make_rule, mention_at
from tests.reports.page_data import make_brand

pytestmark = pytest.mark.django_db

SITE = "https://mh.example.com"
MARKUP_NAME = '<img src=x onerror="alert(1)"> Acme & Sons'


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE
    settings.ALERT_DELIVERY_ATTEMPTS = 3


def _spike(org, *, name="Acme Corp", **rule_values):
    brand = make_brand(org, name)
    now = timezone.now()
    for h in range(1, 6):
        mention_at(brand, now - timedelta(hours=h), title=f"{name} story {h}")
    rule = make_rule(org, kind=AlertKind.SPIKE, min_mentions=5, **rule_values)
    return rule


def _only(channel):
    return AlertDelivery.objects.get(channel=channel)


def test_a_member_receives_a_spike_alert_email_with_its_articles(org_a, alice, bob, smtp_server):
    rule = _spike(org_a, name=MARKUP_NAME)
    rule.email_recipients.set([alice])
    [alert] = alerts_evaluate()

    delivery = delivery_attempt(delivery_id=_only(DeliveryChannel.EMAIL).pk)

    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1
    [message] = smtp_server.messages
    assert message["To"] == "alice@example.com"
    assert message["Subject"] == f"[Marketing Hunting] Mention spike: {MARKUP_NAME}"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for n in range(1, 6):
        assert f"{MARKUP_NAME} story {n}" in text
    assert f"{SITE}/alerts/{alert.pk}/" in text and f"{SITE}/reports/" in text
    # The brand's markup is text in the HTML part, never markup.
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; Acme &amp; Sons" in html
    assert f'href="{SITE}/alerts/{alert.pk}/"' in html
    assert html.count("story") == 5


def test_a_mail_server_that_is_down_is_retried_recorded_and_shown(
    org_a, alice, settings, client_for
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    rule = _spike(org_a)
    rule.email_recipients.set([alice])
    [alert] = alerts_evaluate()
    pk = _only(DeliveryChannel.EMAIL).pk

    first = delivery_attempt(delivery_id=pk)
    assert first.status == DeliveryStatus.PENDING and first.attempts == 1
    assert "ConnectionRefusedError" in first.last_error
    assert first.next_attempt_at > timezone.now() + timedelta(seconds=20)
    # Not due yet: neither the task nor the sweep tries again before the back-off.
    assert delivery_attempt(delivery_id=pk) is None
    assert pk not in deliveries_due()

    later = timezone.now() + timedelta(hours=2)
    assert pk in deliveries_due(now=later)
    assert delivery_attempt(delivery_id=pk, now=later).attempts == 2
    last = delivery_attempt(delivery_id=pk, now=later + timedelta(hours=2))
    assert last.status == DeliveryStatus.FAILED and last.attempts == 3
    assert delivery_attempt(delivery_id=pk, now=later + timedelta(days=1)) is None

    page = client_for(alice).get(alert.get_absolute_url()).content.decode()
    assert "Failed" in page and "ConnectionRefusedError" in page
    dashboard = client_for(alice).get("/").content.decode()
    assert "Alert deliveries failed (7 days)" in dashboard


def test_an_operator_retry_sends_a_failed_delivery_once_the_server_is_back(
    org_a, alice, smtp_server
):
    rule = _spike(org_a)
    rule.email_recipients.set([alice])
    alerts_evaluate()
    delivery = _only(DeliveryChannel.EMAIL)
    AlertDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED, attempts=3, last_error="ConnectionRefusedError"
    )

    assert deliveries_retry(delivery_ids=[delivery.pk]) == 1
    sent = delivery_attempt(delivery_id=delivery.pk)

    assert sent.status == DeliveryStatus.SENT and sent.last_error == ""
    assert len(smtp_server.messages) == 1


def _verify(request, secret):
    timestamp = request.headers["x-mh-timestamp"]
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(request.headers["x-mh-signature"], f"sha256={expected}")


def test_a_webhook_receives_a_signed_payload_with_the_articles(org_a, alice, http_server):
    http_server.add_route("/hook", Reply(status=204))
    rule = _spike(org_a, webhook_url=http_server.url_for("/hook"))
    [alert] = alerts_evaluate()
    delivery = _only(DeliveryChannel.WEBHOOK)

    sent = delivery_attempt(delivery_id=delivery.pk)

    assert sent.status == DeliveryStatus.SENT and sent.response_status == 204
    [request] = http_server.requests_to("/hook")
    assert request.method == "POST"
    assert _verify(request, rule.webhook_secret)
    assert not _verify(request, "another secret")
    assert abs(int(request.headers["x-mh-timestamp"]) - timezone.now().timestamp()) < ceiling(60)
    payload = json.loads(request.body)
    assert payload["event_id"] == request.headers["x-mh-event-id"] == str(delivery.event_id)
    assert payload["type"] == "alert.raised"
    assert payload["alert"]["brand"]["name"] == "Acme Corp"
    assert payload["alert"]["url"] == f"{SITE}/alerts/{alert.pk}/"
    assert payload["alert"]["observed"] == 5
    assert sorted(a["title"] for a in payload["articles"]) == [
        f"Acme Corp story {n}" for n in range(1, 6)
    ]
    assert payload["text"].startswith("Mention spike: Acme Corp: 5 mentions")


def test_a_failing_webhook_is_retried_with_the_same_event_id(org_a, alice, http_server):
    http_server.add_route("/hook", Reply(status=503), Reply(status=200))
    _spike(org_a, webhook_url=http_server.url_for("/hook"))
    alerts_evaluate()
    pk = _only(DeliveryChannel.WEBHOOK).pk

    failed = delivery_attempt(delivery_id=pk)
    assert failed.status == DeliveryStatus.PENDING
    assert failed.last_error == "the receiver answered HTTP 503" and failed.response_status == 503
    sent = delivery_attempt(delivery_id=pk, now=timezone.now() + timedelta(hours=1))

    assert sent.status == DeliveryStatus.SENT and sent.attempts == 2
    first, second = http_server.requests_to("/hook")
    assert first.headers["x-mh-event-id"] == second.headers["x-mh-event-id"]


def test_a_webhook_to_a_private_address_is_refused_when_they_are_not_allowed(
    org_a, alice, settings
):
    _spike(org_a, webhook_url="https://hooks.example.com/x")
    alerts_evaluate()
    delivery = _only(DeliveryChannel.WEBHOOK)
    AlertDelivery.objects.filter(pk=delivery.pk).update(recipient="http://127.0.0.1:9/hook")
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False

    attempted = delivery_attempt(delivery_id=delivery.pk)

    assert attempted.status == DeliveryStatus.PENDING
    assert "127.0.0.1" in attempted.last_error


def test_a_delivery_lost_mid_send_is_made_due_again_by_the_sweep(org_a, alice):
    rule = _spike(org_a)
    rule.email_recipients.set([alice])
    alerts_evaluate()
    delivery = _only(DeliveryChannel.EMAIL)
    long_ago = timezone.now() - timedelta(hours=1)
    AlertDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, last_attempt_at=long_ago
    )

    assert deliveries_due() == [delivery.pk]
    assert AlertDelivery.objects.get(pk=delivery.pk).status == DeliveryStatus.PENDING


@pytest.mark.django_db(transaction=True)
def test_a_delivery_that_fails_shows_on_a_dashboard_already_cached(
    org_a, alice, settings, client_for
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.ALERT_DELIVERY_ATTEMPTS = 1
    rule = _spike(org_a)
    rule.email_recipients.set([alice])
    alerts_evaluate()
    client = client_for(alice)
    assert "Alert deliveries failed" not in client.get("/").content.decode()  # now cached

    failed = delivery_attempt(delivery_id=_only(DeliveryChannel.EMAIL).pk)

    assert failed.status == DeliveryStatus.FAILED
    assert "Alert deliveries failed (7 days)" in client.get("/").content.decode()


def test_a_delivery_lost_mid_send_at_its_last_attempt_fails_with_the_reason(org_a, alice):
    rule = _spike(org_a)
    rule.email_recipients.set([alice])
    alerts_evaluate()
    delivery = _only(DeliveryChannel.EMAIL)
    AlertDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING,
        attempts=3,  # ALERT_DELIVERY_ATTEMPTS in these tests
        last_attempt_at=timezone.now() - timedelta(hours=1),
    )

    assert deliveries_due() == []
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error == "The worker sending it stopped during the last attempt."


def test_an_unexpected_error_is_recorded_as_a_failed_attempt(org_a, alice, monkeypatch):
    # A bug in building the payload, simulated: it must not leave the delivery "sending".
    from reports.alerts import delivery as delivery_module

    def broken(*args, **kwargs):
        raise RuntimeError("payload bug")

    monkeypatch.setattr(delivery_module, "webhook_payload", broken)
    _spike(org_a, webhook_url="https://hooks.example.com/x")
    alerts_evaluate()

    attempted = delivery_attempt(delivery_id=_only(DeliveryChannel.WEBHOOK).pk)

    assert attempted.status == DeliveryStatus.PENDING and attempted.attempts == 1
    assert attempted.last_error == "RuntimeError: payload bug"
