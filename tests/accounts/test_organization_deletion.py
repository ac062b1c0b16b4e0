"""Deleting an organization: the owner's typed confirmation, the export made first, the grace
period with its banner and cancel, and the erasure that leaves nothing of the organization and
everything of the others."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from accounts import deletion as service
from accounts.models import (
    AuditAction,
    AuditEvent,
    DeletionExportStatus,
    DeletionStatus,
    Membership,
    Organization,
    OrganizationDeletion,
    Role,
)
from accounts.tasks import erase_due_organizations
from feeds.models import ArticleFeed
from jobs.models import ExecutionEvent
from tests.accounts.portal_data import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _export_dirs(settings, tmp_path):
    settings.ORGANIZATION_EXPORT_DIR = tmp_path / "org-exports"
    settings.EXPORT_DIR = tmp_path / "exports"


def owner_of(org: Organization, user: User) -> Membership:
    return Membership.objects.get(organization=org, user=user)


def request_deletion(org: Organization, owner: User) -> OrganizationDeletion:
    return service.deletion_request(
        organization=org, actor=owner_of(org, owner), confirm_name=org.name
    )


def test_a_wrong_confirmation_name_refuses_and_changes_nothing(org_a, alice):
    with pytest.raises(ValidationError) as refused:
        service.deletion_request(
            organization=org_a, actor=owner_of(org_a, alice), confirm_name="Organisation A"
        )
    assert "exactly" in refused.value.message_dict["confirm_name"][0]
    org_a.refresh_from_db()
    assert org_a.deletion_scheduled_for is None
    assert not OrganizationDeletion.objects.exists()


def test_only_an_owner_may_request_or_cancel(org_a, alice, bob):
    bob_membership = owner_of(org_a, bob)
    with pytest.raises(PermissionDenied):
        service.deletion_request(organization=org_a, actor=bob_membership, confirm_name=org_a.name)
    bob_membership.role = Role.ADMIN
    with pytest.raises(PermissionDenied):
        service.deletion_request(organization=org_a, actor=bob_membership, confirm_name=org_a.name)
    deletion = request_deletion(org_a, alice)
    with pytest.raises(PermissionDenied):
        service.deletion_cancel(deletion=deletion, actor=bob_membership)


def test_the_request_schedules_the_erasure_after_the_grace_period_and_says_so(
    org_a, alice, bob, client_for, settings
):
    settings.ORGANIZATION_DELETION_GRACE_DAYS = 3
    before = timezone.now()
    deletion = request_deletion(org_a, alice)
    assert deletion.status == DeletionStatus.PENDING
    assert before + timedelta(days=3) <= deletion.erase_after <= timezone.now() + timedelta(days=3)
    org_a.refresh_from_db()
    assert org_a.deletion_scheduled_for == deletion.erase_after
    assert AuditEvent.objects.filter(
        organization=org_a, action=AuditAction.DELETION_REQUESTED, actor=alice
    ).exists()
    # A second request while one is pending is refused.
    with pytest.raises(ValidationError):
        request_deletion(org_a, alice)
    # The organization works as usual, with the banner on every page, for members too.
    page = client_for(bob).get(reverse("dashboard"))
    assert page.status_code == 200
    assert b'data-testid="deletion-banner"' in page.content
    assert b"An owner can cancel it" in page.content


def test_the_export_holds_the_organizations_data_and_nothing_of_another(
    org_a, org_b, alice, charlie
):
    make_world(org_a, alice, "a")
    make_world(org_b, charlie, "b")
    deletion = request_deletion(org_a, alice)
    built = service.deletion_export_build(deletion_id=deletion.pk)
    assert built is not None and built.export_status == DeletionExportStatus.READY
    # Running it again finds it ready and does nothing.
    assert service.deletion_export_build(deletion_id=deletion.pk) is None
    with zipfile.ZipFile(service.export_path(built)) as archive:
        names = set(archive.namelist())
        assert {"reports.csv", "mentions.csv", "brands.csv", "contacts.csv", "feeds.csv"} <= names
        assert {"jobs.csv", "audit_log.csv", "articles.csv", "manifest.json"} <= names
        contacts = list(csv.DictReader(io.TextIOWrapper(archive.open("contacts.csv"), "utf-8")))
        assert [row["full_name"] for row in contacts] == ["Jane a"]
        everything = b"".join(archive.read(name) for name in names)
    assert b"Jane b" not in everything and b"Wireb" not in everything
    assert b"Jane a" in everything and b"Wirea" in everything


def test_owners_download_the_export_others_cannot(org_a, alice, bob, charlie, client_for):
    deletion = request_deletion(org_a, alice)
    service.deletion_export_build(deletion_id=deletion.pk)
    url = reverse("accounts:deletion_export", args=[deletion.pk])
    response = client_for(alice).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).testzip() is None
    assert client_for(bob).get(url).status_code == 403
    assert client_for(charlie).get(url).status_code == 404


def test_the_request_page_refuses_a_wrong_name_with_a_message(org_a, alice, bob, client_for):
    url = reverse("accounts:deletion_request")
    response = client_for(alice).post(url, {"confirm_name": "organization a"})
    assert response.status_code == 400
    assert b"exactly as shown" in response.content
    assert not OrganizationDeletion.objects.exists()
    assert client_for(bob).post(url, {"confirm_name": org_a.name}).status_code == 403
    assert not OrganizationDeletion.objects.exists()
    response = client_for(alice).post(url, {"confirm_name": f"  {org_a.name} "})
    assert response.status_code == 302
    assert OrganizationDeletion.objects.get().status == DeletionStatus.PENDING


def test_an_owner_cancels_and_charlie_cannot(org_a, alice, charlie, client_for):
    deletion = request_deletion(org_a, alice)
    service.deletion_export_build(deletion_id=deletion.pk)
    export = service.export_path(OrganizationDeletion.objects.get())
    url = reverse("accounts:deletion_cancel", args=[deletion.pk])
    assert client_for(charlie).post(url).status_code == 404
    assert OrganizationDeletion.objects.get().status == DeletionStatus.PENDING
    with django_capture_on_commit():
        response = client_for(alice).post(url)
    assert response.status_code == 302
    deletion.refresh_from_db()
    org_a.refresh_from_db()
    assert deletion.status == DeletionStatus.CANCELLED
    assert org_a.deletion_scheduled_for is None
    assert not export.exists()
    assert AuditEvent.objects.filter(action=AuditAction.DELETION_CANCELLED).count() == 1
    # Cancelling again says why, and changes nothing.
    response = client_for(alice).post(url, follow=True)
    assert b"can no longer be cancelled" in response.content
    assert b'data-testid="deletion-banner"' not in client_for(alice).get("/").content


def django_capture_on_commit():
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def counts_for(org_id: int) -> dict[str, int]:
    return service.tenant_row_counts(org_id)


def test_the_erasure_leaves_nothing_of_the_organization_and_the_other_untouched(
    org_a, org_b, alice, bob, charlie
):
    world_a = make_world(org_a, alice, "a")
    make_world(org_b, charlie, "b")
    # Bob also belongs to B: his account stays; alice belonged to A alone.
    Membership.objects.create(organization=org_b, user=bob, role=Role.MEMBER)
    operator = User.objects.create_user("olga", is_staff=True)
    Membership.objects.create(organization=org_a, user=operator, role=Role.MEMBER)
    schedule_a = world_a.job.periodic_task_id
    b_before = counts_for(org_b.pk)
    a_before = counts_for(org_a.pk)
    assert a_before["feeds.Article"] == 1 and a_before["accounts.AuditEvent"] >= 1
    deletion = request_deletion(org_a, alice)
    service.deletion_export_build(deletion_id=deletion.pk)
    export = service.export_path(OrganizationDeletion.objects.get())
    files_a = service.export_root() / str(org_a.pk)
    assert export.exists()

    # Not before its time.
    assert service.organization_erase(deletion_id=deletion.pk) is None
    assert Organization.objects.filter(pk=org_a.pk).exists()

    later = deletion.erase_after + timedelta(seconds=1)
    with django_capture_on_commit():
        erasure = service.organization_erase(deletion_id=deletion.pk, now=later)
    assert erasure is not None
    assert all(count == 0 for count in counts_for(org_a.pk).values()), counts_for(org_a.pk)
    assert not Organization.objects.filter(pk=org_a.pk).exists()
    assert not ArticleFeed.objects.filter(article_id=world_a.article.pk).exists()
    assert not ExecutionEvent.objects.filter(execution__organization_id=org_a.pk).exists()
    assert not PeriodicTask.objects.filter(pk=schedule_a).exists()
    assert not files_a.exists() and not export.exists()
    assert set(User.objects.values_list("username", flat=True)) == {"bob", "charlie", "olga"}
    # Organization B lost nothing.
    assert counts_for(org_b.pk) == b_before
    # The operators' record.
    deletion.refresh_from_db()
    assert deletion.status == DeletionStatus.ERASED and deletion.organization is None
    assert deletion.organization_name == "Organization A"
    assert deletion.erased_rows["feeds.Article"] == 1
    assert deletion.erased_rows["auth.User"] == 1
    # Nothing to cancel or erase any more.
    with pytest.raises(ValidationError):
        service.deletion_cancel(deletion=deletion, actor=owner_of(org_b, charlie))
    assert service.organization_erase(deletion_id=deletion.pk, now=later) is None


def test_cancel_after_erase_is_a_404_for_everyone(org_a, org_b, alice, charlie, client_for):
    deletion = request_deletion(org_a, alice)
    service.organization_erase(
        deletion_id=deletion.pk, now=deletion.erase_after + timedelta(seconds=1)
    )
    url = reverse("accounts:deletion_cancel", args=[deletion.pk])
    assert client_for(charlie).post(url).status_code == 404
    assert OrganizationDeletion.objects.get().status == DeletionStatus.ERASED


def test_the_beat_task_erases_only_what_is_due(org_a, org_b, alice, charlie):
    due = request_deletion(org_a, alice)
    not_yet = request_deletion(org_b, charlie)
    OrganizationDeletion.objects.filter(pk=due.pk).update(
        erase_after=timezone.now() - timedelta(minutes=1)
    )
    assert erase_due_organizations() == [due.pk]
    assert not Organization.objects.filter(pk=org_a.pk).exists()
    assert Organization.objects.filter(pk=org_b.pk).exists()
    not_yet.refresh_from_db()
    assert not_yet.status == DeletionStatus.PENDING


def test_the_audit_log_cannot_be_changed_or_deleted_but_goes_with_the_organization(org_a, alice):
    request_deletion(org_a, alice)
    event = AuditEvent.objects.get(organization=org_a)
    event.target = "something else"
    with pytest.raises(Exception, match="cannot be changed"):
        event.save()
    with pytest.raises(Exception, match="cannot be deleted"):
        event.delete()
    with pytest.raises(Exception, match="cannot be changed"):
        AuditEvent.objects.filter(pk=event.pk).update(target="x")
    with pytest.raises(Exception, match="cannot be deleted"):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).target == "Organization A"
