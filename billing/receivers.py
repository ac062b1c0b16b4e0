"""The organization events of accounts.signals, turned into billing events."""

from __future__ import annotations

from typing import Any

from accounts.signals import organization_created, plan_changed, quota_threshold_crossed
from billing.models import EventType

DISPATCH = "billing"


def on_quota_threshold_crossed(
    sender: Any,
    *,
    organization: Any,
    resource: str,
    used: int,
    limit: int,
    percent: int,
    **_: Any,
) -> None:
    from billing.services import event_emit

    kind = EventType.QUOTA_REACHED if percent >= 100 else EventType.QUOTA_WARNING
    event_emit(
        organization=organization,
        type=kind,
        data={"resource": resource, "used": used, "limit": limit, "percent": percent},
    )


def on_plan_changed(
    sender: Any, *, organization: Any, old_plan: Any, new_plan: Any, actor: Any = None, **_: Any
) -> None:
    from billing.services import event_emit, plan_data

    event_emit(
        organization=organization,
        type=EventType.PLAN_CHANGED,
        data={
            "old_plan": plan_data(old_plan),
            "new_plan": plan_data(new_plan),
            "changed_by": (actor.get_username() if actor is not None else None),
        },
    )


def on_organization_created(sender: Any, *, organization: Any, **_: Any) -> None:
    from billing.services import event_emit, plan_data

    event_emit(
        organization=organization,
        type=EventType.ORGANIZATION_CREATED,
        data={
            "created_at": organization.created_at.isoformat(),
            "time_zone": organization.time_zone,
            "plan": plan_data(organization.plan),
        },
    )


def connect() -> None:
    quota_threshold_crossed.connect(on_quota_threshold_crossed, dispatch_uid=f"{DISPATCH}-quota")
    plan_changed.connect(on_plan_changed, dispatch_uid=f"{DISPATCH}-plan")
    organization_created.connect(on_organization_created, dispatch_uid=f"{DISPATCH}-created")
