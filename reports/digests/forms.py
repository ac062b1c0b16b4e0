"""The drawers' forms: a digest template, and a subscription."""

from __future__ import annotations

from typing import Any

from django import forms

from accounts.forms import time_zone_choices
from accounts.models import Organization
from feeds.models import Feed
from reports.digests.models import Column, DigestSubscription, DigestTemplate, Section
from reports.models import BrandGroup


class DigestTemplateForm(forms.ModelForm):
    sections = forms.MultipleChoiceField(
        choices=Section.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,  # an empty choice gets the clear message below, not "required"
        help_text="Shown in this order.",
    )
    columns = forms.MultipleChoiceField(
        choices=Column.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Columns of the top-brands table",
        help_text="The brand's name is always shown.",
    )
    groups = forms.ModelMultipleChoiceField(
        queryset=BrandGroup.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Brand groups",
        help_text="Only mentions of these groups' brands. None chosen: every brand.",
    )
    feeds = forms.ModelMultipleChoiceField(
        queryset=Feed.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only articles from these feeds. None chosen: every feed.",
    )

    class Meta:
        model = DigestTemplate
        fields = ["name", "sections", "groups", "feeds", "min_confidence", "columns", "top_count"]
        labels = {
            "min_confidence": "Ignore mentions less confident than",
            "top_count": "Brands in the top list",
        }
        widgets = {
            "min_confidence": forms.NumberInput(attrs={"step": "0.05", "inputmode": "decimal"}),
        }

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.organization = organization
        self.fields["groups"].queryset = BrandGroup.objects.filter(
            organization=organization
        ).order_by("name")
        self.fields["feeds"].queryset = Feed.objects.filter(organization=organization).order_by(
            "name"
        )
        # As plain lists (the model's JSON values are not matched to the checkboxes).
        self.initial["sections"] = list(self.instance.sections or [])
        self.initial["columns"] = list(self.instance.columns or [])
        if self.instance.pk:
            self.initial["groups"] = list(self.instance.groups.values_list("pk", flat=True))
            self.initial["feeds"] = list(self.instance.feeds.values_list("pk", flat=True))

    def clean_sections(self) -> list[str]:
        sections = self.cleaned_data["sections"]
        if not sections:
            raise forms.ValidationError(
                "Choose at least one section: a digest with none would say nothing."
            )
        return sections

    def values(self) -> dict[str, Any]:
        names = ["name", "sections", "columns", "min_confidence", "top_count"]
        return {name: self.cleaned_data[name] for name in names}


class DigestSubscriptionForm(forms.ModelForm):
    for_everyone = forms.BooleanField(
        required=False,
        label="Send to every member of the organization",
        help_text="Owners and admins only. Each member can unsubscribe from the email.",
    )
    time_zone = forms.ChoiceField(
        choices=time_zone_choices,
        initial="UTC",
        help_text="The send time is in this zone; daylight saving is followed.",
    )

    class Meta:
        model = DigestSubscription
        fields = [
            "template",
            "frequency",
            "weekday",
            "send_time",
            "time_zone",
            "attach_pdf",
            "skip_empty",
            "enabled",
        ]
        labels = {
            "weekday": "Day (weekly digests)",
            "send_time": "Local time",
            "attach_pdf": "Attach the digest as PDF",
            "skip_empty": "Skip a period with nothing new",
        }
        help_texts = {
            "skip_empty": "Otherwise a digest still arrives and says “nothing new”.",
        }
        widgets = {"send_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}

    def __init__(
        self, *args: Any, organization: Organization, can_manage: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.instance.organization = organization
        self.fields["template"].queryset = DigestTemplate.objects.filter(
            organization=organization
        ).order_by("name")
        self.fields["template"].empty_label = None
        if not self.instance.pk:
            self.initial.setdefault("time_zone", organization.time_zone)
        if not can_manage or self.instance.pk:
            # Who receives it is decided when it is created.
            del self.fields["for_everyone"]

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
