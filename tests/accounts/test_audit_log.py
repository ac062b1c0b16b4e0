"""The audit log: what is recorded (each changed field, before and after; never a secret),
who may read it, its filters, pages and CSV, and that it is one organization's alone."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts import llm_connection, services
from accounts.admin import OrganizationAdmin
from accounts.models import AuditAction, AuditEvent, Membership, Plan, Role
from contacts.services.privacy import contact_erase, contact_export
from tests.contacts.builders import make_brand, make_contact

pytestmark = pytest.mark.django_db


def membership(org, user) -> Membership:
    return Membership.objects.get(organization=org, user=user)


def lines(org, action) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(organization=org, action=action))


def test_a_settings_change_records_each_changed_field_with_who_and_the_address(
    org_a, alice, client_for
):
    response = client_for(alice).post(
        reverse("accounts:edit"),
        {
            "name": "Acme Team",
            "time_zone": "Europe/Paris",
            "language": "de",
            "analysis_mode": "standard",
            "report_retention_days": "90",
        },
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code in (200, 302, 204), response.content[:500]
    [event] = lines(org_a, AuditAction.SETTINGS_CHANGED)
    assert event.actor == alice and event.actor_label == "alice"
    assert str(event.ip_address) == "203.0.113.9"
    changed = {change["field"]: (change["before"], change["after"]) for change in event.changes}
    assert changed == {
        "name": ("Organization A", "Acme Team"),
        "time zone": ("UTC", "Europe/Paris"),
        "language": ("English", "Deutsch"),
        "keep articles and reports (days)": (None, 90),
    }
    # Saving the same values again records nothing.
    org_a.refresh_from_db()
    services.organization_update(
        organization=org_a,
        actor=membership(org_a, alice),
        name="Acme Team",
        time_zone="Europe/Paris",
    )
    assert len(lines(org_a, AuditAction.SETTINGS_CHANGED)) == 1, [
        e.changes for e in lines(org_a, AuditAction.SETTINGS_CHANGED)
    ]


def test_members_invitations_and_roles_are_recorded(org_a, alice, bob):
    owner = membership(org_a, alice)
    services.membership_change_role(membership=membership(org_a, bob), actor=owner, role=Role.ADMIN)
    [role] = lines(org_a, AuditAction.ROLE_CHANGED)
    assert (role.target, role.changes[0]["before"], role.changes[0]["after"]) == (
        "bob",
        "Member",
        "Admin",
    )
    invitation = services.invitation_create(
        organization=org_a,
        actor=owner,
        email="dan@example.com",
        role=Role.MEMBER,
        accept_url_base="http://testserver",
    )
    assert lines(org_a, AuditAction.INVITATION_SENT)[0].target == "dan@example.com"
    dan = User.objects.create_user("dan", "dan@example.com")
    services.invitation_accept(invitation=invitation, user=dan)
    [added] = lines(org_a, AuditAction.MEMBER_ADDED)
    assert added.actor == dan and added.target == "dan"
    again = services.invitation_create(
        organization=org_a,
        actor=owner,
        email="eve@example.com",
        role=Role.MEMBER,
        accept_url_base="http://testserver",
    )
    services.invitation_revoke(invitation=again, actor=owner)
    assert lines(org_a, AuditAction.INVITATION_REVOKED)[0].target == "eve@example.com"
    services.membership_remove(membership=membership(org_a, bob), actor=owner)
    assert lines(org_a, AuditAction.MEMBER_REMOVED)[0].target == "bob"


def test_api_keys_and_the_llm_connection_are_recorded_without_any_secret(org_a, alice, settings):
    from tests.accounts.llm_data import new_fernet_key

    settings.FIELD_ENCRYPTION_KEYS = [new_fernet_key()]
    owner = membership(org_a, alice)
    key, token = services.api_key_create(
        organization=org_a,
        actor=owner,
        name="CRM sync",
        scopes=["reports:read"],
        expires_in_days=30,
    )
    services.api_key_revoke(key=key, actor=owner)
    secret = "sk-live-abcdefghijklmnop1234"
    llm_connection.llm_connection_update(
        organization=org_a,
        actor=owner,
        source="own",
        model="gpt-4o-mini",
        api_key=secret,
        base_url="",
    )
    [created] = lines(org_a, AuditAction.API_KEY_CREATED)
    assert created.target == f"CRM sync (mh_{key.prefix}_…)"
    assert lines(org_a, AuditAction.API_KEY_REVOKED)[0].target == created.target
    [llm] = lines(org_a, AuditAction.LLM_CHANGED)
    assert {"field": "API key", "before": None, "after": "set"} in llm.changes
    everything = json.dumps(list(AuditEvent.objects.values()), default=str)
    assert secret not in everything and secret[-4:] not in everything
    # mh_<prefix>_<secret>; the secret is urlsafe base64, which may hold "_" itself.
    assert token.split("_", 2)[2] not in everything


def test_operators_plan_and_quota_changes_in_the_admin_are_recorded(org_a, alice):
    root = User.objects.create_superuser("root", "root@example.com", "x")
    request = RequestFactory().post("/admin/")
    request.user = root
    model_admin = OrganizationAdmin(type(org_a), admin.site)
    org_a.plan = Plan.objects.create(name="Agency deal", max_feeds=10)
    org_a.max_feeds = 25
    model_admin.save_model(request, org_a, form=None, change=True)
    [quota] = lines(org_a, AuditAction.QUOTA_CHANGED)
    assert quota.actor_label == "operator root"
    assert quota.changes == [{"field": "max feeds", "before": None, "after": 25}]
    [plan] = lines(org_a, AuditAction.PLAN_CHANGED)
    assert plan.changes == [{"field": "plan", "before": "no limits", "after": "Agency deal"}]


def test_gdpr_exports_and_erasures_are_recorded_without_the_person(org_a, alice):
    contact = make_contact(
        make_brand(org_a, "Acme Corp"), full_name="Jane Doe", email="jane@acme.example"
    )
    contact_id = contact.pk
    contact_export(contact=contact, actor=alice)
    contact_erase(contact=contact, actor=alice, reason="asked by email")
    [exported] = lines(org_a, AuditAction.CONTACT_EXPORTED)
    [erased] = lines(org_a, AuditAction.CONTACT_ERASED)
    assert exported.target == erased.target == f"contact #{contact_id}"
    everything = json.dumps(list(AuditEvent.objects.values()), default=str)
    assert "Jane" not in everything and "jane@" not in everything


def test_a_data_export_is_recorded(org_a, alice, client_for, settings, tmp_path):
    settings.EXPORT_DIR = tmp_path
    response = client_for(alice).post(
        reverse("reports:export"),
        {"page": "reports", "kind": "reports", "format": "csv", "range": "7d"},
    )
    assert response.status_code == 200
    [event] = lines(org_a, AuditAction.DATA_EXPORTED)
    assert event.actor == alice and event.target.startswith("reports-")


def _seed(org, user, count: int, action=AuditAction.API_KEY_CREATED, name: str = "line") -> None:
    from accounts.audit import audit_record

    for number in range(count):
        audit_record(organization=org, actor=user, action=action, target=f"{name} {number}")


def test_owners_and_admins_read_the_page_members_do_not_and_charlie_sees_only_his(
    org_a, org_b, alice, bob, charlie, client_for
):
    _seed(org_a, alice, 2)
    _seed(org_b, charlie, 1, AuditAction.LOGO_REMOVED)
    url = reverse("accounts:audit_log")
    page = client_for(alice).get(url)
    assert page.status_code == 200 and b"line 1" in page.content
    assert client_for(bob).get(url).status_code == 403
    assert client_for(bob).get(reverse("accounts:audit_log_csv")).status_code == 403
    theirs = client_for(charlie).get(url)
    assert theirs.status_code == 200
    assert b"line 1" not in theirs.content and b"Logo removed" in theirs.content
    csv_text = b"".join(
        client_for(charlie).get(reverse("accounts:audit_log_csv")).streaming_content
    )
    assert b"line 1" not in csv_text and b"charlie" in csv_text


def test_the_filters_narrow_the_lines_and_bad_dates_are_left_out_with_a_message(
    org_a, alice, bob, client_for
):
    _seed(org_a, alice, 2)
    _seed(org_a, bob, 1, AuditAction.LOGO_REMOVED, name="logo")
    old = AuditEvent.objects.filter(target="line 0")
    # Back-dating is only possible beneath the model (a test's privilege).
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AuditEvent._meta.db_table} SET created_at = %s WHERE id = %s",  # noqa: S608
            [timezone.now() - timedelta(days=40), old.get().pk],
        )
    client = client_for(alice)
    url = reverse("accounts:audit_log")
    by_actor = client.get(url, {"actor": "bob"}).content
    assert b"Logo removed" in by_actor and b"line 1" not in by_actor
    by_action = client.get(url, {"action": AuditAction.API_KEY_CREATED}).content
    assert (
        b"line 1" in by_action
        and b"line 0" in by_action
        and b"Logo removed</span>" not in by_action
    )
    since = (timezone.localdate() - timedelta(days=10)).isoformat()
    recent = client.get(url, {"date_from": since}).content
    assert b"line 1" in recent and b"line 0" not in recent
    bad = client.get(url, {"date_from": "yesterday-ish", "actor": "bob"})
    assert bad.status_code == 200
    assert b"The filter was left out" in bad.content and b"Logo removed</span>" in bad.content
    backwards = client.get(url, {"date_from": since, "date_to": "2000-01-01"})
    assert b"The end date is before the start date" in backwards.content


def test_the_page_is_paginated_and_the_csv_holds_every_filtered_line(
    org_a, alice, client_for, monkeypatch
):
    monkeypatch.setattr("accounts.portal_views.AUDIT_PER_PAGE", 3)
    _seed(org_a, alice, 7)
    _seed(org_a, alice, 1, AuditAction.LOGO_REMOVED, name="logo")
    client = client_for(alice)
    first = client.get(reverse("accounts:audit_log")).content
    assert b"Page 1 of 3" in first and b"line 6" in first and b"line 0" not in first
    last = client.get(reverse("accounts:audit_log"), {"page": 3}).content
    assert b"line 0" in last
    response = client.get(
        reverse("accounts:audit_log_csv"), {"action": AuditAction.API_KEY_CREATED}
    )
    assert response["Content-Disposition"].startswith('attachment; filename="audit-log-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["time", "actor", "action", "target", "changes", "ip_address"]
    assert [row[3] for row in rows[1:]] == [f"line {n}" for n in range(6, -1, -1)]


def test_a_csv_cell_that_looks_like_a_formula_is_defused(org_a, alice, client_for):
    from accounts.audit import audit_record

    audit_record(
        organization=org_a,
        actor=alice,
        action=AuditAction.INVITATION_SENT,
        target='=HYPERLINK("http://evil")',
    )
    body = b"".join(client_for(alice).get(reverse("accounts:audit_log_csv")).streaming_content)
    assert b"'=HYPERLINK" in body


def test_the_admin_shows_the_log_read_only(org_a, alice, client_for):
    _seed(org_a, alice, 1)
    event = AuditEvent.objects.get()
    root = User.objects.create_superuser("root", "root@example.com", "x")
    console = client_for(root)
    assert console.get("/admin/accounts/auditevent/").status_code == 200
    assert console.get(f"/admin/accounts/auditevent/{event.pk}/change/").status_code == 200
    assert console.post(f"/admin/accounts/auditevent/{event.pk}/delete/").status_code == 403
    assert console.get("/admin/accounts/auditevent/add/").status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
def test_the_pages_queries_read_the_audit_indexes(org_a, org_b, alice, rf):
    from accounts.forms import AuditFilterForm
    from accounts.portal_views import _filtered_events

    AuditEvent.objects.bulk_create(
        AuditEvent(
            organization=org if n % 2 else org_a,
            actor=alice,
            actor_label="alice",
            action=AuditAction.values[n % len(AuditAction.values)],
            target=f"t{n}",
        )
        for n in range(3000)
        for org in (org_b,)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {AuditEvent._meta.db_table}")
    request = rf.get("/")
    request.organization = org_a
    for params, index in (
        ({}, "audit_org_created_idx"),
        ({"action": AuditAction.LOGO_REMOVED}, "audit_org_action_idx"),
    ):
        query = _filtered_events(request, AuditFilterForm(params or None))[:50]
        plan = query.explain()
        assert index in plan, plan
