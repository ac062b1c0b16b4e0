"""Billing hooks: daily usage records, the events sent about organizations, the endpoints they
go to and the log of every delivery (docs/billing.md)."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from accounts.tenancy import TenantModel
from outbound.deliveries import Delivery
from outbound.validators import validate_public_url


class EventType(models.TextChoices):
    USAGE_DAILY = "usage.daily", "usage.daily"
    QUOTA_WARNING = "quota.warning", "quota.warning"
    QUOTA_REACHED = "quota.reached", "quota.reached"
    ORGANIZATION_CREATED = "organization.created", "organization.created"
    PLAN_CHANGED = "plan.changed", "plan.changed"


class ClosedDay(Exception):
    """A closed usage record was asked to change."""


class UsageRecord(TenantModel):
    """One organization's usage on one UTC day: open (recounted on each run) until closed,
    then immutable. Closing sends ``usage.daily``."""

    date = models.DateField()
    articles_fetched = models.PositiveIntegerField(default=0)
    articles_analysed = models.PositiveIntegerField(default=0)
    llm_calls = models.PositiveIntegerField(default=0)
    llm_cache_hits = models.PositiveIntegerField(default=0)
    llm_batch_calls = models.PositiveIntegerField(default=0)
    llm_tokens_in = models.PositiveBigIntegerField(default=0)
    llm_tokens_out = models.PositiveBigIntegerField(default=0)
    llm_cost = models.DecimalField(max_digits=14, decimal_places=6, default=0)
    llm_batch_saved = models.DecimalField(max_digits=14, decimal_places=6, default=0)
    discovery_searches = models.PositiveIntegerField(default=0)
    emails_drafted = models.PositiveIntegerField(default=0)
    emails_sent = models.PositiveIntegerField(default=0)
    active_users = models.PositiveIntegerField(default=0)
    storage_articles = models.PositiveIntegerField(default=0)
    storage_bytes = models.PositiveBigIntegerField(default=0)
    # {"model": {"llm_calls", "tokens_in", "tokens_out", "cost"}}
    by_model = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-date", "organization_id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "date"], name="unique_usage_record"),
        ]
        indexes = [
            # The closing run reads the last week's records of every organization by date.
            models.Index(fields=["date"], name="usage_record_date_idx"),
        ]

    def __str__(self) -> str:
        return f"Usage of {self.organization_id} on {self.date}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def save(self, *args: object, **kwargs: object) -> None:
        # The last wall: a closed day is what was billed. Only the save that closes it passes.
        # The flag is good for one save: the instance the closing run returns is closed too.
        closing = self.__dict__.pop("_closing", False)
        if self.pk and not closing:
            stored = type(self).objects.filter(pk=self.pk).values_list("closed_at", flat=True)
            if stored and stored[0] is not None:
                raise ClosedDay(f"The usage record of {self.date} is closed and cannot change.")
        super().save(*args, **kwargs)


def new_webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    """Where billing events go. Without an organization: the installation's endpoint (the
    operators' billing system), which receives every organization's events; with one: that
    organization's own endpoint (set by its owners), which receives its events only."""

    organization = models.ForeignKey(
        "accounts.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Empty: the installation's endpoint, sent every organization's events.",
    )
    url = models.URLField(max_length=500)
    # Plain, like the alert rules' secrets: it signs each call, so it must be readable here.
    # Shown once when made; never in a page or the admin afterwards.
    secret = models.CharField(max_length=100, default=new_webhook_secret, editable=False)
    events = models.JSONField(
        default=list,
        blank=True,
        help_text='Event types to send (e.g. ["plan.changed"]); empty sends every type.',
    )
    description = models.CharField(max_length=200, blank=True)
    enabled = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization_id", "url"]

    def __str__(self) -> str:
        return self.url

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        events = self.events if isinstance(self.events, list) else None
        unknown = [str(e) for e in events or [] if e not in EventType.values]
        if events is None or unknown:
            errors["events"] = [
                f"Unknown event types: {', '.join(unknown) or self.events!r}. "
                f"Known: {', '.join(EventType.values)}."
            ]
        if self.url:
            try:
                validate_public_url(self.url)
            except ValidationError as error:
                errors["url"] = error.messages
        if errors:
            raise ValidationError(errors)

    def wants(self, event_type: str) -> bool:
        return self.enabled and (not self.events or event_type in self.events)


class BillingEvent(TenantModel):
    """Something a billing system is told about: its payload is fixed when it happens, so a
    retry or a replay sends the same body (with a fresh timestamp and signature)."""

    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(max_length=40, choices=EventType.choices)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "-created_at"], name="billing_event_idx")]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class WebhookDelivery(Delivery):
    """One call of one event to one endpoint, with its attempts (outbound.deliveries); a
    replay is a new delivery of the same event (same event id) to the same endpoint."""

    # Not "event": the delivery's own ``event_id`` is the idempotency key (the event's id).
    billing_event = models.ForeignKey(
        BillingEvent, on_delete=models.CASCADE, related_name="deliveries"
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    replay_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replays"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="billing_delivery_due_idx",
                condition=models.Q(status__in=["pending", "sending"]),
            ),
        ]
