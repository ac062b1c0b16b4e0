"""The admin's contact import formats, read through the app's bounded reader.

django-import-export's own CSV and XLSX formats read every row of any size (openpyxl builds
each row whole, padded to the sheet's declared width), so a small hostile file could hold an
admin request for minutes. These read the file the way the Contacts page does and give
import-export a dataset of at most MAX_ROWS rows, or an error that says what to change."""

import tablib
from django.core.exceptions import ValidationError
from import_export.formats.base_formats import CSV, XLSX

from contacts.services.transfer import MAX_ROWS, read_rows, too_many_rows


class FileLimitError(ValueError):
    """Shown on the admin's import form (import-export shows the exception's message)."""


def _dataset(data: bytes, format: str) -> tablib.Dataset:
    try:
        rows = read_rows(data, format)
        if len(rows) > MAX_ROWS + 1:
            raise too_many_rows()
    except ValidationError as error:
        raise FileLimitError(" ".join(error.messages)) from error
    width = max((len(row) for row in rows), default=0)
    dataset = tablib.Dataset()
    if rows:
        dataset.headers = [*rows[0], *[""] * (width - len(rows[0]))]
    for row in rows[1:]:
        dataset.append([*row, *[""] * (width - len(row))])
    return dataset


class BoundedCSV(CSV):
    def create_dataset(self, in_stream: str | bytes) -> tablib.Dataset:
        # The admin hands CSV over already decoded (it refuses a file that is not UTF-8).
        data = in_stream.encode() if isinstance(in_stream, str) else in_stream
        return _dataset(data, "csv")


class BoundedXLSX(XLSX):
    def create_dataset(self, in_stream: bytes) -> tablib.Dataset:
        return _dataset(in_stream, "xlsx")
