"""Rows and helpers for the export tests."""

import csv
import io
from datetime import date

from openpyxl import load_workbook

from reports.exports.ranges import DateRange
from reports.exports.services import ExportSpec

MARCH = DateRange(date(2026, 3, 1), date(2026, 3, 31), "UTC")
BOM = b"\xef\xbb\xbf"


def spec(kind: str = "reports", format: str = "csv", query: str = "", span=MARCH) -> ExportSpec:
    return ExportSpec(kind=kind, format=format, query=query, span=span)


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(BOM), data[:20]
    return list(csv.reader(io.StringIO(data[len(BOM) :].decode("utf-8"))))


def xlsx_rows(data: bytes) -> list[list[object]]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    try:
        return [list(row) for row in book.active.iter_rows(values_only=True)]
    finally:
        book.close()


def as_dicts(rows: list[list]) -> list[dict]:
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
