"""Write an export resource's rows to a CSV or XLSX file, one row at a time.

import-export's own ``Resource.export`` builds a whole ``tablib.Dataset`` (and tablib a whole
openpyxl workbook) in memory; a 50,000-row export would hold every cell at once. Here the
rows come from a server-side iterator in chunks and go straight to the file: CSV through
``csv.writer``, XLSX through openpyxl's write-only workbook (which spools rows to a
temporary file and writes strings inline), so memory stays flat whatever the row count."""

import csv
import io
from collections.abc import Callable, Iterable
from typing import IO, Any

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from reports.exports.resources import ExportResource

UTF8_BOM = "\ufeff"  # Excel reads a CSV as UTF-8 only when the file starts with it.
PROGRESS_EVERY = 1000
XLSX_MAX_CELL = 32767  # Excel's limit for one cell's text.

Progress = Callable[[int], None]


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, str):
        # Control characters are not allowed in XLSX's XML: openpyxl refuses the whole file.
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if len(value) > XLSX_MAX_CELL:
            value = value[: XLSX_MAX_CELL - 1] + "…"
    return value


def write_csv(
    resource: ExportResource, rows: Iterable, out: IO[bytes], progress: Progress | None
) -> int:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=False)
    try:
        text.write(UTF8_BOM)
        writer = csv.writer(text)
        writer.writerow(resource.get_export_headers())
        count = 0
        for instance in rows:
            writer.writerow(resource.export_resource(instance))
            count += 1
            if progress and count % PROGRESS_EVERY == 0:
                progress(count)
        text.flush()
    finally:
        text.detach()  # The caller owns ``out``: do not close it with the wrapper.
    return count


def write_xlsx(
    resource: ExportResource,
    rows: Iterable,
    out: IO[bytes],
    progress: Progress | None,
    title: str = "Export",
) -> int:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    sheet.append(resource.get_export_headers())
    count = 0
    for instance in rows:
        values = resource.export_resource(instance, force_native_type=True)
        sheet.append([_xlsx_value(value) for value in values])
        count += 1
        if progress and count % PROGRESS_EVERY == 0:
            progress(count)
    book.save(out)
    return count


def write_export(
    *,
    resource: ExportResource,
    queryset: QuerySet | Iterable,
    format: str,
    out: IO[bytes],
    progress: Progress | None = None,
    title: str = "Export",
) -> int:
    """Write the header and every row of ``queryset`` to ``out``; return the row count."""
    if isinstance(queryset, QuerySet):
        queryset = resource.filter_export(queryset)
    rows = resource.iter_queryset(queryset)
    if format == "xlsx":
        return write_xlsx(resource, rows, out, progress, title)
    return write_csv(resource, rows, out, progress)
