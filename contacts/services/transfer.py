"""Contacts in and out as CSV/XLSX: a previewed, all-or-nothing import and a safe export.

An import runs twice. The preview imports the file inside a transaction that is always
rolled back, and reports each row as new / update / skip / error. Only a clean preview is
kept (in the shared cache, under a random token bound to the organization and the user), and
confirming it imports the same bytes again in one transaction that is rolled back if any row
fails, so a file is never half-imported."""

import csv
import io
import secrets
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from typing import IO

import tablib
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify
from import_export.formats.base_formats import XLSX
from import_export.results import Result, RowResult

from accounts.models import Organization
from contacts.models import BrandContact
from contacts.resources import (
    EXPORT_ONLY_COLUMNS,
    IMPORT_COLUMNS,
    REQUIRED_COLUMNS,
    BrandContactResource,
)
from contacts.services.sheet_limits import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_UNZIPPED_BYTES,
    cell_too_long,
    check_zip_directory,
    scan_sheet,
    too_many_columns,
    too_many_rows,
)

__all__ = ["MAX_CELL_CHARS", "MAX_COLUMNS", "MAX_ROWS", "MAX_UNZIPPED_BYTES"]

MAX_BYTES = 5 * 1024 * 1024
PREVIEW_TTL = 60 * 60  # An hour to read the preview and confirm it.
FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Headings people write for our columns; everything is also matched case/space-insensitively.
HEADER_ALIASES = {
    "name": "full_name",
    "linkedin": "linkedin_url",
    "dnc": "do_not_contact",
    "e_mail": "email",
    "job_title": "title",
}
_LABELS = {"full_name": "name", "linkedin_url": "LinkedIn URL", NON_FIELD_ERRORS: ""}


@dataclass(frozen=True)
class PreviewRow:
    number: int  # The row's line in the spreadsheet (the header is line 1).
    action: str  # "new", "update", "skip" or "error"
    full_name: str
    brand: str
    email: str
    messages: tuple[str, ...] = ()


@dataclass
class Preview:
    filename: str = ""
    rows: list[PreviewRow] = field(default_factory=list)
    # Problems with the file as a whole (type, size, columns): nothing was read.
    errors: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    token: str = ""  # Set when the preview can be confirmed.
    committed: bool = False

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {action: self.count(action) for action in ("new", "update", "skip", "error")}

    @property
    def ok(self) -> bool:
        """Importable: readable, no bad row, and something to create or update."""
        counts = self.counts
        return not self.errors and not counts["error"] and counts["new"] + counts["update"] > 0


