"""Contacts from and to spreadsheets: the upload drawer, the preview page, its confirmation,
and the export of the (filtered) contacts list."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_POST

from accounts.drawer import render_drawer
from accounts.tenancy import request_organization, scoped_queryset
from contacts.forms import ContactFilterForm
from contacts.models import BrandContact
from contacts.resources import IMPORT_COLUMNS
from contacts.selectors import contacts_filtered
from contacts.services.transfer import (
    FORMATS,
    MAX_BYTES,
    MAX_ROWS,
    Preview,
    contacts_export,
    contacts_import_confirm,
    contacts_import_preview,
)
from reports.models import Brand


class ContactImportForm(forms.Form):
    file = forms.FileField(
        label="CSV or XLSX file",
        help_text=f"Up to {MAX_BYTES // (1024 * 1024)} MB and {MAX_ROWS} rows. You see what "
        "will change before anything is saved.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )


def _preview_page(request: HttpRequest, preview: Preview, status: int = 200) -> HttpResponse:
    return render(request, "contacts/import_preview.html", {"preview": preview}, status=status)


def contact_import(request: HttpRequest) -> HttpResponse:
    """GET: the upload form (in the drawer). POST: the preview page, or the form again with
    what is wrong with the file."""
    organization = request_organization(request)
    form = ContactImportForm(request.POST or None, request.FILES or None)
    context: dict[str, object] = {"form": form, "columns": IMPORT_COLUMNS}
    if request.method == "POST" and form.is_valid():
        preview = contacts_import_preview(
            organization=organization, actor=request.user, file=form.cleaned_data["file"]
        )
        if not preview.errors:
            return _preview_page(request, preview)
        for error in preview.errors:
            form.add_error("file", error)
    # The upload posts without htmx (a file and a full-page preview), so errors come back
    # as a page; a GET from the list's "Import" button opens the drawer.
    return render_drawer(request, "contacts/import.html", context)


@require_POST
def contact_import_confirm(request: HttpRequest) -> HttpResponse:
    organization = request_organization(request)
    try:
        preview = contacts_import_confirm(
            organization=organization, actor=request.user, token=request.POST.get("token", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("contacts:import")
    if not preview.committed:
        messages.error(
            request,
            "Nothing was imported: some rows cannot be saved now. Fix them and upload again.",
        )
        return _preview_page(request, preview)
    counts = preview.counts
    messages.success(
        request,
        f"Imported the file: {counts['new']} contacts created, {counts['update']} updated, "
        f"{counts['skip']} unchanged.",
    )
    return redirect("contacts:list")


@require_GET
def contact_export(request: HttpRequest) -> HttpResponse:
    """The contacts list as a file, with the list's search and filters applied."""
    organization = request_organization(request)
    format = request.GET.get("format", "csv")
    if format not in FORMATS:
        format = "csv"
    brands = list(
        scoped_queryset(request, Brand).filter(merged_into__isnull=True).values_list("id", "name")
    )
    form = ContactFilterForm(request.GET, brands=brands)
    rows = contacts_filtered(scoped_queryset(request, BrandContact), form.filters())
    content, filename, content_type = contacts_export(
        organization=organization, format=format, queryset=rows
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


urlpatterns: list[URLPattern] = [
    path("import/", contact_import, name="import"),
    path("import/confirm/", contact_import_confirm, name="import_confirm"),
    path("export/", contact_export, name="export"),
]
