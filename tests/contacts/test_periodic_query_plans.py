"""The hourly discovery sweeps read the few rows they act on from indexes.

The sweep of lost runs once read every discovery run ever made (and sorted them newest
first) to find the few still queued or running; the refresh of stale suggestions read every
contact and every run. The plans are pinned on PostgreSQL, on tables of 3,000 finished runs
and 3,000 contacts with fresh statistics, and on SQLite, which has no statistics and follows
the query's shape.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contacts.models import BrandContact, ContactSettings, DiscoveryRun, DiscoveryStatus
from contacts.services.discovery import discovery_runs_fail_stuck, suggestions_refresh_stale
from tests.contacts.builders import make_brand, make_suggestion
from tests.reports.test_periodic_query_plans import plans_reading

pytestmark = pytest.mark.django_db


def test_the_lost_run_sweep_reads_only_active_runs_from_their_index(org_a):
    brand = make_brand(org_a, "Acme")
    finished = DiscoveryRun.objects.bulk_create(
        DiscoveryRun(organization=org_a, brand=brand, status=DiscoveryStatus.SUCCEEDED)
        for _ in range(3000)
    )
    long_ago = timezone.now() - timedelta(days=60)  # Most runs are old and finished.
    DiscoveryRun.objects.filter(pk__in=[run.pk for run in finished]).update(created_at=long_ago)
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


def test_the_stale_suggestion_refresh_reads_suggestions_and_recent_runs_from_indexes(org_a, alice):
    ContactSettings.objects.update_or_create(
        organization=org_a,
        defaults={
            "discovery_enabled": True,
            "discovery_consent_by": alice,
            "discovery_consent_at": timezone.now(),
        },
    )
    brand, stale = make_brand(org_a, "Acme"), make_brand(org_a, "Globex")
    long_ago = timezone.now() - timedelta(days=60)
    BrandContact.objects.bulk_create(
        BrandContact(organization=org_a, brand=brand, full_name=f"Person {n}") for n in range(3000)
    )
    old_runs = DiscoveryRun.objects.bulk_create(
        DiscoveryRun(organization=org_a, brand=brand, status=DiscoveryStatus.SUCCEEDED)
        for _ in range(3000)
    )
    DiscoveryRun.objects.filter(pk__in=[run.pk for run in old_runs]).update(created_at=long_ago)
    suggestion = make_suggestion(stale)
    BrandContact.objects.filter(pk=suggestion.pk).update(updated_at=long_ago)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE contacts_discoveryrun")
            cursor.execute("ANALYZE contacts_brandcontact")

    with CaptureQueriesContext(connection) as queries:
        started = suggestions_refresh_stale(older_than=timedelta(days=7))

    assert [run.brand_id for run in started] == [stale.pk]
    [plan] = plans_reading("reports_brand", queries)  # The search, with its three subqueries.
    assert "discovery_run_created_idx" in plan, plan
    assert "discovery_run_status_idx" in plan, plan
    if connection.vendor == "postgresql":
        assert "contact_suggestion_age_idx" in plan, plan
        assert "Seq Scan on contacts_" not in plan, plan
    # SQLite, without statistics, still reads the contacts table for the stale suggestions
    # (it does not weigh the partial index above a scan inside the IN subquery); embedded
    # installations have few contacts.
