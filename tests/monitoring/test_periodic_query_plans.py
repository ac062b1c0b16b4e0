"""The operator checks and purges beat runs read only what they act on, from an index.

The hourly purge once read every operator notification and incident ever made to find those
past retention; the quota check (every minute, through the operator alert rules) read every
day of LLM usage of every organization to sum this month's. Pinned on PostgreSQL (with
statistics of a long history) and on SQLite (which follows the query's shape).
"""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import UsageDaily
from monitoring.models import OperatorIncident, OperatorNotification
from monitoring.operator_alerts import operator_incidents_purge
from monitoring.system_health import quota_item
from tests.monitoring.operator_alert_builders import make_rule
from tests.reports.test_periodic_query_plans import plans_reading

pytestmark = pytest.mark.django_db

HISTORY = 2000


def analyze(*tables: str) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"ANALYZE {table}")


def test_the_purge_reads_only_what_is_past_retention_from_indexes():
    rule = make_rule("feeds_failing")
    now = timezone.now()
    recent = now - timedelta(days=1)
    # Recent history the purge must not read: open and freshly resolved incidents, and
    # their notifications.
    OperatorIncident.objects.bulk_create(
        OperatorIncident(
            rule=rule,
            key=f"feed:{n}",
            subject=f"Feed {n}",
            opened_at=recent,
            last_seen_at=recent,
            resolved_at=recent if n % 2 else None,
        )
        for n in range(HISTORY)
    )
    OperatorNotification.objects.bulk_create(
        OperatorNotification(rule=rule, event="firing") for _ in range(HISTORY)
    )
    long_ago = now - timedelta(days=400)
    old = OperatorIncident.objects.create(
        rule=rule, key="old", subject="Old", opened_at=long_ago, last_seen_at=long_ago,
        resolved_at=long_ago,
    )  # fmt: skip
    old_note = OperatorNotification.objects.create(rule=rule, event="resolved")
    OperatorNotification.objects.filter(pk=old_note.pk).update(created_at=long_ago)
    old_note.incidents.add(old)
    analyze("monitoring_operatorincident", "monitoring_operatornotification")

    with CaptureQueriesContext(connection) as queries:
        deleted = operator_incidents_purge(older_than_days=90, now=now)

    assert deleted == 1
    assert not OperatorIncident.objects.filter(pk=old.pk).exists()
    assert OperatorIncident.objects.count() == HISTORY
    assert OperatorNotification.objects.count() == HISTORY
    [notifications] = plans_reading("monitoring_operatornotification", queries)[:1]
    assert "operator_notification_made_idx" in notifications, notifications
    # The old incidents from the partial index; then only rows by id.
    [old_ones, *by_id] = plans_reading("monitoring_operatorincident", queries)
    assert "operator_incident_resolved_idx" in old_ones, old_ones
    incidents = [old_ones, *by_id]
    if connection.vendor == "postgresql":
        assert all("Index Cond: (id = " in p or "id = ANY" in p for p in by_id), by_id
        # Their links by incident id, not every link of every notification.
        links = plans_reading("monitoring_operatornotification_incidents", queries)
        assert links and all("Index Cond" in p and "operatorincident_id" in p for p in links), links
    assert "Seq Scan on monitoring_operatornotification " not in notifications, notifications
    for plan in incidents:
        assert "Seq Scan on monitoring_operatorincident " not in plan, plan


def test_the_quota_check_sums_this_months_usage_from_the_unique_index(org_a, org_b):
    today = date(2026, 12, 6)
    UsageDaily.objects.bulk_create(
        UsageDaily(organization=org, date=today - timedelta(days=n), tokens_in=10, tokens_out=5)
        for org in (org_a, org_b)
        for n in range(HISTORY // 2)
    )
    org_b.llm_monthly_token_quota = 1000
    org_b.save(update_fields=["llm_monthly_token_quota"])
    analyze("accounts_usagedaily", "accounts_organization")

    with CaptureQueriesContext(connection) as queries:
        item = quota_item(today)

    # Six days of December, 15 tokens a day: only this month counts, not the 1,000 days.
    used = {row["name"]: (row["used"], row["quota"]) for row in item.rows}
    assert used == {"Organization A": ("90", "none"), "Organization B": ("90", "1,000")}, used
    [plan] = plans_reading("accounts_organization", queries)
    if connection.vendor == "postgresql":
        assert "unique_usage_day" in plan and "date >=" in plan, plan
        assert "Seq Scan on accounts_usagedaily" not in plan, plan
    else:
        assert "(organization_id=? AND date>? AND date<?)" in plan, plan  # its autoindex
