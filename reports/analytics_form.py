"""The Analytics page's filters: a brand group, up to ten brands to compare, and a date range
(the export presets, in the organization's time zone).

Like every filter form, it never raises: a bad range is said beside its field and the charts
show the default range meanwhile; brand ids of another organization (or of nothing) are
simply ignored, as if they were not in the address.
"""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from accounts.drawer import FilterForm
from reports.analytics import MAX_COMPARED
from reports.exports.ranges import DateRange, RangePreset, resolve_range
from reports.forms import DATE, FastSelect

DEFAULT_PRESET = RangePreset.LAST_90_DAYS
PRESETS = [
    (preset.value, preset.label)
    for preset in (
        RangePreset.LAST_7_DAYS,
        RangePreset.LAST_30_DAYS,
        RangePreset.LAST_90_DAYS,
        RangePreset.LAST_12_MONTHS,
        RangePreset.THIS_MONTH,
        RangePreset.LAST_MONTH,
        RangePreset.CUSTOM,
    )
]
TOO_LONG = "charts cover at most {max_days} days (two years). Choose a shorter range."


class BrandIdsField(forms.Field):
    """Brand ids as repeated ``brand=`` parameters: numbers only, duplicates dropped. Which
    of them belong to the organization is the view's question (it asks the database once)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        ids: list[int] = []
        for raw in value or []:
            try:
                number = int(str(raw).strip())
            except ValueError:
                continue
            if number > 0 and number not in ids:
                ids.append(number)
        return ids


class AnalyticsForm(FilterForm):
    group = forms.TypedChoiceField(
        required=False, label="Brand group", coerce=int, empty_value=None, widget=FastSelect
    )
    brand = BrandIdsField(required=False, label="Brands to compare")
    range = forms.ChoiceField(
        required=False, label="Dates", choices=PRESETS, initial=DEFAULT_PRESET, widget=FastSelect
    )
    date_from = forms.DateField(required=False, label="From", widget=DATE)
    date_to = forms.DateField(required=False, label="To (included)", widget=DATE)

    def __init__(
        self, *args: Any, groups: list[tuple[int, str]], time_zone: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.time_zone = time_zone
        self.fields["group"].choices = [("", "No group"), *groups]
        self.fields["range"].help_text = f"Days in your organization's time zone ({time_zone})."

    def clean_brand(self) -> list[int]:
        ids = self.cleaned_data["brand"]
        if len(ids) > MAX_COMPARED:
            raise ValidationError(
                f"Compare at most {MAX_COMPARED} brands at once (you chose {len(ids)}): the "
                f"first {MAX_COMPARED} are shown."
            )
        return ids

    def span(self) -> DateRange:
        """The chosen range, or the default one when the choice is wrong (the error is then
        on the form, beside the field that caused it)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        preset = data.get("range") or DEFAULT_PRESET
        if self.has_error("range"):
            preset = DEFAULT_PRESET
        try:
            return resolve_range(
                preset=preset,
                time_zone=self.time_zone,
                date_from=data.get("date_from"),
                date_to=data.get("date_to"),
                too_long=TOO_LONG,
            )
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                for message in messages:
                    if message not in self.errors.get(name, []):
                        self.add_error(name if name in self.fields else None, message)
            return resolve_range(preset=DEFAULT_PRESET, time_zone=self.time_zone)

    def brand_ids(self) -> list[int]:
        """The brands asked for, at most MAX_COMPARED (the first ones, when there were more)."""
        self.is_valid()
        if self.has_error("brand"):
            return BrandIdsField().to_python(self.data.getlist("brand"))[:MAX_COMPARED]
        return getattr(self, "cleaned_data", {}).get("brand") or []

    def group_id(self) -> int | None:
        self.is_valid()
        return getattr(self, "cleaned_data", {}).get("group")
