"""One row of every model the admin shows, so each change, history and delete page exists."""

from __future__ import annotations

from datetime import timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group, User
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from django_celery_results.models import GroupResult, TaskResult

from accounts.models import (
    DeletionStatus,
    Invitation,
    Membership,
    Organization,
    OrganizationDeletion,
    OrganizationLLM,
    Plan,
    QuotaWarning,
    Role,
    UsageDaily,
)
from accounts.services import api_key_create
from contacts.models import (
    ContactSettings,
    DiscoveryRun,
    DraftTemplate,
    DraftTone,
    EmailDraft,
    EmailTemplate,
    ErasureRecord,
)
from jobs.models import JobExecution, JobNotification
from monitoring.models import (
    LogEntry,
    OperatorAlertKind,
    OperatorDelivery,
    OperatorEvent,
    OperatorIncident,
    OperatorNotification,
)
from reports.alerts.models import Alert, AlertDelivery, AlertKind, AlertRule, DeliveryChannel
from reports.economy.models import BatchItemStatus, BatchStatus, LLMBatch, LLMBatchItem
from reports.exports.models import Export, ExportFormat, ExportKind
from reports.knowledge.models import KnowledgeBaseVersion, KnowledgeBrand, KnowledgeKind
from reports.models import (
    BlockedTerm,
    BrandAlias,
    BrandGroup,
    BrandSeparation,
    ExtractionCache,
    FeedbackAction,
    FeedbackEvent,
    KeywordRule,
)
from reports.shares.models import ShareKind
from reports.shares.services import share_link_create
from tests.contacts.builders import make_contact
from tests.feeds.builders import make_feed
from tests.jobs.builders import make_job
from tests.monitoring.operator_alert_builders import make_rule
from tests.reports.digest_data import make_subscription, make_template
from tests.reports.page_data import (
    add_mention,
    make_article,
    make_brand,
    make_industry,
    make_report,
)


