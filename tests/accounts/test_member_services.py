from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts import services
from accounts.models import Invitation, Membership, Role
from tests.conftest import PASSWORD

SITE = "https://mh.example.com"


def _membership(user: User) -> Membership:
    return Membership.objects.get(user=user)


def _role_of(user: User) -> str:
    return Membership.objects.get(user=user).role


@pytest.fixture
def dave(org_a):
    """An admin of organization A."""
    user = User.objects.create_user(username="dave", email="dave@example.com", password=PASSWORD)
    Membership.objects.create(organization=org_a, user=user, role=Role.ADMIN)
    return user


def _invite(actor: User, email: str = "erin@example.com", role: str = Role.MEMBER) -> Invitation:
    membership = _membership(actor)
    return services.invitation_create(
        organization=membership.organization,
        actor=membership,
        email=email,
        role=role,
        accept_url_base=SITE,
    )


# --- Roles -----------------------------------------------------------------------------------


def test_a_member_cannot_change_roles_or_remove_anyone(alice, bob):
    with pytest.raises(PermissionDenied):
        services.membership_change_role(
            membership=_membership(alice), actor=_membership(bob), role=Role.MEMBER
        )
    with pytest.raises(PermissionDenied):
        services.membership_remove(membership=_membership(alice), actor=_membership(bob))

    assert _role_of(alice) == Role.OWNER


def test_a_member_cannot_invite(bob):
    with pytest.raises(PermissionDenied):
        _invite(bob)

    assert not Invitation.objects.exists()


def test_a_member_cannot_update_the_organization(org_a, bob):
    with pytest.raises(PermissionDenied):
        services.organization_update(
            organization=org_a, actor=_membership(bob), name="Bob's now", time_zone="UTC"
        )

    org_a.refresh_from_db()
    assert org_a.name == "Organization A"


def test_an_owner_can_promote_a_member_to_owner(alice, bob):
    services.membership_change_role(
        membership=_membership(bob), actor=_membership(alice), role=Role.OWNER
    )

    assert _role_of(bob) == Role.OWNER


def test_an_admin_can_make_a_member_an_admin(bob, dave):
    services.membership_change_role(
        membership=_membership(bob), actor=_membership(dave), role=Role.ADMIN
    )

    assert _role_of(bob) == Role.ADMIN


def test_an_admin_cannot_grant_the_owner_role(bob, dave):
    with pytest.raises(PermissionDenied):
        services.membership_change_role(
            membership=_membership(bob), actor=_membership(dave), role=Role.OWNER
        )

    assert _role_of(bob) == Role.MEMBER


def test_an_admin_cannot_demote_or_remove_an_owner(alice, dave):
    with pytest.raises(PermissionDenied):
        services.membership_change_role(
            membership=_membership(alice), actor=_membership(dave), role=Role.MEMBER
        )
    with pytest.raises(PermissionDenied):
        services.membership_remove(membership=_membership(alice), actor=_membership(dave))

    assert _role_of(alice) == Role.OWNER


def test_an_admin_cannot_invite_an_owner(dave):
    with pytest.raises(PermissionDenied):
        _invite(dave, role=Role.OWNER)

    assert not Invitation.objects.exists()


def test_an_unknown_role_is_refused(alice, bob):
    with pytest.raises(ValidationError) as error:
        services.membership_change_role(
            membership=_membership(bob), actor=_membership(alice), role="emperor"
        )

    assert "role" in error.value.message_dict
    assert _role_of(bob) == Role.MEMBER


def test_the_last_owner_cannot_be_demoted(alice, bob):
    with pytest.raises(ValidationError) as error:
        services.membership_change_role(
            membership=_membership(alice), actor=_membership(alice), role=Role.ADMIN
        )

    assert error.value.message_dict["role"] == ["The organization needs at least one owner."]
    assert _role_of(alice) == Role.OWNER


def test_the_last_owner_cannot_be_removed(alice, bob):
    with pytest.raises(ValidationError):
        services.membership_remove(membership=_membership(alice), actor=_membership(alice))

    assert _role_of(alice) == Role.OWNER
    assert Membership.objects.count() == 2


def test_an_owner_can_step_down_once_another_owner_exists(alice, bob):
    Membership.objects.filter(user=bob).update(role=Role.OWNER)

    services.membership_change_role(
        membership=_membership(alice), actor=_membership(alice), role=Role.MEMBER
    )

    assert _role_of(alice) == Role.MEMBER


def test_an_owner_can_remove_a_member(alice, bob):
    services.membership_remove(membership=_membership(bob), actor=_membership(alice))

    assert not Membership.objects.filter(user=bob).exists()
    assert User.objects.filter(username="bob").exists()


