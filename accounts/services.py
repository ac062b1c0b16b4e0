"""Writes for organizations, memberships and invitations.

Each function is keyword-only, atomic, and enforces the role rules itself, so views, admin
actions and commands cannot bypass them:
- owners and admins manage members; plain members do not;
- only owners grant the owner role or change / remove an owner;
- an organization always keeps at least one owner.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from accounts.audit import audit_record, changes_between, snapshot
from accounts.models import (
    ApiKey,
    ApiScope,
    AuditAction,
    Invitation,
    Membership,
    Organization,
    Role,
)
from accounts.quotas import quota_check
from accounts.signals import organization_created
from marketing_hunting.single_line import one_line


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "organization"
    slug, counter = base, 2
    while Organization.objects.filter(slug=slug).exists():
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


@transaction.atomic
def organization_create(
    *, name: str, owner: AbstractBaseUser | None = None, time_zone: str = "UTC"
) -> Organization:
    organization = Organization(name=name, slug=_unique_slug(name), time_zone=time_zone)
    organization.full_clean()
    organization.save()
    if owner is not None:
        Membership.objects.create(organization=organization, user=owner, role=Role.OWNER)
    # In the transaction: receivers record what they send (billing events) with the row.
    organization_created.send(sender=Organization, organization=organization)
    return organization


# A keyword default meaning "leave this setting as it is" where None is a meaningful value.
UNCHANGED = object()

SETTINGS_FIELDS = (
    "name",
    "time_zone",
    "discovery_confirmed_only",
    "analysis_mode",
    "language",
    "report_retention_days",
    "log_retention_days",
)
SETTINGS_LABELS = {
    "discovery_confirmed_only": "discovery without an LLM: confirmed brands only",
    "analysis_mode": "LLM analysis mode",
    "report_retention_days": "keep articles and reports (days)",
    "log_retention_days": "keep log lines (days)",
}


def _require_manager(actor: Membership, organization_id: int) -> None:
    # The actor's own organization only: a service called outside a scoped view (admin action,
    # command) must not let one tenant's owner manage another tenant.
    if actor.organization_id != organization_id or not actor.can_manage_members:
        raise PermissionDenied("Only owners and admins can manage members.")


@transaction.atomic
def organization_update(
    *,
    organization: Organization,
    actor: Membership,
    name: str,
    time_zone: str,
    discovery_confirmed_only: bool | None = None,
    analysis_mode: str | None = None,
    language: str | None = None,
    report_retention_days: int | object | None = UNCHANGED,
    log_retention_days: int | object | None = UNCHANGED,
) -> Organization:
    """Save the organization's settings; each field that changed is one line of the audit
    log's entry. Retention days: ``UNCHANGED`` keeps, ``None`` means "as the installation"."""
    from accounts.retention import validate_retention

    _require_manager(actor, organization.pk)
    # What is stored, not the caller's copy (a request's organization may be a cached row).
    before = snapshot(
        Organization.objects.select_for_update().get(pk=organization.pk), SETTINGS_FIELDS
    )
    organization.name = name
    organization.time_zone = time_zone
    if discovery_confirmed_only is not None:
        organization.discovery_confirmed_only = discovery_confirmed_only
    if analysis_mode is not None:
        organization.analysis_mode = analysis_mode
    if language is not None:
        organization.language = language
    if report_retention_days is not UNCHANGED:
        organization.report_retention_days = report_retention_days
    if log_retention_days is not UNCHANGED:
        organization.log_retention_days = log_retention_days
    organization.full_clean()
    validate_retention(
        report_days=organization.report_retention_days, log_days=organization.log_retention_days
    )
    organization.save(update_fields=list(SETTINGS_FIELDS))
    changes = changes_between(before, snapshot(organization, SETTINGS_FIELDS), SETTINGS_LABELS)
    if changes:
        audit_record(
            organization=organization,
            actor=actor,
            action=AuditAction.SETTINGS_CHANGED,
            target="organization settings",
            changes=changes,
        )
    return organization


@transaction.atomic
def organization_hide_getting_started(
    *, organization: Organization, actor: Membership
) -> Organization:
    """Hide the checklist for the whole organization (any member may: it is only advice)."""
    if actor.organization_id != organization.pk:
        raise PermissionDenied("Not a member of this organization.")
    organization.getting_started_hidden_at = timezone.now()
    organization.save(update_fields=["getting_started_hidden_at"])
    return organization


