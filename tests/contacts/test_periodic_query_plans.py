"""The hourly sweep of lost discovery runs reads the few active runs from an index.

It once read every discovery run ever made (and sorted them newest first) to find the few
still queued or running. The plan is pinned on PostgreSQL, on a table of 3,000 finished runs
with fresh statistics, and on SQLite, which has no statistics and follows the query's shape.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contacts.models import DiscoveryRun, DiscoveryStatus
from contacts.services.discovery import discovery_runs_fail_stuck
from tests.contacts.builders import make_brand
from tests.reports.test_periodic_query_plans import plans_reading

pytestmark = pytest.mark.django_db


def test_the_lost_run_sweep_reads_only_active_runs_from_their_index(org_a):
    brand = make_brand(org_a, "Acme")
    DiscoveryRun.objects.bulk_create(
        DiscoveryRun(organization=org_a, brand=brand, status=DiscoveryStatus.SUCCEEDED)
        for _ in range(3000)
    )
    lost = DiscoveryRun.objects.create(organization=org_a, brand=brand)
    running = DiscoveryRun.objects.create(
        organization=org_a, brand=brand, status=DiscoveryStatus.RUNNING
    )
    DiscoveryRun.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(hours=2))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE contacts_discoveryrun")

    with CaptureQueriesContext(connection) as queries:
        failed = discovery_runs_fail_stuck(older_than=timedelta(minutes=30))

    assert failed == 1
    lost.refresh_from_db()
    running.refresh_from_db()
    assert (lost.status, running.status) == (DiscoveryStatus.FAILED, DiscoveryStatus.RUNNING)
    plan = plans_reading("contacts_discoveryrun", queries)[0]  # The search; the rest are claims.
    assert "discovery_run_status_idx" in plan, plan
    assert "Seq Scan" not in plan and "TEMP B-TREE" not in plan and "Sort" not in plan, plan
