"""Operator alert rules for tests, a webhook receiver that checks the signature, and one
"minute" of the beat task run in-process (evaluate, then send what is due)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any

from monitoring.models import OperatorAlertRule
from monitoring.operator_alerts import (
    operator_alerts_evaluate,
    operator_deliveries_due,
    operator_delivery_attempt,
)
from tests.harness.http_server import RecordedRequest, Reply


def make_rule(kind: str, **values: Any) -> OperatorAlertRule:
    values = {
        "name": f"Test {kind}",
        "level": "error",
        "for_minutes": 0,
        "email_recipients": "ops@example.com",
        **values,
    }
    return OperatorAlertRule.objects.create(kind=kind, **values)


def signed_by(request: RecordedRequest, secret: str) -> bool:
    timestamp = request.headers["x-mh-timestamp"]
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(request.headers["x-mh-signature"], f"sha256={expected}")


def receiver(secret: str):
    """A webhook receiver as a careful operator writes one: 401 unless the signature holds."""

    def answer(request: RecordedRequest) -> Reply:
        return Reply(status=204) if signed_by(request, secret) else Reply(status=401)

    return answer


def minute(now: datetime | None = None) -> list:
    """What the beat task does, with the mail queue's work done here: evaluate, then attempt
    every delivery due."""
    made = operator_alerts_evaluate(now=now, enqueue=False)
    for delivery_id in operator_deliveries_due(now=now):
        operator_delivery_attempt(delivery_id=delivery_id, now=now)
    return made
