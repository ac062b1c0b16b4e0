"""Alert rules, the alerts they raise, who was told in the app, who muted what, and each
email or webhook delivery with its attempts."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from accounts.tenancy import TenantModel
from outbound.deliveries import Delivery
from outbound.deliveries import DeliveryChannel as DeliveryChannel  # re-exported
from outbound.deliveries import DeliveryStatus as DeliveryStatus  # re-exported
from outbound.validators import validate_public_url


class AlertKind(models.TextChoices):
    SPIKE = "spike", "Mention spike"
    NEGATIVE = "negative", "Negative cluster"
    GROUP = "group", "Any mention of a group's brand"


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


class AlertRule(TenantModel):
    """What to watch and whom to tell. Parameters not used by a rule's kind are ignored."""

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=AlertKind.choices, default=AlertKind.SPIKE)
    # Required for a group-mention rule; for the others it narrows the tracked brands watched.
    group = models.ForeignKey(
        "reports.BrandGroup",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alert_rules",
    )
    enabled = models.BooleanField(default=True)
    # Spike: more than factor x the baseline (median of daily counts over baseline_days) and
    # at least min_mentions in the last 24 hours.
    spike_factor = models.FloatField(
        default=3.0, validators=[MinValueValidator(1.0), MaxValueValidator(100.0)]
    )
    min_mentions = models.PositiveIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(10_000)]
    )
    baseline_days = models.PositiveIntegerField(
        default=28, validators=[MinValueValidator(7), MaxValueValidator(365)]
    )
    # Negative cluster: at least cluster_size mentions at or below negative_threshold within
    # window_hours. The group-mention rule also reads window_hours (how far back to look).
    cluster_size = models.PositiveIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    window_hours = models.PositiveIntegerField(
        default=24, validators=[MinValueValidator(1), MaxValueValidator(24 * 14)]
    )
    negative_threshold = models.FloatField(
        default=-0.3, validators=[MinValueValidator(-1.0), MaxValueValidator(0.0)]
    )
    # Mentions less certain than this never count (every kind).
    min_confidence = models.FloatField(
        default=0.5, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)]
    )
    # After an alert for a brand, the rule stays quiet about that brand this long.
    cooldown_hours = models.PositiveIntegerField(
        default=24, validators=[MinValueValidator(1), MaxValueValidator(24 * 30)]
    )
    email_recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+"
    )
    webhook_url = models.URLField(max_length=500, blank=True)
    webhook_secret = models.CharField(max_length=100, default=new_webhook_secret)
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
                name="unique_alert_rule",
                violation_error_message="A rule with this name already exists; choose another.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # Here as well as in the form, so the admin refuses the same input.
        errors: dict[str, str | list[str]] = {}
        if self.kind == AlertKind.GROUP and not self.group_id:
            errors["group"] = "Choose the group whose brands raise this alert."
        if (
            self.group_id
            and self.organization_id
            and self.group.organization_id != (self.organization_id)
        ):
            errors["group"] = "Choose one of your organization's groups."
        if self.webhook_url:
            try:
                validate_public_url(self.webhook_url)
            except ValidationError as error:
                errors["webhook_url"] = error.messages
        if errors:
            raise ValidationError(errors)

    @property
    def cooldown(self) -> timedelta:
        return timedelta(hours=self.cooldown_hours)

    def describe(self) -> str:
        """The rule's condition in one sentence (rules list, emails)."""
        scope = f" in “{self.group}”" if self.group_id else ""
        if self.kind == AlertKind.SPIKE:
            return (
                f"A tracked brand{scope} has more than {self.spike_factor:g}× its "  # noqa: RUF001
                f"{self.baseline_days}-day daily median and at least {self.min_mentions} "
                "mentions in 24 hours."
            )
        if self.kind == AlertKind.NEGATIVE:
            return (
                f"A tracked brand{scope} has at least {self.cluster_size} negative mentions "
                f"(sentiment ≤ {self.negative_threshold:g}) within {self.window_hours} hours."
            )
        return f"Any brand{scope} is mentioned."


class Alert(TenantModel):
    """One incident: a rule fired for a brand, with the mentions that caused it."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="alerts")
    brand = models.ForeignKey("reports.Brand", on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=10, choices=AlertKind.choices)
    # The brand's name when it fired, so the alert still reads after a rename.
    brand_name = models.CharField(max_length=200)
    summary = models.CharField(max_length=500)
    observed = models.PositiveIntegerField(default=0)
    baseline = models.FloatField(null=True, blank=True)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    mentions = models.ManyToManyField("reports.Mention", blank=True, related_name="alerts")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The cool-down check: the latest alert of a rule for a brand.
            models.Index(fields=["rule", "brand", "-created_at"], name="alert_rule_brand_idx"),
            models.Index(fields=["organization", "-created_at"], name="alert_org_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.brand_name}"

    def get_absolute_url(self) -> str:
        return reverse("alerts:detail", args=[self.pk])


class AlertNotification(TenantModel):
    """The in-app notice of an alert to one member (none for members who muted it)."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="notifications")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_notifications"
    )
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["alert", "user"], name="unique_alert_notification"),
        ]
        indexes = [
            # The bell's count on every page: this user's unread notices here.
            models.Index(
                fields=["user", "organization"],
                name="alert_notice_unread_idx",
                condition=models.Q(read_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.alert} for {self.user}"


class AlertMute(TenantModel):
    """A member muted one rule, or (rule empty) every alert of the organization."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(
        AlertRule, null=True, blank=True, on_delete=models.CASCADE, related_name="mutes"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user", "rule"],
                condition=models.Q(rule__isnull=False),
                name="unique_alert_rule_mute",
            ),
            models.UniqueConstraint(
                fields=["organization", "user"],
                condition=models.Q(rule__isnull=True),
                name="unique_alert_mute_all",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} muted {self.rule or 'every alert'}"


class AlertDelivery(TenantModel, Delivery):
    """One email to one member, or one webhook call, with its attempts (outbound.deliveries)."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "alert deliveries"
        indexes = [
            # The sweep: deliveries waiting for their next attempt.
            models.Index(
                fields=["next_attempt_at"],
                name="alert_delivery_due_idx",
                condition=models.Q(status__in=["pending", "sending"]),
            ),
            models.Index(fields=["organization", "status"], name="alert_delivery_status_idx"),
        ]
