"""API keys: ``Authorization: Bearer mh_<prefix>_<secret>``.

Each router is guarded by ``ApiKeyAuth(area)``: reads (GET, HEAD) need the area's read or write
scope, anything else its write scope. A refused key is told why (missing, malformed, unknown,
revoked, expired, wrong scope) and nothing about other organizations: an unknown prefix and a
wrong secret read the same. On success the request acts in the key's organization, so the
tenancy helpers (``scoped_queryset``, ``get_object_for_request``) scope it as they scope pages.
"""

from __future__ import annotations

import hmac
import re
from datetime import timedelta

from django.http import HttpRequest
from django.utils import timezone
from ninja.security.http import HttpAuthBase

from accounts.models import ApiKey
from accounts.services import API_KEY_PREFIX, api_key_hash
from api import ratelimit
from api.errors import ApiError

TOKEN_RE = re.compile(rf"^{API_KEY_PREFIX}_([0-9a-f]{{12}})_([A-Za-z0-9_-]{{43}})$")
# last_used_at is written at most this often per key: not a database write per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _unauthorized(code: str, message: str) -> ApiError:
    return ApiError(401, code, message, headers={"WWW-Authenticate": "Bearer"})


class ApiKeyAuth(HttpAuthBase):
    openapi_scheme = "bearer"

    def __init__(self, area: str) -> None:
        self.area = area
        super().__init__()

    def __call__(self, request: HttpRequest) -> ApiKey:
        header = request.headers.get("Authorization", "")
        if not header:
            raise _unauthorized("missing_key", "Send an API key: Authorization: Bearer mh_….")
        scheme, _, token = header.partition(" ")
        match = TOKEN_RE.match(token.strip()) if scheme.lower() == "bearer" else None
        if match is None:
            raise _unauthorized(
                "malformed_key",
                "The Authorization header must read 'Bearer mh_…' with the whole key as it "
                "was shown when it was created.",
            )
        key = self._key(*match.groups())
        level = "read" if request.method in READ_METHODS else "write"
        if not key.allows(self.area, level):
            raise ApiError(
                403,
                "insufficient_scope",
                f"This key lacks the {self.area}:{level} scope.",
            )
        try:
            ratelimit.check(key_id=key.pk, organization=key.organization)
        except ratelimit.RateLimited as limited:
            raise ApiError(
                429,
                "rate_limited",
                "Too many requests for this key or its organization; retry after "
                f"{limited.retry_after} s.{limited.plan_note}",
                headers={"Retry-After": str(limited.retry_after)},
            ) from None
        self._touch(key)
        # The same attributes the organization middleware gives a page's request.
        request.organization = key.organization  # type: ignore[attr-defined]
        request.api_key = key  # type: ignore[attr-defined]
        return key

    @staticmethod
    def _key(prefix: str, secret: str) -> ApiKey:
        # The plan in the same query: its API calls a minute drive the rate limiter.
        key = (
            ApiKey.objects.select_related("organization", "organization__plan")
            .filter(prefix=prefix)
            .first()
        )
        # Compared in constant time; an unknown prefix is hashed too, so both take as long.
        expected = key.hashed_secret if key else "0" * 64
        if not hmac.compare_digest(api_key_hash(secret), expected) or key is None:
            raise _unauthorized("invalid_key", "This API key is not valid.")
        if key.revoked_at is not None:
            raise _unauthorized("revoked_key", "This API key was revoked.")
        if key.is_expired():
            raise _unauthorized(
                "expired_key", f"This API key expired on {key.expires_at:%Y-%m-%d %H:%M} UTC."
            )
        return key

    @staticmethod
    def _touch(key: ApiKey) -> None:
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
            # A conditional update: concurrent requests write it once.
            ApiKey.objects.filter(pk=key.pk).exclude(
                last_used_at__gt=now - LAST_USED_RESOLUTION
            ).update(last_used_at=now)
            key.last_used_at = now


def key_actor(request: HttpRequest):  # type: ignore[no-untyped-def]
    """Who a key's writes are recorded as done by: the member who created the key (None
    once their account is deleted)."""
    return request.api_key.created_by  # type: ignore[attr-defined]
