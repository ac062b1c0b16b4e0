"""The job form of the drawer: feeds picker, schedule editor, options."""

from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from accounts.drawer import add_service_errors
from accounts.models import Organization
from feeds.models import Feed
from jobs.models import IntervalUnit, Job, ScheduleKind, stuck_after_error
from jobs.services.jobs import JOB_FIELDS, NO_FEEDS, SCHEDULE_FIELDS
from jobs.services.schedule import describe_schedule, validate_schedule

TIMEZONES = sorted(available_timezones())
# The job's own fields, as the services accept them.
VALUE_FIELDS = JOB_FIELDS


class JobForm(forms.Form):
    name = forms.CharField(max_length=200)
    feeds = forms.ModelMultipleChoiceField(
        queryset=Feed.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None chosen: every enabled feed of the organization.",
    )
    schedule_kind = forms.ChoiceField(
        choices=ScheduleKind.choices, widget=forms.RadioSelect, label="Schedule"
    )
    interval_every = forms.IntegerField(min_value=1, max_value=10_000, initial=1, label="Every")
    interval_unit = forms.ChoiceField(choices=IntervalUnit.choices, label="Unit")
    cron_minute = forms.CharField(max_length=240, initial="0", label="Minute")
    cron_hour = forms.CharField(max_length=96, initial="7", label="Hour")
    cron_day_of_month = forms.CharField(max_length=124, initial="*", label="Day of month")
    cron_month_of_year = forms.CharField(max_length=64, initial="*", label="Month")
    cron_day_of_week = forms.CharField(max_length=64, initial="*", label="Day of week")
    timezone = forms.ChoiceField(choices=[(tz, tz) for tz in TIMEZONES], initial="UTC")
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
        if job is not None:
            # Pausing is done with the Pause/Resume buttons, which also update the schedule.
            del self.fields["enabled"]

    def clean_stuck_after_seconds(self) -> int | None:
        value = self.cleaned_data["stuck_after_seconds"]
        if error := stuck_after_error(value):
            raise ValidationError(error)
        return value

    def clean_recipients(self) -> str:
        value = self.cleaned_data["recipients"]
        for address in value.replace(";", ",").replace("\n", ",").split(","):
            if address.strip():
                try:
                    validate_email(address.strip())
                except ValidationError as exc:
                    raise ValidationError(f"“{address.strip()}” is not an email address.") from exc
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if all(name in data for name in SCHEDULE_FIELDS):
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
        data = getattr(self, "cleaned_data", None) or {}
        if self.schedule_errors() or not all(name in data for name in SCHEDULE_FIELDS):
            return ""
        return describe_schedule(data)

    def job_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in VALUE_FIELDS}
