"""The job form of the drawer: feeds picker, schedule editor, options."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from accounts.drawer import add_service_errors
from accounts.llm_connection import llm_available
from accounts.models import AnalysisMode, Organization
from feeds.models import Feed
from jobs.models import IntervalUnit, Job, ScheduleKind, stuck_after_error
from jobs.services.jobs import JOB_FIELDS, NO_FEEDS, SCHEDULE_FIELDS
from jobs.services.schedule import describe_schedule, validate_schedule
from jobs.timezones import normalize_timezone, ordered_timezones
from marketing_hunting.single_line import validate_single_line

# The job's own fields, as the services accept them.
VALUE_FIELDS = JOB_FIELDS
# Each schedule kind's own fields: only the chosen kind's are shown and required; the
# other kind's keep their values (or the defaults) so switching back finds them again.
KIND_FIELDS = {
    ScheduleKind.INTERVAL: ("interval_every", "interval_unit"),
    ScheduleKind.CRONTAB: (
        "cron_minute",
        "cron_hour",
        "cron_day_of_month",
        "cron_month_of_year",
        "cron_day_of_week",
        "timezone",
    ),
}
REQUIRED = "This field is required."


class FeedChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Feed) -> str:
        # A disabled feed is skipped by every run: say so where it is chosen.
        return obj.name if obj.enabled else f"{obj.name} (disabled: runs skip it)"


class JobForm(forms.Form):
    # Rendered after the schedule fieldset, in this order.
    option_fields = (
        "enabled",
        "feed_timeout",
        "use_llm",
        "analysis_mode",
        "max_articles",
        "stuck_after_seconds",
        "recipients",
    )
    timezone_options = ordered_timezones()

    name = forms.CharField(max_length=200, validators=[validate_single_line])
    feeds = FeedChoiceField(
        queryset=Feed.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None chosen: every enabled feed of the organization.",
    )
    schedule_kind = forms.ChoiceField(
        choices=ScheduleKind.choices,
        widget=forms.RadioSelect,
        label="Schedule",
        initial=ScheduleKind.INTERVAL,
    )
    # Not required here: clean() requires the chosen kind's fields only.
    interval_every = forms.IntegerField(
        min_value=1, max_value=10_000, initial=1, label="Every", required=False
    )
    # Hourly by default: every minute would hammer the feeds from the first save.
    interval_unit = forms.ChoiceField(
        choices=IntervalUnit.choices, label="Unit", initial=IntervalUnit.HOURS, required=False
    )
    cron_minute = forms.CharField(max_length=240, initial="0", label="Minute", required=False)
    cron_hour = forms.CharField(max_length=96, initial="7", label="Hour", required=False)
    cron_day_of_month = forms.CharField(
        max_length=124, initial="*", label="Day of month", required=False
    )
    cron_month_of_year = forms.CharField(max_length=64, initial="*", label="Month", required=False)
    cron_day_of_week = forms.CharField(
        max_length=64, initial="*", label="Day of week", required=False
    )
    # A text input with a datalist: searchable as you type, and plain HTML (works without JS).
    timezone = forms.CharField(
        max_length=64,
        initial="UTC",
        label="Time zone",
        required=False,
        widget=forms.TextInput(
            attrs={"list": "job-timezones", "autocomplete": "off", "spellcheck": "false"}
        ),
        help_text="Start typing a city or region, e.g. Europe/Paris.",
    )
    enabled = forms.BooleanField(required=False, initial=True, label="Enabled (scheduled)")
    feed_timeout = forms.IntegerField(
        min_value=1,
        max_value=120,
        required=False,
        label="Timeout per feed (s)",
        help_text="Empty: each feed's own timeout.",
    )
    use_llm = forms.BooleanField(
        required=False, initial=True, label="Analyse with the LLM (else rules only)"
    )
    analysis_mode = forms.ChoiceField(
        choices=[("", "The organization's mode"), *AnalysisMode.choices],
        required=False,
        label="LLM analysis mode",
        help_text="Economy: rules at once, the LLM's answer within 24 hours at half the price.",
    )
    max_articles = forms.IntegerField(
        min_value=1, max_value=1000, required=False, label="Max articles per feed"
    )
    stuck_after_seconds = forms.IntegerField(
        min_value=10,
        max_value=86400,
        required=False,
        label="Stuck after (s)",
        help_text=(
            "Empty: the site default. A run silent this long is failed; at least twice the "
            "heartbeat period (60 s by default)."
        ),
    )
    recipients = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Notify by email",
        help_text="Addresses told when a run is failed automatically.",
    )

    def __init__(
        self, *args: Any, organization: Organization, job: Job | None = None, **kwargs: Any
    ) -> None:
        if job is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                **{name: getattr(job, name) for name in VALUE_FIELDS},
                "enabled": job.enabled,
                "feeds": list(job.feeds.all()),
            }
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.job = job
        self.fields["feeds"].queryset = Feed.objects.filter(organization=organization).order_by(
            "name"
        )
        for names in KIND_FIELDS.values():
            for name in names:
                # Shown with a required mark: it is required whenever it is visible.
                self.fields[name].required_when_shown = True
        if not llm_available(organization):
            self.fields["use_llm"].help_text = (
                "No LLM is connected (the operator's OPENAI_BASE_URL / OPENAI_API_KEY, or the "
                "organization's own in Organization settings): runs use the rules."
            )
        if job is not None:
            # Pausing is done with the Pause/Resume buttons, which also update the schedule.
            del self.fields["enabled"]

    def clean_stuck_after_seconds(self) -> int | None:
        value = self.cleaned_data["stuck_after_seconds"]
        if error := stuck_after_error(value):
            raise ValidationError(error)
        return value

    def clean_timezone(self) -> str:
        value = self.cleaned_data["timezone"]
        if not value.strip():
            return ""
        if name := normalize_timezone(value):
            return name
        raise ValidationError(
            f"“{value.strip()[:64]}” is not a known time zone; pick one from the list, "
            "e.g. Europe/Paris."
        )

    def clean_recipients(self) -> str:
        value = self.cleaned_data["recipients"]
        for address in value.replace(";", ",").replace("\n", ",").split(","):
            if address.strip():
                try:
                    validate_email(address.strip())
                except ValidationError as exc:
                    raise ValidationError(f"“{address.strip()}” is not an email address.") from exc
        return value

    def _fallback(self, name: str) -> Any:
        if self.job is not None:
            return getattr(self.job, name)
        return Job._meta.get_field(name).default

    def _clean_schedule_kinds(self, data: dict[str, Any]) -> None:
        kind = data.get("schedule_kind")
        if kind not in KIND_FIELDS:
            return
        for name in KIND_FIELDS[kind]:
            if name not in self.errors and data.get(name) in (None, ""):
                self.add_error(name, REQUIRED)
        # The other kind's fields are hidden: what they hold can neither block the save
        # nor be shown as an error; keep a valid value so switching back finds it.
        for other, names in KIND_FIELDS.items():
            if other == kind:
                continue
            for name in names:
                if name in self.errors or data.get(name) in (None, ""):
                    self.errors.pop(name, None)
                    data[name] = self._fallback(name)
            try:  # Well-formed but invalid (hour "7-99"): the fallback too, never a bad save.
                probe = {name: data.get(name, self._fallback(name)) for name in names}
                rest = {name: self._fallback(name) for name in SCHEDULE_FIELDS}
                validate_schedule({**rest, **probe, "schedule_kind": other})
            except ValidationError as error:
                for name in getattr(error, "error_dict", {}):
                    if name in names:
                        data[name] = self._fallback(name)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self._clean_schedule_kinds(data)
        schedule_ok = not any(name in self.errors for name in SCHEDULE_FIELDS)
        if schedule_ok and all(name in data for name in SCHEDULE_FIELDS):
            try:
                validate_schedule(data)
            except ValidationError as error:
                add_service_errors(self, error)
        org_feeds = Feed.objects.filter(organization=self.organization, enabled=True)
        if "feeds" in data and not data["feeds"] and not org_feeds.exists():
            self.add_error("feeds", NO_FEEDS)
        return data

    def schedule_errors(self) -> list[str]:
        """What is wrong with the schedule alone (the live preview ignores the other fields)."""
        return [
            f"{self.fields[name].label}: {message}" if name != "__all__" else message
            for name, messages in self.errors.items()
            if name in SCHEDULE_FIELDS or name == "__all__"
            for message in messages
        ]

    def schedule_preview(self) -> str:
        if not self.is_bound:  # The drawer just opened: describe what is filled in.
            fields = self.fields
            return describe_schedule(
                {name: self.get_initial_for_field(fields[name], name) for name in SCHEDULE_FIELDS}
            )
        errors = self.schedule_errors()  # Validates first: cleaned_data exists only after.
        data = getattr(self, "cleaned_data", None) or {}
        if errors or not all(name in data for name in SCHEDULE_FIELDS):
            return ""
        return describe_schedule(data)

    def job_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in VALUE_FIELDS}
