"""Digest templates (what a digest shows), subscriptions (who gets one, when) and deliveries
(one email to one recipient for one period, with its attempts)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from accounts.models import validate_time_zone
from accounts.tenancy import TenantModel
from outbound.deliveries import DeliveryStatus
from reports.digests import schedule


class Section(models.TextChoices):
    HEADLINE = "headline", "Headline numbers"
    TOP_BRANDS = "top_brands", "Top brands"
    MOVERS = "movers", "Movers"
    TRACKED = "tracked", "Tracked-brand mentions"
    SENTIMENT = "sentiment", "Sentiment"
    CONTACTS = "contacts", "New contacts"


class Column(models.TextChoices):
    """Columns of the top-brands table (the brand's name is always shown)."""

    MENTIONS = "mentions", "Mentions"
    CHANGE = "change", "Change on the period before"
    SENTIMENT = "sentiment", "Average sentiment"
    INDUSTRY = "industry", "Industry"


def default_sections() -> list[str]:
    return list(Section.values)


def default_columns() -> list[str]:
    return [Column.MENTIONS, Column.CHANGE, Column.SENTIMENT]


class DigestTemplate(TenantModel):
    """What a digest shows: its sections in a fixed order, the mentions it counts, the columns
    of its brand table."""

    name = models.CharField(max_length=100)
    sections = models.JSONField(default=default_sections)
    columns = models.JSONField(default=default_columns, blank=True)
    # Empty: every brand (groups) or every feed (feeds).
    groups = models.ManyToManyField("reports.BrandGroup", blank=True, related_name="+")
    feeds = models.ManyToManyField("feeds.Feed", blank=True, related_name="+")
    min_confidence = models.FloatField(
        default=0.5, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)]
    )
    top_count = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"],
                name="unique_digest_template",
                violation_error_message="A template with this name already exists.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not self.sections:
            raise ValidationError({"sections": "Choose at least one section to show."})
        unknown = set(self.sections) - set(Section.values) or set(self.columns) - set(Column.values)
        if unknown:
            raise ValidationError(f"Unknown section or column: {', '.join(sorted(unknown))}.")

    def ordered_sections(self) -> list[str]:
        return [value for value in Section.values if value in self.sections]


class Frequency(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class DigestSubscription(TenantModel):
    """A digest sent on a schedule: to one member (``user`` set) or to every member of the
    organization (``user`` empty; members who unsubscribed are in ``opted_out``)."""

    template = models.ForeignKey(
        DigestTemplate, on_delete=models.PROTECT, related_name="subscriptions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="digest_subscriptions",
    )
    opted_out = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY)
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, default=Weekday.MONDAY)
    send_time = models.TimeField(default=time(8, 0))
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    attach_pdf = models.BooleanField(default=False)
    skip_empty = models.BooleanField(
        default=False, help_text="Send nothing for a period without mentions."
    )
    enabled = models.BooleanField(default=True)
    # The last period dispatched (its local send date): the dispatcher's claim.
    last_period = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["frequency", "send_time", "id"]
        indexes = [models.Index(fields=["enabled"], name="digest_sub_enabled_idx")]

    def __str__(self) -> str:
        who = self.user.get_username() if self.user_id else "the whole organization"
        return f"{self.template} for {who}, {self.describe_schedule()}"

    def describe_schedule(self) -> str:
        at = f"{self.send_time:%H:%M} ({self.time_zone})"
        if self.frequency == Frequency.DAILY:
            return f"daily at {at}"
        return f"every {self.get_weekday_display()} at {at}"

    @property
    def days(self) -> int:
        return 1 if self.frequency == Frequency.DAILY else 7

    def latest_send_at(self, now: datetime) -> tuple[date, datetime] | None:
        """The latest scheduled send at or before ``now``: (its local date, the instant)."""
        return schedule.latest_send(
            now=now,
            send_time=self.send_time,
            time_zone=self.time_zone,
            weekday=None if self.frequency == Frequency.DAILY else self.weekday,
        )

    def window(self, period: date) -> tuple[datetime, datetime]:
        """The mentions a period's digest covers: since the previous send, until this one."""
        end = schedule.local_instant(period, self.send_time, self.time_zone)
        start = schedule.local_instant(
            period - timedelta(days=self.days), self.send_time, self.time_zone
        )
        return start, end

    def get_absolute_url(self) -> str:
        return reverse("digests:list")


class DigestDelivery(TenantModel):
    """One digest email to one member for one period; unique, so a period is sent once."""

    subscription = models.ForeignKey(
        DigestSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    recipient = models.EmailField(max_length=254)
    period = models.DateField()
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # Whether the digest said "nothing new" (set when sent).
    was_empty = models.BooleanField(default=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "digest deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "period", "user"], name="unique_digest_delivery"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="digest_delivery_due_idx",
                condition=models.Q(status__in=["pending", "sending"]),
            ),
            models.Index(fields=["status", "created_at"], name="digest_delivery_status_idx"),
        ]

    def __str__(self) -> str:
        return f"Digest {self.period} to {self.recipient} ({self.status})"
