from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from accounts.models import Organization
from reports.alerts.models import AlertRule
from reports.models import BrandGroup


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name() or obj.get_username()
        return f"{name} <{obj.email}>" if obj.email else f"{name} (no email address)"


class AlertRuleForm(forms.ModelForm):
    """The rule drawer. The model's clean() (group, webhook URL) runs on the form's instance;
    the service checks everything again, the unique name included."""

    recipients = MemberChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Email to",
        help_text="Members who receive each alert by email (unless they muted it).",
    )

    webhook_url = forms.URLField(
        max_length=500,
        required=False,
        assume_scheme="https",
        label="Webhook URL",
        widget=forms.URLInput(attrs={"placeholder": "https://hooks.example.com/…"}),
        help_text="Optional. Receives a signed JSON POST (Slack- and Teams-style incoming "
        "webhooks show its “text”). See docs/alerts.md for the signature.",
    )

    class Meta:
        model = AlertRule
        fields = [
            "name",
            "kind",
            "group",
            "spike_factor",
            "min_mentions",
            "baseline_days",
            "cluster_size",
            "negative_threshold",
            "window_hours",
            "min_confidence",
            "cooldown_hours",
            "webhook_url",
            "enabled",
        ]
        labels = {
            "kind": "Alert when",
            "group": "Brand group",
            "spike_factor": "Spike: times the daily median",
            "min_mentions": "Spike: at least this many mentions in 24 hours",
            "baseline_days": "Spike: days the median is taken over",
            "cluster_size": "Negative cluster: at least this many negative mentions",
            "negative_threshold": "Negative cluster: sentiment at or below",
            "window_hours": "Within hours (negative cluster, group mention)",
            "min_confidence": "Ignore mentions less confident than",
            "cooldown_hours": "Cool-down (hours)",
        }
        help_texts = {
            "group": "Required for “Any mention of a group's brand”; for the other kinds it "
            "limits the rule to the group's tracked brands (empty: every tracked brand).",
            "cooldown_hours": "After an alert about a brand, this rule stays quiet about that "
            "brand this long: one spike alerts once.",
        }
        widgets = {
            "spike_factor": forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
            "negative_threshold": forms.NumberInput(attrs={"step": "0.05", "inputmode": "decimal"}),
            "min_confidence": forms.NumberInput(attrs={"step": "0.05", "inputmode": "decimal"}),
        }

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.organization = organization
        self.fields["group"].queryset = BrandGroup.objects.filter(
            organization=organization
        ).order_by("name")
        self.fields["group"].empty_label = "Every tracked brand"
        self.fields["recipients"].queryset = (
            get_user_model()
            .objects.filter(memberships__organization=organization)
            .order_by("first_name", "username")
        )
        if self.instance.pk:
            self.fields["recipients"].initial = list(
                self.instance.email_recipients.values_list("pk", flat=True)
            )

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
