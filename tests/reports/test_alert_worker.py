"""Done when: a user receives a spike alert with its articles. End to end on a live Celery
worker: an analysis finds the mention that makes a spike, the evaluation it queues raises
the alert, and the email task delivers it through a real SMTP server."""

from datetime import timedelta

import pytest
from django.utils import timezone

from reports.alerts.models import AlertKind, AlertNotification, DeliveryStatus
from reports.models import Alert, AlertDelivery
from reports.services.analyse import AnalysisOptions, reports_analyse
from tests.harness.waiting import wait_for
from tests.reports.alert_builders import make_rule, mention_at
from tests.reports.analysis_data import make_article, track


@pytest.fixture
def empty_queue(transactional_db):
    # Messages left by an earlier run would be consumed by our worker.
    from marketing_hunting.celery import app

    app.control.purge()


def test_a_user_receives_a_spike_alert_with_its_articles(
    empty_queue, settings, org_a, alice, bob, smtp_server, celery_worker
):
    settings.OPENAI_API_KEY = None
    settings.OPENAI_BASE_URL = None
    settings.SITE_URL = "https://mh.example.com"
    nike = track(org_a, "Nike")
    now = timezone.now()
    for h in range(1, 5):
        mention_at(nike, now - timedelta(hours=h), title=f"Nike earlier story {h}")
    rule = make_rule(org_a, name="Spikes", kind=AlertKind.SPIKE, min_mentions=5)
    rule.email_recipients.set([alice])
    article = make_article(org_a, title="Nike sales soar")

    # The fifth mention of the day: the analysis queues the organization's evaluation.
    reports_analyse(article_ids=[article.pk], options=AnalysisOptions(use_llm=False))

    assert wait_for(lambda: smtp_server.messages, timeout=90)
    [message] = smtp_server.messages
    assert message["To"] == "alice@example.com"
    assert message["Subject"] == "[Marketing Hunting] Mention spike: Nike"
    text = message.get_body(("plain",)).get_content()
    assert "Nike sales soar" in text
    assert all(f"Nike earlier story {h}" in text for h in range(1, 5))
    alert = Alert.objects.get()
    assert f"https://mh.example.com/alerts/{alert.pk}/" in text
    assert alert.mentions.count() == 5
    assert wait_for(
        lambda: AlertDelivery.objects.filter(status=DeliveryStatus.SENT).count() == 1, timeout=30
    )
    assert set(AlertNotification.objects.values_list("user__username", flat=True)) == {
        "alice",
        "bob",
    }