def test_charlie_cannot_manage_organization_a(alice, bob, charlie, org_a):
    with pytest.raises(PermissionDenied):
        services.membership_change_role(
            membership=_membership(bob), actor=_membership(charlie), role=Role.OWNER
        )
    with pytest.raises(PermissionDenied):
        services.membership_remove(membership=_membership(alice), actor=_membership(charlie))
    with pytest.raises(PermissionDenied):
        services.organization_update(
            organization=org_a, actor=_membership(charlie), name="Mine now", time_zone="UTC"
        )
    with pytest.raises(PermissionDenied):
        services.invitation_create(
            organization=org_a,
            actor=_membership(charlie),
            email="mallory@example.com",
            role=Role.OWNER,
            accept_url_base=SITE,
        )

    assert not Invitation.objects.exists()
    org_a.refresh_from_db()
    assert (_role_of(alice), _role_of(bob), org_a.name) == (
        Role.OWNER,
        Role.MEMBER,
        "Organization A",
    )


# --- Organization --------------------------------------------------------------------------


def test_an_owner_updates_name_and_time_zone(org_a, alice):
    services.organization_update(
        organization=org_a, actor=_membership(alice), name="Acme", time_zone="Europe/Paris"
    )

    org_a.refresh_from_db()
    assert (org_a.name, org_a.time_zone) == ("Acme", "Europe/Paris")


def test_an_unknown_time_zone_is_refused(org_a, alice):
    with pytest.raises(ValidationError) as error:
        services.organization_update(
            organization=org_a, actor=_membership(alice), name="Acme", time_zone="Mars/Olympus"
        )

    assert "time_zone" in error.value.message_dict
    org_a.refresh_from_db()
    assert (org_a.name, org_a.time_zone) == ("Organization A", "UTC")


# --- Invitations ---------------------------------------------------------------------------


def test_inviting_an_existing_member_is_refused_on_the_email_field(alice, bob):
    with pytest.raises(ValidationError) as error:
        _invite(alice, email="BOB@example.com")

    assert "already a member" in error.value.message_dict["email"][0]
    assert not Invitation.objects.exists()


def test_a_second_pending_invitation_to_the_same_address_is_refused(alice):
    _invite(alice, email="erin@example.com")

    with pytest.raises(ValidationError) as error:
        _invite(alice, email="Erin@example.com")

    assert "already pending" in error.value.message_dict["email"][0]
    assert Invitation.objects.count() == 1


def test_an_expired_invitation_does_not_block_a_new_one(alice):
    old = _invite(alice)
    Invitation.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    new = _invite(alice)

    assert new.pk != old.pk
    assert list(Invitation.objects.values_list("pk", flat=True)) == [new.pk]
    assert new.is_pending


def test_the_invitation_email_holds_the_absolute_accept_link(
    alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = _invite(alice, email="erin@example.com", role=Role.ADMIN)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["erin@example.com"]
    assert "Organization A" in message.subject
    assert f"{SITE}/organization/invitation/{invitation.token}/" in message.body
    assert "as admin" in message.body


def test_no_email_leaves_before_the_transaction_commits(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _invite(alice)

    assert len(callbacks) == 1
    assert mail.outbox == []


def test_accepting_creates_a_membership_with_the_invited_role(org_a, alice, charlie):
    invitation = _invite(alice, email="charlie@example.com", role=Role.ADMIN)

    membership = services.invitation_accept(invitation=invitation, user=charlie)

    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert invitation.accepted_by == charlie
    assert (membership.organization, membership.role) == (org_a, Role.ADMIN)
    assert Membership.objects.filter(user=charlie).count() == 2


def test_an_invitation_cannot_be_accepted_twice(alice, charlie):
    invitation = _invite(alice, email="charlie@example.com")
    services.invitation_accept(invitation=invitation, user=charlie)
    Membership.objects.filter(user=charlie, organization=invitation.organization).delete()

    with pytest.raises(ValidationError, match="already been used"):
        services.invitation_accept(invitation=invitation, user=charlie)

    assert not Membership.objects.filter(
        user=charlie, organization=invitation.organization
    ).exists()


def test_an_expired_invitation_cannot_be_accepted(alice, charlie):
    invitation = _invite(alice, email="charlie@example.com")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())

    with pytest.raises(ValidationError, match="expired"):
        services.invitation_accept(invitation=invitation, user=charlie)

    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert Membership.objects.filter(user=charlie).count() == 1


def test_signup_creates_the_account_and_joins(alice):
    invitation = _invite(alice, email="erin@example.com")

    user = services.invitation_signup(
        invitation=invitation, username="erin", password=PASSWORD, first_name="Erin", last_name="E"
    )

    assert user.email == "erin@example.com"
    assert user.check_password(PASSWORD)
    assert _membership(user).organization == invitation.organization
    assert _role_of(user) == Role.MEMBER


def test_signup_on_a_used_invitation_creates_no_account(alice, charlie):
    invitation = _invite(alice, email="erin@example.com")
    services.invitation_accept(invitation=invitation, user=charlie)

    with pytest.raises(ValidationError):
        services.invitation_signup(
            invitation=invitation, username="erin", password=PASSWORD, first_name="", last_name=""
        )

    assert not User.objects.filter(username="erin").exists()
