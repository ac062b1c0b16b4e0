"""Checking a billing webhook as a receiver should (docs/billing.md shows this same code):
the signature over ``<timestamp>.<body>`` with the endpoint's secret, and a timestamp recent
enough that a captured request cannot be replayed later."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping

TOLERANCE_SECONDS = 300


class InvalidSignature(Exception):
    pass


def verify_webhook(
    *,
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    tolerance: int = TOLERANCE_SECONDS,
    now: float | None = None,
) -> None:
    """Raise InvalidSignature unless the request is signed with ``secret`` and recent.
    ``headers`` keys are compared without case."""
    lower = {key.lower(): value for key, value in headers.items()}
    timestamp = lower.get("x-mh-timestamp", "")
    signature = lower.get("x-mh-signature", "")
    if not timestamp.isdigit() or not signature.startswith("sha256="):
        raise InvalidSignature("missing or malformed X-MH-Timestamp / X-MH-Signature")
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    if not hmac.compare_digest("sha256=" + expected.hexdigest(), signature):
        raise InvalidSignature("the signature does not match the body")
    age = (time.time() if now is None else now) - int(timestamp)
    if abs(age) > tolerance:
        raise InvalidSignature(f"the timestamp is {int(age)} s old (a replayed request?)")
