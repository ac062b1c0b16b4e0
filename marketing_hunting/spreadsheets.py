"""The one rule for cells that leave the app in a spreadsheet (CSV or XLSX), app or admin.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula
(CSV injection), and article titles, feed names and contact fields come from outside. Every
export resource derives from :class:`FormulaSafeResource`, so no exporter can forget it.
(It also draws the admin's import preview without inline styles, for the CSP.)"""

from typing import Any

from diff_match_patch import diff_match_patch
from django.utils.encoding import force_str
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from import_export import fields, resources
from import_export.resources import Diff

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


_DIFF_TAGS = {
    diff_match_patch.DIFF_INSERT: "<ins>{}</ins>",
    diff_match_patch.DIFF_DELETE: "<del>{}</del>",
    diff_match_patch.DIFF_EQUAL: "<span>{}</span>",
}


class StylelessDiff(Diff):
    """The import preview's per-cell diff without diff-match-patch's ``style=""``
    attributes, which the Content-Security-Policy refuses (and logs as violations):
    django-import-export's import.css and our admin_csp.css colour ``ins`` and ``del``."""

    def as_html(self) -> list[SafeString]:
        dmp = diff_match_patch()
        cells = []
        for before, after in zip(self.left, self.right, strict=False):
            if before != after and self.new:
                before = ""
            diff = dmp.diff_main(force_str(before), force_str(after))
            dmp.diff_cleanupSemantic(diff)
            html = "".join(
                _DIFF_TAGS[op].format(escape(text).replace("\n", "&para;<br>"))
                for op, text in diff
                if text
            )
            cells.append(mark_safe(html))  # noqa: S308 - every piece of text escaped above
        return cells


class FormulaSafeResource(resources.ModelResource):
    """A model resource whose exported cells never run as formulas, and whose import reads
    its own escaped cells back."""

    def export_field(self, field: fields.Field, instance: Any, **kwargs: Any) -> Any:
        # Per field rather than per file format: CSV and XLSX (and any format added later)
        # are all written from these values.
        return escape_formula(super().export_field(field, instance, **kwargs))

    @classmethod
    def get_diff_class(cls) -> type[Diff]:
        return StylelessDiff

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        for column, value in list(row.items()):
            row[column] = unescape_formula(value)
        super().before_import_row(row, **kwargs)
