"""Builders for the digest tests: a template, a subscription, mentions in a window."""

from datetime import time
from itertools import count
from typing import Any

from accounts.models import Organization
from reports.digests.models import DigestSubscription, DigestTemplate

_names = count()


def make_template(organization: Organization, **values: Any) -> DigestTemplate:
    values.setdefault("name", f"Digest {next(_names)}")
    return DigestTemplate.objects.create(organization=organization, **values)


def make_subscription(
    template: DigestTemplate, *, user: Any = None, **values: Any
) -> DigestSubscription:
    values.setdefault("frequency", "weekly")
    values.setdefault("weekday", 0)
    values.setdefault("send_time", time(8, 0))
    values.setdefault("time_zone", "Europe/Berlin")
    return DigestSubscription.objects.create(
        organization_id=template.organization_id, template=template, user=user, **values
    )
