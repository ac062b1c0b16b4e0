import logging
import secrets
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, validate_email
from django.db import models

from outbound.deliveries import Delivery
from outbound.validators import validate_public_url


class Level(models.IntegerChoices):
    # The numbers are logging's, so "at least WARNING" is a plain >= filter.
    DEBUG = logging.DEBUG, "DEBUG"
    INFO = logging.INFO, "INFO"
    WARNING = logging.WARNING, "WARNING"
    ERROR = logging.ERROR, "ERROR"
    CRITICAL = logging.CRITICAL, "CRITICAL"


class Role(models.TextChoices):
    WEB = "web", "web"
    WORKER = "worker", "worker"
    BEAT = "beat", "beat"
    COMMAND = "command", "command"


class LogEntry(models.Model):
    """One log record from any process, stored by the collector (``manage.py collect_logs``).

    ``stream_id`` is the record's own uid, given by the shipping handler (the transport's id —
    a Redis stream id, or the spool segment and offset — for records without one); it is
    unique so that storing a batch twice after a collector restart, or a record the shipper
    sent twice, inserts nothing twice.
    """

    time = models.DateTimeField()
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    logger = models.CharField(max_length=200)
    message = models.TextField()
    role = models.CharField(max_length=10, choices=Role.choices)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    # Deleted with their organization: they are its data.
    organization = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # A plain integer until jobs.JobExecution exists; indexed for the execution's own page.
    execution_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    task_id = models.CharField(max_length=64, blank=True, db_index=True)
    exception = models.TextField(blank=True)
    stream_id = models.CharField(max_length=200, unique=True)

    class Meta:
        verbose_name = "log entry"
        verbose_name_plural = "log entries"
        ordering = ["-time", "-id"]
        indexes = [
            # The Logs page: newest first, for one organization or for everyone (operators),
            # optionally from a level up.
            models.Index(fields=["organization", "-time"], name="logentry_org_time"),
            models.Index(fields=["-time"], name="logentry_time"),
            models.Index(fields=["level", "-time"], name="logentry_level_time"),
        ]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M:%S} {self.get_level_display()} {self.logger}"

    @property
    def level_name(self) -> str:
        return logging.getLevelName(self.level)


class ProcessHeartbeat(models.Model):
    """The last sign of life of a worker or beat process, written by the process itself.

    One row per process name (a worker's Celery node name, ``beat@host``), rewritten every
    few seconds by a thread of that process (``monitoring.heartbeats``). It works on every
    broker, so readiness (``/readyz``) and the System health page know whether a worker and
    beat are alive in embedded mode too, where Celery's remote control cannot ask them.
    """

    role = models.CharField(max_length=10, choices=Role.choices)
    name = models.CharField(max_length=255, unique=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)
    # Set by a clean shutdown; a process that died leaves it empty and simply goes quiet.
    stopped_at = models.DateTimeField(null=True, blank=True)
    concurrency = models.PositiveIntegerField(null=True, blank=True)
    queues = models.CharField(max_length=500, blank=True)
    active_tasks = models.PositiveIntegerField(null=True, blank=True)
    reserved_tasks = models.PositiveIntegerField(null=True, blank=True)
    memory_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    # Beat only: when its scheduler last went through the schedules.
    last_tick_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["role", "name"]

    def __str__(self) -> str:
        return self.name

    def seen_seconds_ago(self, now: datetime) -> float:
        return (now - self.seen_at).total_seconds()


# --- Operator alerts (monitoring.operator_alerts) ------------------------------------------------


class OperatorAlertKind(models.TextChoices):
    """What an operator rule watches; each reads one check of the System health page (or the
    jobs' and feeds' own state) — see monitoring.alert_checks."""

    JOB_FAILED = "job_failed", "Job failed or stuck"
    FEED_FAILING = "feed_failing", "Feed failing"
    BREAKER_OPEN = "breaker_open", "Circuit breaker open"
    NO_WORKER = "no_worker", "No live worker"
    NO_BEAT = "no_beat", "Beat silent"
    COLLECTOR_LAGGING = "collector_lagging", "Log collector lagging or stopped"
    QUOTA_REACHED = "quota_reached", "LLM quota reached"
    DISK_FULL = "disk_full", "Disk nearly full"


class AlertLevel(models.TextChoices):
    # The System health page's levels (monitoring.health_item).
    WARN = "warn", "Amber or red"
    ERROR = "error", "Red only"


