import logging
from datetime import datetime

from django.db import models


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
