"""The data table behind a chart (``templates/reports/_chart_table.html`` draws it): the same
numbers for screen readers, for anyone who would rather read, and for copying."""

from dataclasses import dataclass


@dataclass
class DataTable:
    caption: str
    head: list[str]
    rows: list[list[object]]
