"""Making, revoking and opening share links. Creation and revocation are logged with the
organization (the centralized log is the audit trail: Logs page, ``monitoring.LogEntry``)."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Organization
from reports.digests.models import DigestTemplate
from reports.shares.models import MAX_DAYS, ShareKind, ShareLink

logger = logging.getLogger("reports.shares")

# 32 random bytes: 43 URL-safe characters, beyond any guessing.
TOKEN_BYTES = 32
# Only these query parameters are kept: a link never carries anything else (``chart``, a
# ``next``, tracking parameters) into the public page.
ANALYTICS_KEYS = ("group", "brand", "range", "date_from", "date_to")
DIGEST_KEYS = ("range", "date_from", "date_to")


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _clean(params: dict[str, list[str]], keys: tuple[str, ...]) -> dict[str, list[str]]:
    return {key: [str(v) for v in params[key] if str(v)] for key in keys if params.get(key)}


@transaction.atomic
def share_link_create(
    *,
    organization: Organization,
    actor: object,
    kind: str,
    title: str,
    params: dict[str, list[str]],
    days: int,
    template: DigestTemplate | None = None,
) -> tuple[ShareLink, str]:
    """A new link and its token (shown once: only its hash is kept)."""
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError({"days": f"A link lives 1 to {MAX_DAYS} days."})
    if kind == ShareKind.DIGEST:
        if template is None or template.organization_id != organization.pk:
            raise ValidationError({"template": "Choose a digest template of your organization."})
        params = _clean(params, DIGEST_KEYS)
    elif kind == ShareKind.ANALYTICS:
        template = None
        params = _clean(params, ANALYTICS_KEYS)
    else:
        raise ValidationError({"kind": "Unknown kind of link."})
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = ShareLink.objects.create(
        organization=organization,
        kind=kind,
        title=title[:150],
        params=params,
        template=template,
        token_hash=token_digest(token),
        created_by=actor,
        expires_at=timezone.now() + timedelta(days=days),
    )
    logger.info(
        "Share link %s created by %s: %s, expires %s",
        link.pk,
        getattr(actor, "username", "?"),
        link,
        f"{link.expires_at:%Y-%m-%d %H:%M} UTC",
        extra={"organization_id": organization.pk},
    )
    return link, token


def share_link_revoke(*, link: ShareLink, actor: object) -> bool:
    """Revoke the link (once; revoking again changes nothing). True if it was revoked now."""
    now = timezone.now()
    done = ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=actor
    )
    if done:
        link.revoked_at, link.revoked_by = now, actor
        logger.info(
            "Share link %s revoked by %s: %s",
            link.pk,
            getattr(actor, "username", "?"),
            link,
            extra={"organization_id": link.organization_id},
        )
    return bool(done)


def share_link_open(token: str) -> ShareLink | None:
    """The active link of ``token`` (and one more view counted), or None for an unknown,
    tampered, expired or revoked token: the caller answers all of them alike (404).

    The lookup is by the token's SHA-256, so how long the database takes to compare says
    nothing about the token; the digests are compared once more in constant time."""
    if not token or len(token) > 100:
        return None
    digest = token_digest(token)
    link = (
        ShareLink.objects.select_related("organization", "template")
        .filter(token_hash=digest)
        .first()
    )
    now = timezone.now()
    if link is None or not hmac.compare_digest(link.token_hash, digest):
        return None
    if not link.is_active(now):
        return None
    ShareLink.objects.filter(pk=link.pk).update(last_viewed_at=now, view_count=F("view_count") + 1)
    return link
