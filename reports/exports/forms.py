"""The export drawer's form: what to export, as which file, over which days."""

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict

from reports.exports.models import ExportFormat, ExportKind
from reports.exports.ranges import DateRange, RangePreset, resolve_range

# The list page an export starts from decides what it can export.
KINDS_BY_PAGE = {
    "reports": (ExportKind.REPORTS, ExportKind.MENTIONS),
    "brands": (ExportKind.BRANDS,),
}
KIND_HELP = {
    ExportKind.REPORTS: "one row per report (article), with the brands it names",
    ExportKind.MENTIONS: "one row per brand mention, with its evidence",
    ExportKind.BRANDS: "one row per brand, with its mentions in the range",
}
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_QUERY = 2000


class ExportForm(forms.Form):
    page = forms.ChoiceField(
        choices=[(page, page) for page in KINDS_BY_PAGE], widget=forms.HiddenInput
    )
    filters = forms.CharField(required=False, max_length=MAX_QUERY, widget=forms.HiddenInput)
    kind = forms.ChoiceField(label="Export", widget=forms.RadioSelect)
    format = forms.ChoiceField(
        label="File",
        choices=ExportFormat.choices,
        initial=ExportFormat.CSV,
        widget=forms.RadioSelect,
    )
    range = forms.ChoiceField(
        label="Dates", choices=RangePreset.choices, initial=RangePreset.LAST_30_DAYS
    )
    date_from = forms.DateField(required=False, label="From", widget=DATE)
    date_to = forms.DateField(required=False, label="To (included)", widget=DATE)

    def __init__(self, *args: Any, page: str, time_zone: str, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "export-%s")
        super().__init__(*args, **kwargs)
        self.time_zone = time_zone
        self.span: DateRange | None = None
        kinds = KINDS_BY_PAGE.get(page, KINDS_BY_PAGE["reports"])
        self.fields["kind"].choices = [
            (kind.value, f"{kind.label} — {KIND_HELP[kind]}") for kind in kinds
        ]
        self.fields["kind"].initial = kinds[0].value
        self.fields[
            "range"
        ].help_text = f"Days in your organization's time zone ({time_zone}), both ends included."

    @classmethod
    def initial_for(cls, page: str, filters: str) -> dict[str, Any]:
        """Start from the list's own dates when it has them."""
        initial: dict[str, Any] = {"page": page, "filters": filters}
        data = QueryDict(filters)
        dates = {}
        for name in ("date_from", "date_to"):
            try:
                dates[name] = date.fromisoformat(data.get(name, ""))
            except ValueError:
                continue
        if dates:
            initial.update(range=RangePreset.CUSTOM, **dates)
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.has_error("filters"):
            # A hidden field's error would not be shown: say it on top of the form.
            self.errors.pop("filters")
            self.add_error(
                None,
                f"The list's filters are too long to export (over {MAX_QUERY:,} characters): "
                "shorten the search and export again.",
            )
        if self.has_error("page"):
            self.errors.pop("page")
            self.add_error(None, "Start the export from the Reports or Brands page.")
        if "range" not in data:
            return data
        if data["range"] != RangePreset.CUSTOM and (
            self.has_error("date_from") or self.has_error("date_to")
        ):
            # A date typed and then left behind by a preset does not matter.
            self.errors.pop("date_from", None)
            self.errors.pop("date_to", None)
        if self.has_error("date_from") or self.has_error("date_to"):
            return data
        try:
            self.span = resolve_range(
                preset=data["range"],
                time_zone=self.time_zone,
                date_from=data.get("date_from"),
                date_to=data.get("date_to"),
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return data