def seed_every_admin_model(org: Organization, user: User) -> None:
    now = timezone.now()
    feed = make_feed(org, "https://news.example/feed.xml", name="Business wire")
    article = make_article(org, "/plant", title="Acme opens a plant", feeds=(feed,))
    report = make_report(article, summary="Acme builds a plant in Lyon.")
    brand = make_brand(org, "Acme Corp", website="https://acme.example")
    other = make_brand(org, "Globex")
    add_mention(report, brand)
    make_industry(org, "Retail")
    BrandAlias.objects.create(organization=org, brand=brand, alias="Acme", normalized="acme")
    BrandGroup.objects.create(organization=org, name="Prospects")
    BrandSeparation.objects.create(organization=org, brand=brand, other=other)
    BlockedTerm.objects.create(organization=org, term="Monday", normalized="monday")
    FeedbackEvent.objects.create(organization=org, action=FeedbackAction.EDIT, brand=brand)
    KeywordRule.objects.create(organization=org, name="Plants")
    Export.objects.create(
        organization=org,
        kind=ExportKind.MENTIONS,
        format=ExportFormat.XLSX,
        date_from=now.date() - timedelta(days=30),
        date_to=now.date(),
        time_zone="UTC",
        requested_by=user,
    )
    rule = AlertRule.objects.create(organization=org, name="Spikes", kind=AlertKind.SPIKE)
    alert = Alert.objects.create(
        organization=org,
        rule=rule,
        brand=brand,
        kind=AlertKind.SPIKE,
        brand_name=brand.name,
        summary="Acme Corp: 6 mentions in 24 hours.",
        observed=6,
        window_start=now - timedelta(hours=24),
        window_end=now,
    )
    AlertDelivery.objects.create(
        organization=org,
        alert=alert,
        channel=DeliveryChannel.EMAIL,
        recipient="alice@example.com",
        next_attempt_at=now,
    )
    ExtractionCache.objects.create(key="k" * 64, result={"brands": []})
    batch = LLMBatch.objects.create(
        organization=org,
        model="gpt-4o-mini",
        provider_id="batch_seed",
        status=BatchStatus.OPEN,
        provider_status="in_progress",
        request_count=1,
        submitted_at=now,
    )
    LLMBatchItem.objects.create(
        organization=org,
        batch=batch,
        report=report,
        model="gpt-4o-mini",
        status=BatchItemStatus.SUBMITTED,
    )
    KnowledgeBaseVersion.objects.create(label="NSI test", checksum="c" * 64)
    KnowledgeBrand.objects.create(
        name="Tesco", key="tesco", kind=KnowledgeKind.choices[0][0], source="nsi"
    )

    contact = make_contact(brand, "Jane Doe", email="jane@acme.example")
    ContactSettings.objects.get_or_create(organization=org)
    DiscoveryRun.objects.create(organization=org, brand=brand)
    EmailTemplate.objects.create(
        organization=org, kind=DraftTemplate.choices[0][0], subject="Hello", body="Hi {name}"
    )
    EmailDraft.objects.create(
        organization=org,
        contact=contact,
        subject="Your plant",
        body="Hello Jane",
        template=DraftTemplate.choices[0][0],
        tone=DraftTone.choices[0][0],
        generated_at=now,
    )
    ErasureRecord.objects.create(organization=org, contact_ref=42)

    job = make_job(org, name="Morning run", feeds=[feed])
    JobExecution.objects.create(organization=org, job=job)
    JobNotification.objects.create(organization=org, message="Morning run failed")
    LogEntry.objects.create(
        time=now,
        level=20,
        logger="feeds",
        message="fetched",
        role="web",
        host="test",
        pid=1,
        stream_id="1-0",
    )

    Invitation.objects.create(organization=org, email="new@example.com")
    UsageDaily.objects.create(organization=org, date=now.date())
    Membership.objects.get_or_create(organization=org, user=user, defaults={"role": Role.OWNER})
    api_key_create(
        organization=org,
        actor=Membership.objects.get(organization=org, user=user),
        name="CRM sync",
        scopes=["reports:read"],
        expires_in_days=30,
    )
    # The key's creation wrote an audit line (AuditEvent); a cancelled deletion request.
    OrganizationDeletion.objects.create(
        organization=org,
        organization_ref=org.pk,
        organization_name=org.name,
        requested_by_label=user.username,
        erase_after=now + timedelta(days=14),
        status=DeletionStatus.CANCELLED,
    )
    Group.objects.create(name="Operators")
    OrganizationLLM.objects.create(organization=org, model="gpt-4o-mini")
    Plan.objects.get_or_create(
        name="Seed plan", defaults={"max_feeds": 5, "max_api_calls_per_minute": 60}
    )
    QuotaWarning.objects.create(
        organization=org, resource="feeds", period="", threshold=80, used=4, limit=5
    )
    # Operator alerts: a rule, an incident that fired and the email it sent.
    operator_rule = make_rule(OperatorAlertKind.values[0])
    incident = OperatorIncident.objects.create(
        rule=operator_rule, subject="Workers", opened_at=now, last_seen_at=now, fired_at=now
    )
    message = OperatorNotification.objects.create(rule=operator_rule, event=OperatorEvent.values[0])
    message.incidents.add(incident)
    OperatorDelivery.objects.create(
        notification=message,
        channel=DeliveryChannel.EMAIL,
        recipient="ops@example.com",
        next_attempt_at=now,
    )
    # Digests and share links.
    digest = make_template(org, name="Weekly brief")
    subscription = make_subscription(digest, user=user)
    subscription.deliveries.create(
        organization=org,
        user=user,
        recipient="alice@example.com",
        period=now.date(),
        window_start=now - timedelta(days=7),
        window_end=now,
        next_attempt_at=now,
    )
    share_link_create(
        organization=org,
        actor=user,
        kind=ShareKind.ANALYTICS,
        title="Client view",
        params={},
        days=7,
    )
    seen = {"user_agent": "Chromium", "http_accept": "*/*", "path_info": "/login/"}
    AccessAttempt.objects.create(
        username="mallory", get_data="", post_data="", failures_since_start=1, **seen
    )
    AccessFailureLog.objects.create(username="mallory", **seen)
    AccessLog.objects.get_or_create(username="root", defaults=seen)

    crontab = CrontabSchedule.objects.create(minute="0", hour="6")
    IntervalSchedule.objects.create(every=10, period=IntervalSchedule.MINUTES)
    ClockedSchedule.objects.create(clocked_time=now + timedelta(days=1))
    SolarSchedule.objects.create(event="sunrise", latitude=48.85, longitude=2.35)
    PeriodicTask.objects.create(name="Test task", task="feeds.tasks.refresh", crontab=crontab)
    TaskResult.objects.create(
        task_id="t-1", content_type="application/json", content_encoding="utf-8"
    )
    GroupResult.objects.create(
        group_id="g-1", content_type="application/json", content_encoding="utf-8"
    )
    # Billing hooks: an endpoint, a closed usage record and an event with its delivery.
    from billing.models import EventType, WebhookEndpoint
    from billing.services import event_emit, usage_record_compute

    WebhookEndpoint.objects.create(url="https://billing.example.com/hooks", events=[])
    usage_record_compute(organization=org, day=now.date() - timedelta(days=1), close=True)
    event_emit(organization=org, type=EventType.PLAN_CHANGED, data={}, enqueue=False)
