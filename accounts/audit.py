"""The audit log: one append-only line per change to an organization's settings, members,
keys, plan, data exports and erasures (who, when, what, before → after).

Services call :func:`audit_record` in the same transaction as the change, so a change that
rolls back leaves no line and a line never exists without its change. The client's IP address
comes from the request being served (a context variable the middleware sets), so services
need not be handed the request.
"""

from __future__ import annotations

import contextvars
import ipaddress
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, HttpResponse

from accounts.models import AuditAction, AuditEvent, Membership, Organization

_client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "audit_client_ip", default=None
)

Actor = AbstractBaseUser | Membership | None
# What a change records of a value: short, one line.
_MAX_VALUE = 200


def _request_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: a forwarded-for header is the client's to invent, and the audit log
    # must not record a made-up address as fact.
    address = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


class AuditContextMiddleware:
    """Makes the request's client address available to :func:`audit_record`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _client_ip.set(_request_ip(request))
        try:
            return self.get_response(request)
        finally:
            _client_ip.reset(token)


def _user_of(actor: Actor) -> AbstractBaseUser | None:
    if isinstance(actor, Membership):
        return actor.user
    if actor is not None and getattr(actor, "is_authenticated", False):
        return actor
    return None


def actor_label(user: AbstractBaseUser | None, organization: Organization) -> str:
    """The name the line shows: the username, "operator …" for someone acting from the
    console without being a member, "system" for tasks."""
    if user is None:
        return "system"
    name = user.get_username()
    is_member = Membership.objects.filter(organization=organization, user=user).exists()
    return name if is_member else f"operator {name}"


def _value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    text = " ".join(str(value).split())
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 1] + "…"


def changes_between(
    before: Mapping[str, Any], after: Mapping[str, Any], labels: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """One entry per field whose value differs, in ``after``'s order."""
    labels = labels or {}
    return [
        {
            "field": labels.get(name, name.replace("_", " ")),
            "before": _value(before.get(name)),
            "after": _value(value),
        }
        for name, value in after.items()
        if before.get(name) != value
    ]


def audit_record(
    *,
    organization: Organization | int,
    actor: Actor,
    action: AuditAction | str,
    target: str = "",
    changes: Iterable[Mapping[str, Any]] = (),
) -> AuditEvent:
    organization_id = organization if isinstance(organization, int) else organization.pk
    org = (
        organization if isinstance(organization, Organization) else Organization(pk=organization_id)
    )
    user = _user_of(actor)
    return AuditEvent.objects.create(
        organization_id=organization_id,
        actor=user,
        actor_label=actor_label(user, org)[:200],
        action=action,
        target=_value(target) or "",
        changes=[dict(change) for change in changes],
        ip_address=_client_ip.get(),
    )


def snapshot(instance: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The display values of ``fields`` (choices as their labels)."""
    values: dict[str, Any] = {}
    for name in fields:
        display = getattr(instance, f"get_{name}_display", None)
        value = display() if callable(display) else getattr(instance, name)
        if hasattr(value, "pk"):
            value = str(value)
        values[name] = value
    return values


def connect_signals() -> None:
    from accounts.signals import plan_changed

    plan_changed.connect(_on_plan_changed, dispatch_uid="audit_plan_changed")


def _on_plan_changed(
    sender: Any,
    *,
    organization: Organization,
    old_plan: Any = None,
    new_plan: Any = None,
    actor: AbstractBaseUser | None = None,
    **kwargs: Any,
) -> None:
    audit_record(
        organization=organization,
        actor=actor,
        action=AuditAction.PLAN_CHANGED,
        target="plan",
        changes=[
            {
                "field": "plan",
                "before": str(old_plan) if old_plan else "no limits",
                "after": str(new_plan) if new_plan else "no limits",
            }
        ],
    )
