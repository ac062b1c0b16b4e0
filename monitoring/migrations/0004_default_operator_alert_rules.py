"""One operator alert rule per kind, enabled, telling OPERATOR_ALERT_EMAILS until an operator
names recipients or a webhook in the admin (docs/operations.md, "Operator alerts")."""

import secrets

from django.db import migrations

# (name, kind, level, for_minutes)
DEFAULT_RULES = [
    ("Job failed or stuck", "job_failed", "error", 0),
    ("Feed failing for 6 hours", "feed_failing", "error", 6 * 60),
    ("Circuit breaker open", "breaker_open", "error", 10),
    ("No live worker", "no_worker", "error", 2),
    ("Beat silent", "no_beat", "error", 2),
    ("Log collector lagging or stopped", "collector_lagging", "warn", 5),
    ("LLM quota reached", "quota_reached", "error", 0),
    ("Disk nearly full", "disk_full", "error", 5),
]


def create_defaults(apps, schema_editor):
    Rule = apps.get_model("monitoring", "OperatorAlertRule")
    for name, kind, level, for_minutes in DEFAULT_RULES:
        Rule.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "level": level,
                "for_minutes": for_minutes,
                "webhook_secret": secrets.token_urlsafe(32),
            },
        )


def remove_defaults(apps, schema_editor):
    Rule = apps.get_model("monitoring", "OperatorAlertRule")
    Rule.objects.filter(name__in=[name for name, *_ in DEFAULT_RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0003_operator_alerts")]

    operations = [migrations.RunPython(create_defaults, remove_defaults)]
