"""The "Share" drawer's form: a title, how long the link lives and, for a digest, its range
(a rolling preset or fixed dates)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from reports.exports.ranges import RangePreset
from reports.forms import DATE
from reports.shares.models import EXPIRY_CHOICES
from reports.shares.public import digest_span

DIGEST_RANGES = [
    (preset.value, preset.label)
    for preset in (
        RangePreset.LAST_7_DAYS,
        RangePreset.LAST_30_DAYS,
        RangePreset.LAST_90_DAYS,
        RangePreset.THIS_MONTH,
        RangePreset.LAST_MONTH,
        RangePreset.CUSTOM,
    )
]


class ShareLinkForm(forms.Form):
    title = forms.CharField(
        max_length=150,
        label="Title",
        help_text="Shown on the shared page and in your list of shared links.",
    )
    days = forms.TypedChoiceField(
        label="Expires after",
        choices=EXPIRY_CHOICES,
        coerce=int,
        initial=30,
        help_text="The link stops working then (you can revoke it sooner).",
    )


class DigestShareForm(ShareLinkForm):
    range = forms.ChoiceField(
        label="Period",
        choices=DIGEST_RANGES,
        initial=RangePreset.LAST_7_DAYS,
        help_text="A rolling period shows the latest days at each visit.",
    )
    date_from = forms.DateField(required=False, label="From", widget=DATE)
    date_to = forms.DateField(required=False, label="To (included)", widget=DATE)

    def __init__(self, *args: Any, time_zone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.time_zone = time_zone

    def params(self) -> dict[str, list[str]]:
        data = self.cleaned_data
        params = {"range": [data["range"]]}
        if data["range"] == RangePreset.CUSTOM:
            params["date_from"] = [data["date_from"].isoformat()] if data["date_from"] else []
            params["date_to"] = [data["date_to"].isoformat()] if data["date_to"] else []
        return params

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "range" in data and not self.errors:
            try:
                digest_span(self.params(), self.time_zone)
            except ValidationError as error:
                for name, messages in error.message_dict.items():
                    self.add_error(name if name in self.fields else None, messages)
        return data
