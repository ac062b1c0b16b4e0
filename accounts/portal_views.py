"""The portal's own pages: the audit log (with its CSV) and organization deletion.

Owners and admins read the audit log; only owners delete the organization, cancel its
deletion or download its export. Everything is the request's own organization: a deletion
id of another organization is a 404 like any other row.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime, time, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import deletion as deletion_service
from accounts.forms import AuditFilterForm, DeletionRequestForm
from accounts.models import (
    AuditEvent,
    DeletionExportStatus,
    DeletionStatus,
    OrganizationDeletion,
    Role,
)
from accounts.tenancy import request_organization, scoped_queryset
from accounts.views import _manager_membership

AUDIT_PER_PAGE = 50


def _owner(request: HttpRequest) -> None:
    request_organization(request)
    if request.membership.role != Role.OWNER:
        raise PermissionDenied("Only owners can delete the organization.")


def _filtered_events(request: HttpRequest, form: AuditFilterForm) -> QuerySet[AuditEvent]:
    events = scoped_queryset(request, AuditEvent)
    if not form.is_bound:
        data: dict = {}
    elif not form.is_valid():
        # Fields with errors are left out; the valid ones still filter.
        data = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    else:
        data = form.cleaned_data
    if data.get("actor"):
        events = events.filter(actor_label__icontains=data["actor"])
    if data.get("action"):
        events = events.filter(action=data["action"])
    zone = timezone.get_current_timezone()
    if data.get("date_from"):
        events = events.filter(created_at__gte=datetime.combine(data["date_from"], time(), zone))
    if data.get("date_to"):
        end = datetime.combine(data["date_to"] + timedelta(days=1), time(), zone)
        events = events.filter(created_at__lt=end)
    return events.order_by("-created_at", "-id")


def audit_log(request: HttpRequest) -> HttpResponse:
    _manager_membership(request)
    form = AuditFilterForm(request.GET or None)
    events = _filtered_events(request, form)
    page = Paginator(events, AUDIT_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/audit_log.html",
        {
            "form": form,
            "page": page,
            "events": page.object_list,
            "filtered": any(request.GET.get(k) for k in form.fields),
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_rows(events: QuerySet[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(["time", "actor", "action", "target", "changes", "ip_address"])
    for event in events.iterator(chunk_size=2000):
        yield writer.writerow(
            [
                event.created_at.isoformat(),
                _safe(event.actor_label),
                event.action,
                _safe(event.target),
                _safe(event.summary),
                event.ip_address or "",
            ]
        )


def _safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (names and targets are user input)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def audit_log_csv(request: HttpRequest) -> StreamingHttpResponse:
    _manager_membership(request)
    events = _filtered_events(request, AuditFilterForm(request.GET or None))
    response = StreamingHttpResponse(_csv_rows(events), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    return response


def deletion_request(request: HttpRequest) -> HttpResponse:
    _owner(request)
    organization = request.organization
    form = DeletionRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            deletion_service.deletion_request(
                organization=organization,
                actor=request.membership,
                confirm_name=form.cleaned_data["confirm_name"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error.messages)
        else:
            messages.warning(
                request,
                "Deletion requested. An export of all the data is being prepared; you can "
                "cancel until the date shown.",
            )
            return redirect(reverse("accounts:settings") + "#deletion")
    return render(
        request,
        "accounts/deletion_request.html",
        {"form": form, "organization": organization, "grace_days": _grace_days()},
        status=400 if request.method == "POST" else 200,
    )


def _grace_days() -> int:
    from django.conf import settings

    return settings.ORGANIZATION_DELETION_GRACE_DAYS


def _pending_for_request(request: HttpRequest, pk: int) -> OrganizationDeletion:
    row = (
        OrganizationDeletion.objects.filter(pk=pk, organization=request_organization(request))
        .select_related("organization")
        .first()
    )
    if row is None:
        raise Http404("No such deletion request.")
    return row


@require_POST
def deletion_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    deletion = _pending_for_request(request, pk)
    _owner(request)
    try:
        deletion_service.deletion_cancel(deletion=deletion, actor=request.membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Deletion cancelled: the organization and its data stay.")
    return redirect(reverse("accounts:settings") + "#deletion")


@require_POST
def deletion_export_again(request: HttpRequest, pk: int) -> HttpResponse:
    deletion = _pending_for_request(request, pk)
    _owner(request)
    try:
        deletion_service.deletion_export_again(deletion=deletion, actor=request.membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The export is being prepared again.")
    return redirect(reverse("accounts:settings") + "#deletion")


def deletion_export_download(request: HttpRequest, pk: int) -> FileResponse:
    deletion = _pending_for_request(request, pk)
    _owner(request)
    path = deletion_service.export_path(deletion)
    if (
        deletion.status != DeletionStatus.PENDING
        or deletion.export_status != DeletionExportStatus.READY
        or path is None
        or not path.is_file()
    ):
        raise Http404("The export is not ready.")
    stamp = (deletion.export_finished_at or timezone.now()).date().isoformat()
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"{deletion.organization.slug}-export-{stamp}.zip",
        content_type="application/zip",
    )
    response["Cache-Control"] = "no-store"
    return response