def _normal_header(value: object) -> str:
    text = "_".join(str(value or "").strip().casefold().replace("-", " ").split())
    return HEADER_ALIASES.get(text, text)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Phone numbers typed in Excel come back as 4420794600.0.
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _decode_csv(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        # Guessing another encoding (Excel's "CSV" is Windows-1252) would silently turn
        # names into mojibake; say where the file stops being UTF-8 instead.
        line = data.count(b"\n", 0, error.start) + 1
        raise ValidationError(
            f"Line {line} is not UTF-8 text. Save the file as \u201cCSV UTF-8\u201d (in Excel: "
            "Save As, then CSV UTF-8) and upload it again."
        ) from error


def _check_row(row: list[str], where: str) -> list[str]:
    if len(row) > MAX_COLUMNS:
        raise too_many_columns(where)
    if any(len(cell) > MAX_CELL_CHARS for cell in row):
        raise cell_too_long(where)
    return row


def _read_csv(data: bytes) -> list[list[str]]:
    if b"\x00" in data[:4096]:
        raise ValidationError("This is not a CSV file (it contains binary data).")
    text = _decode_csv(data)
    first_line = text.split("\n", 1)[0]
    # Excel in many European locales separates with semicolons.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        # The row is checked as soon as it is read (the file is at most MAX_BYTES), and
        # reading stops one row past the limit.
        return [_check_row(row, f"line {reader.line_num}") for row in islice(reader, MAX_ROWS + 2)]
    except csv.Error as error:
        raise ValidationError(f"This CSV file could not be read: {error}.") from error


def _read_xlsx(data: bytes) -> list[list[str]]:
    import openpyxl  # Only needed for spreadsheets.

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        # Before openpyxl reads the shared strings whole: the declared sizes bound them.
        check_zip_directory(archive)
        book = openpyxl.load_workbook(archive.fp, read_only=True, data_only=True)
        sheet = book.active
    except ValidationError:
        raise
    except Exception as error:  # zipfile and openpyxl raise many types for a damaged file.
        raise ValidationError("This XLSX file could not be read; is it damaged?") from error
    try:
        # openpyxl builds each row whole: check the rows, columns and cells it would build,
        # streaming, first. _worksheet_path is where openpyxl itself reads the sheet from.
        with book._archive.open(sheet._worksheet_path) as stream:
            widest = scan_sheet(stream)
        rows = []
        # max_col: a crafted <dimension> would otherwise pad every row to 16,384 cells.
        for number, row in enumerate(
            islice(sheet.iter_rows(values_only=True, max_col=max(widest, 1)), MAX_ROWS + 2), 1
        ):
            # Shared strings are checked here, once they are known.
            rows.append(_check_row([_cell(value) for value in row], f"row {number}"))
        return rows
    except ValidationError:
        raise
    except Exception as error:
        raise ValidationError("This XLSX file could not be read; is it damaged?") from error
    finally:
        book.close()


def read_rows(data: bytes, format: str) -> list[list[str]]:
    """The rows of a CSV or XLSX file as text, read within the size, row, column and cell
    limits (at most one row past MAX_ROWS); ValidationError says which was passed."""
    if len(data) > MAX_BYTES:
        raise ValidationError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it.")
    return _read_xlsx(data) if format == "xlsx" else _read_csv(data)


def _detect_format(data: bytes, format: str | None, filename: str) -> str:
    is_zip = data.startswith(b"PK\x03\x04")
    if not format:
        extension = filename.rsplit(".", 1)[-1].casefold() if "." in filename else ""
        format = "xlsx" if is_zip else "csv" if extension in ("csv", "txt", "") else extension
    if format not in FORMATS:
        raise ValidationError("Upload a CSV or XLSX file (.csv or .xlsx).")
    if format == "xlsx" and not is_zip:
        raise ValidationError(
            "This is not an XLSX file. Save it from your spreadsheet as .xlsx or .csv."
        )
    if format == "csv" and is_zip:
        raise ValidationError("This looks like an Excel file, not CSV: upload it as .xlsx.")
    return format


def _dataset(data: bytes, format: str, preview: Preview) -> tablib.Dataset:
    """The file's rows under our column names; file-level problems raise ValidationError."""
    if not data.strip():
        raise ValidationError("The file is empty.")
    rows = read_rows(data, format)
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise ValidationError("The file has no heading row (brand, full_name, email, …).")
    headers = [_normal_header(cell) for cell in rows[0]]
    missing = [column for column in REQUIRED_COLUMNS if column not in headers]
    if missing:
        raise ValidationError(
            f"The file has no {' or '.join(missing)} column. The first row must name the "
            f"columns: {', '.join(IMPORT_COLUMNS)}."
        )
    body = rows[1:]
    if len(body) > MAX_ROWS:
        raise too_many_rows()
    if not any(any(cell.strip() for cell in row) for row in body):
        raise ValidationError("The file has a heading row but no contacts.")
    keep = [
        i for i, name in enumerate(headers) if name in IMPORT_COLUMNS and name not in headers[:i]
    ]
    preview.ignored_columns = [
        str(rows[0][i])
        for i, name in enumerate(headers)
        if i not in keep and name not in EXPORT_ONLY_COLUMNS and str(rows[0][i]).strip()
    ]
    dataset = tablib.Dataset(headers=[headers[i] for i in keep])
    for row in body:
        padded = [*row, *[""] * (len(headers) - len(row))]
        dataset.append([padded[i] for i in keep])
    return dataset


def _messages(row_result: RowResult) -> tuple[str, ...]:
    if row_result.validation_error is not None:
        error = row_result.validation_error
        pairs = (
            error.message_dict.items() if hasattr(error, "error_dict") else [("", error.messages)]
        )
        return tuple(
            f"{_LABELS.get(name, name)}: {message}" if _LABELS.get(name, name) else message
            for name, messages in pairs
            for message in messages
        )
    return tuple(f"Could not be saved: {error.error}" for error in row_result.errors)


def _preview_rows(
    dataset: tablib.Dataset, result: Result, notes: dict[int, str]
) -> list[PreviewRow]:
    rows = []
    # report_skipped is on, so there is one row result per data row, in order.
    for number, (values, row_result) in enumerate(zip(dataset.dict, result.rows, strict=True), 1):
        action = row_result.import_type
        messages = _messages(row_result)
        if action in (RowResult.IMPORT_TYPE_ERROR, RowResult.IMPORT_TYPE_INVALID):
            action = "error"
        elif number in notes:
            messages = (notes[number],)
        rows.append(
            PreviewRow(
                number=number + 1,
                action=action,
                full_name=str(values.get("full_name", "")),
                brand=str(values.get("brand", "")),
                email=str(values.get("email", "")),
                messages=messages,
            )
        )
    return rows


def _run(
    *,
    organization: Organization,
    actor: AbstractBaseUser | None,
    data: bytes,
    format: str,
    filename: str,
    commit: bool,
) -> Preview:
    preview = Preview(filename=filename)
    try:
        dataset = _dataset(data, format, preview)
    except ValidationError as error:
        preview.errors = error.messages
        return preview
    resource = BrandContactResource(organization=organization, actor=actor)
    with transaction.atomic():
        result = resource.import_data(dataset, dry_run=not commit, use_transactions=True)
        preview.errors = [str(error.error) for error in result.base_errors]
        preview.rows = _preview_rows(dataset, result, resource.notes_by_row)
        preview.committed = commit and not preview.errors and not preview.count("error")
        if not preview.committed:
            transaction.set_rollback(True)
    return preview


def _cache_key(token: str) -> str:
    return f"contacts:import:{token}"


def contacts_import_preview(
    *,
    organization: Organization,
    actor: AbstractBaseUser,
    file: IO[bytes],
    format: str | None = None,
) -> Preview:
    """What importing ``file`` would do, row by row; nothing is saved. ``format`` is "csv" or
    "xlsx" (guessed from the content and the file name when not given)."""
    filename = str(getattr(file, "name", "") or "contacts")
    data = file.read(MAX_BYTES + 1)
    try:
        format = _detect_format(data, format, filename)
    except ValidationError as error:
        return Preview(filename=filename, errors=error.messages)
    preview = _run(
        organization=organization,
        actor=actor,
        data=data,
        format=format,
        filename=filename,
        commit=False,
    )
    if preview.ok:
        preview.token = secrets.token_urlsafe(24)
        entry = {
            "organization": organization.pk,
            "user": actor.pk,
            "format": format,
            "filename": filename,
            "data": data,
        }
        cache.set(_cache_key(preview.token), entry, PREVIEW_TTL)
    return preview


def contacts_import_confirm(
    *, organization: Organization, actor: AbstractBaseUser, token: str
) -> Preview:
    """Import a previewed file, all rows or none. The returned preview says ``committed``;
    when a row fails now (the contacts changed since the preview), nothing is saved and its
    rows say why."""
    key = _cache_key(token)
    entry = cache.get(key) if token else None
    if not entry or entry["organization"] != organization.pk or entry["user"] != actor.pk:
        raise ValidationError("This import has expired or was already done. Upload the file again.")
    # Claim the preview: of two confirmations (a double click), only one imports.
    if not cache.delete(key):
        raise ValidationError("This import has expired or was already done. Upload the file again.")
    return _run(
        organization=organization,
        actor=actor,
        data=entry["data"],
        format=entry["format"],
        filename=entry["filename"],
        commit=True,
    )


def contacts_export(
    *,
    organization: Organization,
    format: str,
    queryset: QuerySet[BrandContact] | None = None,
) -> tuple[bytes, str, str]:
    """(content, filename, content type) of the organization's contacts, or of ``queryset``
    (a filtered list) narrowed to them. Suggestions are not exported."""
    if format not in FORMATS:
        raise ValidationError("Export as csv or xlsx.")
    rows = BrandContact.objects.contacts().filter(organization=organization)
    if queryset is not None:
        rows = rows.filter(pk__in=queryset.values("pk"))
    rows = rows.select_related("brand").order_by("full_name", "id")
    # The resource leaves suggestions out and escapes cells that would run as formulas.
    safe = BrandContactResource(organization=organization).export(rows)
    stamp = timezone.localdate().isoformat()
    filename = f"{slugify(organization.name) or 'organization'}-contacts-{stamp}.{format}"
    if format == "csv":
        # The BOM makes Excel read the file as UTF-8 (accents in names survive).
        content = safe.export("csv").encode("utf-8-sig")
    else:
        content = XLSX().export_data(safe)
    return content, filename, CONTENT_TYPES[format]
