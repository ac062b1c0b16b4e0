"""The one rule for cells that leave the app in a spreadsheet (CSV or XLSX), app or admin.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula
(CSV injection), and article titles, feed names and contact fields come from outside. Every
export resource derives from :class:`FormulaSafeResource`, so no exporter can forget it."""

from typing import Any

from import_export import fields, resources

# A tab or carriage return in front hides the same trigger from a quick look.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value: object) -> object:
    """A leading apostrophe makes the cell text; numbers and dates are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def unescape_formula(value: object) -> object:
    """Undo :func:`escape_formula`, so an exported file imports back to the same data."""
    if isinstance(value, str) and value.startswith("'") and value[1:2] in FORMULA_TRIGGERS:
        return value[1:]
    return value


class FormulaSafeResource(resources.ModelResource):
    """A model resource whose exported cells never run as formulas, and whose import reads
    its own escaped cells back."""

    def export_field(self, field: fields.Field, instance: Any, **kwargs: Any) -> Any:
        # Per field rather than per file format: CSV and XLSX (and any format added later)
        # are all written from these values.
        return escape_formula(super().export_field(field, instance, **kwargs))

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        for column, value in list(row.items()):
            row[column] = unescape_formula(value)
        super().before_import_row(row, **kwargs)
