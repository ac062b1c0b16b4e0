import zoneinfo

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

from accounts.llm_connection import MAX_KEY_LENGTH
from accounts.logo import LOGO_MAX_BYTES
from accounts.models import ApiScope, AuditAction, LLMSource, Organization, Role
from accounts.retention import bounds, validate_retention
from accounts.services import API_KEY_LIFETIMES_DAYS


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class OrganizationForm(forms.ModelForm):
    time_zone = forms.ChoiceField(choices=time_zone_choices, initial="UTC")

    class Meta:
        model = Organization
        fields = [
            "name",
            "time_zone",
            "language",
            "discovery_confirmed_only",
            "analysis_mode",
            "report_retention_days",
            "log_retention_days",
        ]
        help_texts = {"time_zone": "Used for schedules and dates shown to the whole team."}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # A form posted without them (an older page still open) keeps the current values.
        self.fields["analysis_mode"].required = False
        self.fields["language"].required = False
        limits = bounds()
        most = f"at most {limits.report_max}" if limits.report_max else "no upper limit"
        self.fields[
            "report_retention_days"
        ].help_text += f" This installation: at least {limits.report_min} days, {most}."
        self.fields[
            "log_retention_days"
        ].help_text = f"Empty: {limits.log_max} days, the most this installation keeps them."

    def clean_analysis_mode(self) -> str:
        return self.cleaned_data["analysis_mode"] or self.instance.analysis_mode

    def clean_language(self) -> str:
        return self.cleaned_data["language"] or self.instance.language

    def clean(self) -> dict:
        cleaned = super().clean()
        try:
            validate_retention(
                report_days=cleaned.get("report_retention_days"),
                log_days=cleaned.get("log_retention_days"),
            )
        except forms.ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field, messages)
        return cleaned


class DeletionRequestForm(forms.Form):
    confirm_name = forms.CharField(
        label="Type the organization's name to confirm",
        max_length=200,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class AuditFilterForm(forms.Form):
    """The audit page's filters; every field optional, bad values ignored with a message."""

    actor = forms.CharField(required=False, max_length=150, label="Who")
    action = forms.ChoiceField(required=False, label="What")
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "Any action"), *AuditAction.choices]

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned


def _role_field(roles: list[str]) -> forms.ChoiceField:
    return forms.ChoiceField(choices=[(role, Role(role).label) for role in roles])


class InvitationForm(forms.Form):
    email = forms.EmailField(max_length=254)

    def __init__(self, *args: object, roles: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"] = _role_field(roles)
        self.fields["role"].initial = Role.MEMBER
        self.fields[
            "role"
        ].help_text = "Owners and admins manage members and settings; members use the app."


class MembershipRoleForm(forms.Form):
    def __init__(self, *args: object, roles: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"] = _role_field(roles)


class InvitationSignupForm(UserCreationForm):
    """Creates the account of someone who follows an invitation link."""

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "first_name", "last_name")


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="Who or what uses it, e.g. “CRM sync”. Shown in the list."
    )
    scopes = forms.MultipleChoiceField(
        choices=ApiScope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Write includes read. Give a key only what its program needs.",
    )
    expires_in_days = forms.TypedChoiceField(
        label="Expires after",
        coerce=int,
        choices=[(days, f"{days} days") for days in API_KEY_LIFETIMES_DAYS],
        initial=90,
    )


class LLMConnectionForm(forms.Form):
    """The organization's LLM connection. The key field never shows the stored key: left
    empty, the stored key stays."""

    source = forms.ChoiceField(
        label="Connection",
        choices=LLMSource.choices,
        widget=forms.RadioSelect,
        help_text="The installation's is the one your operator set up; your own uses your "
        "organization's account (and its bill).",
    )
    base_url = forms.URLField(
        label="Base URL",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="An OpenAI-compatible API. Empty: OpenAI (https://api.openai.com/v1).",
    )
    model = forms.CharField(max_length=100, required=False, help_text="e.g. gpt-4o-mini")
    api_key = forms.CharField(
        label="API key",
        required=False,
        max_length=MAX_KEY_LENGTH,
        strip=True,
        widget=forms.PasswordInput(
            render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"}
        ),
        help_text="Stored encrypted and never shown again. Leave empty to keep the stored key.",
    )
    remove_key = forms.BooleanField(label="Remove the stored key", required=False)


class LogoForm(forms.Form):
    logo = forms.FileField(
        label="Logo",
        help_text=f"PNG, JPEG, GIF or WebP, at most {LOGO_MAX_BYTES // 1024 // 1024} MB. "
        "Shown at the top of PDF reports and digests.",
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}
        ),
    )