def _other_owner_exists(membership: Membership) -> bool:
    return (
        Membership.objects.filter(organization_id=membership.organization_id, role=Role.OWNER)
        .exclude(pk=membership.pk)
        .exists()
    )


@transaction.atomic
def membership_change_role(*, membership: Membership, actor: Membership, role: str) -> Membership:
    _require_manager(actor, membership.organization_id)
    if role not in Role.values:
        raise ValidationError({"role": f"{role!r} is not a role."})
    if role not in actor.grantable_roles() or (
        membership.role == Role.OWNER and actor.role != Role.OWNER
    ):
        raise PermissionDenied("Only owners can grant the owner role or change an owner.")
    # Lock the organization's owners so two concurrent demotions cannot leave none.
    list(
        Membership.objects.select_for_update().filter(
            organization_id=membership.organization_id, role=Role.OWNER
        )
    )
    if membership.role == Role.OWNER and role != Role.OWNER and not _other_owner_exists(membership):
        raise ValidationError({"role": "The organization needs at least one owner."})
    old_label = membership.get_role_display()
    membership.role = role
    membership.save(update_fields=["role"])
    if membership.get_role_display() != old_label:
        audit_record(
            organization=membership.organization_id,
            actor=actor,
            action=AuditAction.ROLE_CHANGED,
            target=membership.user.get_username(),
            changes=[
                {"field": "role", "before": old_label, "after": membership.get_role_display()}
            ],
        )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor: Membership) -> None:
    _require_manager(actor, membership.organization_id)
    if membership.role == Role.OWNER and actor.role != Role.OWNER:
        raise PermissionDenied("Only owners can remove an owner.")
    list(
        Membership.objects.select_for_update().filter(
            organization_id=membership.organization_id, role=Role.OWNER
        )
    )
    if membership.role == Role.OWNER and not _other_owner_exists(membership):
        raise ValidationError("The organization needs at least one owner.")
    # Whoever leaves takes no access along: the API keys they made stop working with them.
    api_keys_revoke(
        keys=ApiKey.objects.filter(
            organization_id=membership.organization_id, created_by_id=membership.user_id
        ),
        by=actor.user,
    )
    audit_record(
        organization=membership.organization_id,
        actor=actor,
        action=AuditAction.MEMBER_REMOVED,
        target=membership.user.get_username(),
        changes=[{"field": "role", "before": membership.get_role_display(), "after": None}],
    )
    membership.delete()


@transaction.atomic
def invitation_create(
    *, organization: Organization, actor: Membership, email: str, role: str, accept_url_base: str
) -> Invitation:
    """Invite ``email``; the link is mailed after the transaction commits.

    ``accept_url_base`` is the site's absolute root (e.g. ``https://mh.example.com``), which
    only the request knows.
    """
    _require_manager(actor, organization.pk)
    email = get_user_model().objects.normalize_email(email).strip()
    if role not in actor.grantable_roles():
        raise PermissionDenied("Only owners can invite owners.")
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError({"email": f"{email} is already a member of {organization}."})
    pending = Invitation.objects.filter(
        organization=organization, email__iexact=email, accepted_at__isnull=True
    )
    # An expired invitation should not block a fresh one.
    pending.filter(expires_at__lte=timezone.now()).delete()
    if pending.exists():
        raise ValidationError({"email": f"An invitation to {email} is already pending."})
    quota_check(organization, "members")
    invitation = Invitation.objects.create(
        organization=organization, email=email, role=role, invited_by=actor.user
    )
    audit_record(
        organization=organization,
        actor=actor,
        action=AuditAction.INVITATION_SENT,
        target=email,
        changes=[{"field": "role", "before": None, "after": invitation.get_role_display()}],
    )
    accept_url = accept_url_base.rstrip("/") + invitation.get_absolute_url()
    transaction.on_commit(lambda: _send_invitation(invitation, accept_url))
    return invitation


def _send_invitation(invitation: Invitation, accept_url: str) -> None:
    context = {"invitation": invitation, "accept_url": accept_url}
    send_mail(
        # A name stored before names were checked must not break the header (500).
        subject=one_line(f"You are invited to {invitation.organization} on Marketing Hunting"),
        message=render_to_string("accounts/emails/invitation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[invitation.email],
    )


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: Membership) -> None:
    _require_manager(actor, invitation.organization_id)
    audit_record(
        organization=invitation.organization_id,
        actor=actor,
        action=AuditAction.INVITATION_REVOKED,
        target=invitation.email,
    )
    invitation.delete()


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: AbstractBaseUser) -> Membership:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError("This invitation has already been used.")
    if invitation.is_expired():
        raise ValidationError("This invitation has expired; ask for a new one.")
    already = Membership.objects.filter(organization=invitation.organization, user=user)
    if not already.exists():
        quota_check(invitation.organization, "members")
    membership, created = Membership.objects.get_or_create(
        organization=invitation.organization, user=user, defaults={"role": invitation.role}
    )
    if created:
        audit_record(
            organization=invitation.organization,
            actor=user,
            action=AuditAction.MEMBER_ADDED,
            target=user.get_username(),
            changes=[
                {"field": "role", "before": None, "after": membership.get_role_display()},
                {"field": "invitation", "before": None, "after": invitation.email},
            ],
        )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


