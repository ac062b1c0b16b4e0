"""Unsubscribe links that work without logging in: a signed (never expiring) token naming the
subscription and the member. Tampering breaks the signature (django.core.signing)."""

from __future__ import annotations

from django.core import signing

SALT = "reports.digests.unsubscribe"


def unsubscribe_token(*, subscription_id: int, user_id: int) -> str:
    return signing.dumps({"s": subscription_id, "u": user_id}, salt=SALT, compress=False)


def read_unsubscribe_token(token: str) -> tuple[int, int] | None:
    """(subscription id, user id), or None for a tampered or malformed token."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    subscription, user = data.get("s"), data.get("u")
    if not isinstance(subscription, int) or not isinstance(user, int):
        return None
    return subscription, user
