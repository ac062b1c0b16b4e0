"""The heat table: a real HTML table (so it reads as one to everyone) whose cells are shaded
by value. Shades are classes (``heat-0`` … ``heat-5``), not inline styles: the page's Content
Security Policy allows no style attributes."""

from collections.abc import Sequence
from dataclasses import dataclass

LEVELS = 5


def heat_level(value: int, peak: int) -> int:
    """0 for nothing, else 1 … LEVELS by the value's share of the table's peak."""
    if value <= 0 or peak <= 0:
        return 0
    return max(1, min(LEVELS, -(-LEVELS * value // peak)))


@dataclass(frozen=True)
class HeatCell:
    value: int
    level: int


@dataclass(frozen=True)
class HeatRow:
    label: str
    cells: list[HeatCell]
    # A link for the row's label (the brand page), or "".
    url: str = ""


@dataclass(frozen=True)
class HeatTable:
    columns: list[str]
    rows: list[HeatRow]

    @property
    def empty(self) -> bool:
        return not any(cell.value for row in self.rows for cell in row.cells)


def heat_table(columns: Sequence[str], rows: Sequence[tuple[str, str, Sequence[int]]]) -> HeatTable:
    """``rows`` are (label, url, values in column order); shades follow the table's peak."""
    peak = max((value for _, _, values in rows for value in values), default=0)
    return HeatTable(
        columns=list(columns),
        rows=[
            HeatRow(label, [HeatCell(value, heat_level(value, peak)) for value in values], url)
            for label, url, values in rows
        ],
    )
