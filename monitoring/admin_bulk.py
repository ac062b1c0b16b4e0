"""Bulk actions of the operator console, all alike: a confirmation page listing what will
happen to each selected row (and which will be skipped, and why), then one result message
with the counts ("3 runs paused, 2 skipped: already finished"), an admin history entry per
changed row and one line in the central log.

Each action states its rule in two functions over single rows: ``plan`` says beforehand
why a row would be skipped (or "" to act on it), ``apply`` acts through the app's service
and says afterwards why it did not (the row may have changed between the two pages). The
state machines stay in the services; nothing here writes a row itself.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

logger = logging.getLogger("monitoring.bulk")

# One confirmation page carries every selected id; beyond this, narrow the list first.
BULK_LIMIT = 500
# Rows named on the confirmation page per group; the counts are always complete.
SHOWN_ROWS = 100

Outcome = str  # "" when done, else why the row was skipped


@dataclass(frozen=True)
class BulkAction:
    name: str  # the admin action's name, posted back by the confirmation page
    verb: str  # "Pause"
    done: str  # "paused"
    singular: str  # "job"
    plural: str  # "jobs"
    will: Callable[[Any], str]  # what will happen to a row that is acted on
    plan: Callable[[Any], Outcome]
    apply_many: Callable[[HttpRequest, list[Any]], dict[Any, Outcome]]
    consequence: str = ""
    danger: bool = False
    log_deletions: bool = False  # deleted rows: history entries written before, not after
    label: Callable[[Any], str] = str  # how a row is named on the confirmation page

    def noun(self, n: int) -> str:
        return f"{n} {self.singular if n == 1 else self.plural}"


def one_by_one(
    apply: Callable[[HttpRequest, Any], Outcome],
) -> Callable[[HttpRequest, list[Any]], dict[Any, Outcome]]:
    """``apply_many`` from a per-row ``apply``; a service's ValidationError is a skip reason."""

    def many(request: HttpRequest, rows: list[Any]) -> dict[Any, Outcome]:
        outcomes: dict[Any, Outcome] = {}
        for row in rows:
            try:
                outcomes[row.pk] = apply(request, row)
            except ValidationError as error:
                outcomes[row.pk] = " ".join(error.messages)
        return outcomes

    return many


@dataclass
class _Plan:
    act: list[tuple[Any, str]] = field(default_factory=list)  # (row, what will happen)
    skip: dict[str, list[Any]] = field(default_factory=dict)  # reason: rows


def _plan(action: BulkAction, rows: Sequence[Any]) -> _Plan:
    plan = _Plan()
    for row in rows:
        reason = action.plan(row)
        if reason:
            plan.skip.setdefault(reason, []).append(row)
        else:
            plan.act.append((row, action.will(row)))
    return plan


def _shown(action: BulkAction, row: Any) -> dict[str, str]:
    organization = str(row.organization) if getattr(row, "organization_id", None) else ""
    return {"label": action.label(row), "organization": organization}


def result_message(action: BulkAction, done: int, skipped: Counter[str]) -> str:
    """ "3 runs paused, 2 skipped: already finished; 1 skipped: …" """
    text = f"{action.noun(done)} {action.done}"
    for reason, n in skipped.most_common():
        text += f", {n} skipped: {reason}"
    return text + "."


def run_bulk(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    action: BulkAction,
) -> TemplateResponse | None:
    """The admin action's body: the confirmation page first, the work on ``post=yes``."""
    # Django's changelist already narrowed the ids to what this admin may see.
    total = queryset.count()
    if total > BULK_LIMIT:
        modeladmin.message_user(
            request,
            f"{total} {action.plural} selected: {action.verb.lower()} at most {BULK_LIMIT} at "
            "once (filter the list first). Nothing was changed.",
            messages.ERROR,
        )
        return None
    rows = list(queryset)
    if request.POST.get("post") != "yes":
        return _confirmation(modeladmin, request, action, rows)

    done_rows, skipped = bulk_apply(
        action,
        request,
        rows,
        before_delete=lambda targets: _history(modeladmin, request, action, targets, deleted=True),
    )
    if not action.log_deletions:
        _history(modeladmin, request, action, done_rows, deleted=False)
    text = result_message(action, len(done_rows), skipped)
    level = messages.SUCCESS if done_rows and not skipped else messages.WARNING
    modeladmin.message_user(request, text, level)
    return None


def bulk_apply(
    action: BulkAction,
    request: HttpRequest,
    rows: Sequence[Any],
    *,
    before_delete: Callable[[list[Any]], None] | None = None,
) -> tuple[list[Any], Counter[str]]:
    """Act on the rows the rule allows; the rows done, the skip reasons counted, one line
    in the central log. For the console and for the app's own list pages alike."""
    plan = _plan(action, rows)
    skipped: Counter[str] = Counter({reason: len(r) for reason, r in plan.skip.items()})
    targets = [row for row, _ in plan.act]
    if action.log_deletions and targets and before_delete is not None:
        before_delete(targets)
    outcomes = action.apply_many(request, targets) if targets else {}
    done_rows = [row for row in targets if not outcomes.get(row.pk)]
    skipped.update(reason for reason in outcomes.values() if reason)
    logger.info(
        "Bulk action %s on %s by %s: %s",
        action.name,
        action.plural,
        request.user.get_username(),
        result_message(action, len(done_rows), skipped),
        extra={
            "bulk_action": action.name,
            "done": len(done_rows),
            "skipped": sum(skipped.values()),
        },
    )
    return done_rows, skipped


def _history(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    action: BulkAction,
    rows: Iterable[Model],
    *,
    deleted: bool,
) -> None:
    if deleted:
        modeladmin.log_deletions(request, rows)
        return
    for row in rows:
        modeladmin.log_change(request, row, f"{action.verb} (bulk action)")


def _organizations(rows: Sequence[Any]) -> list[str]:
    names = {str(row.organization) for row in rows if getattr(row, "organization_id", None)}
    return sorted(names)


def _confirmation(
    modeladmin: admin.ModelAdmin, request: HttpRequest, action: BulkAction, rows: list[Any]
) -> TemplateResponse:
    plan = _plan(action, rows)
    opts = modeladmin.model._meta
    organizations = _organizations(rows)
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": f"{action.verb} {action.noun(len(rows))}?",
        "subtitle": None,
        "opts": opts,
        "action": action,
        "act": [{**_shown(action, row), "will": will} for row, will in plan.act[:SHOWN_ROWS]],
        "act_count": len(plan.act),
        "act_more": max(len(plan.act) - SHOWN_ROWS, 0),
        "skip": [
            (
                reason,
                [_shown(action, row) for row in found[:SHOWN_ROWS]],
                len(found),
                max(len(found) - SHOWN_ROWS, 0),
            )
            for reason, found in plan.skip.items()
        ],
        "organizations": organizations,
        "queryset": rows,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "submit_label": f"Yes, {action.verb.lower()} {action.noun(len(plan.act))}",
        "media": modeladmin.media,
    }
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(request, "admin/bulk_confirmation.html", context)