@transaction.atomic
def invitation_signup(
    *, invitation: Invitation, username: str, password: str, first_name: str, last_name: str
) -> AbstractBaseUser:
    """Create the account of an invited person and accept the invitation, as one unit."""
    user = get_user_model().objects.create_user(
        username=username,
        email=invitation.email,
        password=password,
        first_name=first_name,
        last_name=last_name,
    )
    invitation_accept(invitation=invitation, user=user)
    return user


# -- API keys ----------------------------------------------------------------------------------

# Every key starts "mh_": secret scanners (and people) can recognise one in a leaked file.
API_KEY_PREFIX = "mh"

API_KEY_LIFETIMES_DAYS = (30, 90, 365)


def api_key_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_key_create(
    *,
    organization: Organization,
    actor: Membership,
    name: str,
    scopes: list[str],
    expires_in_days: int,
) -> tuple[ApiKey, str]:
    """A new key and its full text, which is never stored and so shown only now."""
    if actor.organization_id != organization.pk or not actor.can_manage_members:
        raise PermissionDenied("Only owners and admins can create API keys.")
    unknown = sorted(set(scopes) - set(ApiScope.values))
    if unknown:
        raise ValidationError({"scopes": f"Unknown scopes: {', '.join(unknown)}."})
    if not scopes:
        raise ValidationError({"scopes": "Choose at least one scope."})
    if expires_in_days not in API_KEY_LIFETIMES_DAYS:
        raise ValidationError({"expires_in_days": "Choose one of the offered lifetimes."})
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    key = ApiKey(
        organization=organization,
        name=one_line(name).strip(),
        prefix=prefix,
        hashed_secret=api_key_hash(secret),
        # In the order of the choices, so lists and the API read the same way.
        scopes=[scope for scope in ApiScope.values if scope in scopes],
        created_by=actor.user,
        expires_at=timezone.now() + timedelta(days=expires_in_days),
    )
    key.full_clean(exclude=["organization", "created_by", "revoked_by"])
    key.save()
    audit_record(
        organization=organization,
        actor=actor,
        action=AuditAction.API_KEY_CREATED,
        target=_key_label(key),
        changes=[
            {"field": "scopes", "before": None, "after": ", ".join(key.scopes)},
            {"field": "expires", "before": None, "after": key.expires_at.date().isoformat()},
        ],
    )
    return key, f"{API_KEY_PREFIX}_{prefix}_{secret}"


def _key_label(key: ApiKey) -> str:
    return f"{key.name} (mh_{key.prefix}_…)"


def api_key_revoke(*, key: ApiKey, actor: Membership) -> ApiKey:
    """Revoked keys stay listed (who made them, when they were last used) but never work."""
    if actor.organization_id != key.organization_id or not actor.can_manage_members:
        raise PermissionDenied("Only owners and admins can revoke API keys.")
    api_keys_revoke(keys=ApiKey.objects.filter(pk=key.pk), by=actor.user)
    key.refresh_from_db(fields=["revoked_at", "revoked_by"])
    return key


@transaction.atomic
def api_keys_revoke(*, keys: QuerySet[ApiKey], by: AbstractBaseUser | None) -> int:
    """Revoke ``keys`` (those still active); how many. Operators use it from the admin for
    any organization's keys, so it checks no membership: callers do. Each revoked key is a
    line of its organization's audit log."""
    active = list(
        keys.filter(revoked_at__isnull=True)
        .select_related(None)
        .only("pk", "name", "prefix", "organization")
    )
    count = ApiKey.objects.filter(pk__in=[key.pk for key in active]).update(
        revoked_at=timezone.now(), revoked_by=by
    )
    for key in active:
        audit_record(
            organization=key.organization_id,
            actor=by,
            action=AuditAction.API_KEY_REVOKED,
            target=_key_label(key),
        )
    return count
