"""Bounds checked on an uploaded spreadsheet before anything big is built from it.

A few hundred kilobytes of XLSX can unzip to gigabytes (one huge shared string), hold
millions of cells in one row, or a million rows. openpyxl builds a whole row in memory before
handing it over and reads the shared strings whole, so two cheap checks come first: the sizes
the zip directory declares (Python's zipfile never unpacks more than that, so they bound
everything read later), then one streaming pass over the sheet's XML with expat, which stops
at the first row, column or cell past the limits without building anything."""

import re
import zipfile
from typing import IO
from xml.parsers import expat

from django.core.exceptions import ValidationError

MAX_ROWS = 5000
MAX_COLUMNS = 100
MAX_CELL_CHARS = 10_000
# Every part of the workbook unpacked together. A full 5,000-row contacts list is a few MB.
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024
_CHUNK = 64 * 1024
_COLUMN = re.compile(r"[A-Za-z]{1,3}")


def too_many_rows() -> ValidationError:
    return ValidationError(f"The file has more than {MAX_ROWS} rows; split it.")


def too_many_columns(where: str) -> ValidationError:
    return ValidationError(
        f"The file has more than {MAX_COLUMNS} columns ({where}); keep the contact columns only."
    )


def cell_too_long(where: str) -> ValidationError:
    return ValidationError(
        f"A cell in {where} is longer than {MAX_CELL_CHARS} characters; shorten it."
    )


def check_zip_directory(archive: zipfile.ZipFile) -> None:
    """Refuse a workbook whose parts would unpack to more than MAX_UNZIPPED_BYTES."""
    if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED_BYTES:
        raise ValidationError(
            f"This XLSX file unpacks to more than {MAX_UNZIPPED_BYTES // (1024 * 1024)} MB, "
            f"far more than {MAX_ROWS} contacts need; split it or save it again as CSV."
        )


class _Unreadable(Exception):
    """The sheet's XML is not what a spreadsheet program writes."""


def _column_number(reference: str) -> int:
    letters = _COLUMN.match(reference)
    if not letters:
        return 0
    number = 0
    for letter in letters.group().upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


class _SheetScan:
    """expat callbacks that count rows, cells and characters, and raise past a limit."""

    def __init__(self) -> None:
        self.row = 0
        self.column = 0
        self.cells = 0  # In this row, however their "r" attributes number them.
        self.widest = 0
        self.text_chars: int | None = None  # Counting inside <v> or <t>.

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        if local == "row":
            reference = attributes.get("r", "")
            self.row = int(reference) if reference.isdigit() else self.row + 1
            self.column = self.cells = 0
            # The heading row plus MAX_ROWS; empty rows count, as they do when reading.
            if self.row > MAX_ROWS + 1:
                raise too_many_rows()
        elif local == "c":
            number = _column_number(attributes.get("r", ""))
            self.column = number or self.column + 1
            self.cells += 1  # Every <c r="A1"> is still a cell openpyxl would build.
            if self.column > MAX_COLUMNS or self.cells > MAX_COLUMNS:
                raise too_many_columns(f"row {self.row}")
            self.widest = max(self.widest, self.column)
        elif local in ("v", "t"):
            self.text_chars = 0

    def end(self, name: str) -> None:
        if name.rpartition(":")[2] in ("v", "t"):
            self.text_chars = None

    def text(self, data: str) -> None:
        if self.text_chars is not None:
            self.text_chars += len(data)
            if self.text_chars > MAX_CELL_CHARS:
                raise cell_too_long(f"row {self.row}")


def _refuse_doctype(*args: object) -> None:
    # No part of an XLSX declares a DTD; refusing one rules out entity expansion.
    raise _Unreadable("document type declaration")


def scan_sheet(stream: IO[bytes]) -> int:
    """Check a worksheet's XML against the limits, streaming; the widest column seen."""
    scan = _SheetScan()
    parser = expat.ParserCreate()
    parser.StartElementHandler = scan.start
    parser.EndElementHandler = scan.end
    parser.CharacterDataHandler = scan.text
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_doctype
    try:
        while chunk := stream.read(_CHUNK):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except (expat.ExpatError, _Unreadable, ValueError, zipfile.BadZipFile) as error:
        raise ValidationError("This XLSX file could not be read; is it damaged?") from error
    return scan.widest
