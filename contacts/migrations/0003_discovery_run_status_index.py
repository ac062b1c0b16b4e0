"""The hourly sweep of lost discovery runs reads the active runs from (status, created_at)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0002_notes_length_limit"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="discoveryrun",
            index=models.Index(fields=["status", "created_at"], name="discovery_run_status_idx"),
        ),
    ]
