"""Exports from the reports and brands lists: the drawer form, the background export's
page (its progress, then its download link) and the download."""

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.drawer import render_drawer
from accounts.tenancy import get_object_for_request, request_organization
from reports.exports.forms import ExportForm
from reports.exports.models import Export, ExportStatus
from reports.exports.queries import RANGE_LABELS
from reports.exports.services import (
    CONTENT_TYPES,
    ExportSpec,
    export_audit,
    export_now,
    export_rows_count,
    export_start,
)

TEMPLATE = "reports/export_form.html"


def _spec(form: ExportForm) -> ExportSpec:
    data = form.cleaned_data
    return ExportSpec(
        kind=data["kind"], format=data["format"], query=data.get("filters") or "", span=form.span
    )


def _form(request: HttpRequest, data: object = None) -> ExportForm:
    organization = request_organization(request)
    source = data if data is not None else request.GET
    page = source.get("page", "reports")
    initial = ExportForm.initial_for(page, source.get("filters", ""))
    return ExportForm(data, page=page, time_zone=organization.time_zone, initial=initial)


def _count_context(request: HttpRequest, form: ExportForm) -> dict[str, object]:
    """How many rows the chosen export has (up to the background threshold, plus one)."""
    if not form.is_bound or not form.is_valid():
        return {"count": None}
    spec = _spec(form)
    count = export_rows_count(organization=request_organization(request), spec=spec)
    return {
        "count": count,
        "background": count > settings.EXPORT_BACKGROUND_ROWS,
        "threshold": settings.EXPORT_BACKGROUND_ROWS,
        "span": spec.span,
        "range_label": RANGE_LABELS[spec.kind],
    }


def export_create(request: HttpRequest) -> HttpResponse:
    """GET: the drawer (with the rows the chosen export has). POST: the file at once, or a
    background export for a large one, or the form again with what is wrong."""
    organization = request_organization(request)
    if request.method != "POST":
        form = _form(request)
        # Bound to its initial values, so the drawer can say at once how many rows it has.
        bound = _form(request, data=_initial_data(form))
        context = {"form": form, **_count_context(request, bound)}
        return render_drawer(request, TEMPLATE, context)
    form = _form(request, data=request.POST)
    if not form.is_valid():
        return render_drawer(request, TEMPLATE, {"form": form, "count": None}, status=400)
    spec = _spec(form)
    count = export_rows_count(organization=organization, spec=spec)
    if count > settings.EXPORT_BACKGROUND_ROWS:
        export = export_start(organization=organization, actor=request.user, spec=spec)
        if export.status == ExportStatus.FAILED:
            messages.error(request, export.error)
            return render_drawer(request, TEMPLATE, {"form": form, "count": None}, status=503)
        messages.success(
            request,
            f"More than {settings.EXPORT_BACKGROUND_ROWS:,} rows: the export runs in the "
            "background. Follow it here; the download link appears when it is ready.",
        )
        return redirect(export.get_absolute_url())
    # Small enough to write during the request, so the browser saves it at once.
    export_audit(organization=organization, actor=request.user, spec=spec, background=False)
    return FileResponse(
        export_now(organization=organization, spec=spec),
        as_attachment=True,
        filename=spec.filename,
        content_type=CONTENT_TYPES[spec.format],
    )


def _initial_data(form: ExportForm) -> dict[str, str]:
    data = {}
    for name, field in form.fields.items():
        value = form.get_initial_for_field(field, name)
        if value not in (None, ""):
            data[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return data


@require_GET
def export_count(request: HttpRequest) -> HttpResponse:
    """The drawer's row count, refreshed as the form changes (htmx)."""
    form = _form(request, data=request.GET)
    context = {"form": form, "counting": True, **_count_context(request, form)}
    return render(request, f"{TEMPLATE}#export-count", context)


def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    export = get_object_for_request(request, Export.objects.select_related("requested_by"), pk=pk)
    context = {"export": export, "downloadable": export.is_downloadable(timezone.now())}
    if request.htmx and not request.htmx.boosted:
        return render(request, "reports/export_detail.html#export-live", context)
    return render(request, "reports/export_detail.html", context)


@require_GET
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    export = get_object_for_request(request, Export, pk=pk)
    path = export.path
    if not export.is_downloadable(timezone.now()) or path is None or not path.is_file():
        # Gone (expired, failed or still running): the page says which, with the way on.
        context = {"export": export, "downloadable": False, "gone": True}
        return render(request, "reports/export_detail.html", context, status=410)
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=export.download_name,
        content_type=CONTENT_TYPES[export.format],
    )
