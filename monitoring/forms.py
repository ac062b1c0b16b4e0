from django import forms

from accounts.drawer import FilterForm
from monitoring.models import Level


class LogFilterForm(FilterForm):
    q = forms.CharField(required=False, label="Search", max_length=200)
    level = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        label="Level at least",
        choices=[("", "Any level"), *Level.choices],
    )
    since = forms.DateTimeField(
        required=False, label="From", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    until = forms.DateTimeField(
        required=False, label="Until", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    execution = forms.IntegerField(required=False, min_value=1, label="Execution id")

    def clean(self) -> dict:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since >= until:
            self.add_error("until", "Must be after “From”.")
        return data