def new_operator_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


class OperatorAlertRule(models.Model):
    """Whom to tell when a part of the installation is unhealthy, and after how long.

    Not a tenant's row: operators watch the whole installation. The defaults (one rule per
    check, all enabled, nobody to tell yet) come from a data migration.
    """

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=OperatorAlertKind.choices)
    enabled = models.BooleanField(default=True)
    level = models.CharField(
        "fires at",
        max_length=5,
        choices=AlertLevel.choices,
        default=AlertLevel.ERROR,
        help_text="The check's level (as on the System health page) that counts as a problem.",
    )
    for_minutes = models.PositiveIntegerField(
        default=5,
        validators=[MaxValueValidator(7 * 24 * 60)],
        help_text="How long the problem must last before anyone is told (0: at once). "
        "A problem that clears sooner is recorded, never sent.",
    )
    email_recipients = models.TextField(
        blank=True,
        help_text="Operators' addresses, separated by commas or lines. Empty: "
        "OPERATOR_ALERT_EMAILS.",
    )
    webhook_url = models.URLField(max_length=500, blank=True)
    webhook_secret = models.CharField(max_length=100, default=new_operator_webhook_secret)
    evaluated_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "operator alert rule"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        for address in self.recipient_list(fallback=False):
            try:
                validate_email(address)
            except ValidationError:
                errors.setdefault("email_recipients", []).append(f"Not an address: {address}")
        if self.webhook_url:
            try:
                validate_public_url(self.webhook_url)
            except ValidationError as error:
                errors["webhook_url"] = error.messages
        if errors:
            raise ValidationError(errors)

    def recipient_list(self, *, fallback: bool = True) -> list[str]:
        parts = self.email_recipients.replace(";", ",").replace("\n", ",").split(",")
        addresses = [part.strip() for part in parts if part.strip()]
        if not addresses and fallback:
            return list(settings.OPERATOR_ALERT_EMAILS)
        return addresses


class OperatorIncident(models.Model):
    """One problem of one thing (a job, a feed, a breaker, the workers...) under one rule,
    from the evaluation that first saw it to the one that saw it gone.

    At most one open incident per rule and key (a partial unique constraint), so two
    evaluations at once cannot open it twice; ``fired_at`` and ``resolved_at`` are each set
    once, under the rule's lock, and each creates one message.
    """

    rule = models.ForeignKey(OperatorAlertRule, on_delete=models.CASCADE, related_name="incidents")
    # What is unhealthy, e.g. "job:12", "feed:3", "breaker:openai", "" for the whole check.
    key = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=300)
    reason = models.TextField(blank=True)
    opened_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    fired_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = "operator incident"
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "key"],
                condition=models.Q(resolved_at__isnull=True),
                name="unique_open_operator_incident",
            ),
        ]
        indexes = [
            models.Index(fields=["-opened_at"], name="operator_incident_opened"),
            # The hourly purge reads only the resolved incidents past retention, not every one.
            models.Index(
                fields=["resolved_at"],
                name="operator_incident_resolved_idx",
                condition=models.Q(resolved_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule}: {self.subject}"

    @property
    def status(self) -> str:
        if self.resolved_at is not None:
            return "resolved" if self.fired_at else "cleared before firing"
        return "firing" if self.fired_at else "pending"


class OperatorEvent(models.TextChoices):
    FIRING = "firing", "Firing"
    RESOLVED = "resolved", "Resolved"


class OperatorNotification(models.Model):
    """One message about the incidents of a rule that fired (or resolved) at one evaluation:
    fifty feeds failing together make one email, not fifty."""

    rule = models.ForeignKey(
        OperatorAlertRule, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.CharField(max_length=10, choices=OperatorEvent.choices)
    incidents = models.ManyToManyField(OperatorIncident, related_name="notifications")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # The hourly purge reads only the notifications past retention, not every one.
        indexes = [models.Index(fields=["created_at"], name="operator_notification_made_idx")]

    def __str__(self) -> str:
        return f"{self.rule} {self.event} at {self.created_at:%Y-%m-%d %H:%M}"


class OperatorDelivery(Delivery):
    """One email or webhook call of an operator notification (outbound.deliveries)."""

    notification = models.ForeignKey(
        OperatorNotification, on_delete=models.CASCADE, related_name="deliveries"
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "operator deliveries"
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="operator_delivery_due_idx",
                condition=models.Q(status__in=["pending", "sending"]),
            ),
        ]
