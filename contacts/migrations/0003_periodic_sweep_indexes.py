"""Indexes for the hourly discovery sweeps: lost runs by (status, created_at), recent runs by
created_at, stale suggestions by updated_at among suggestions only."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0002_notes_length_limit"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="brandcontact",
            index=models.Index(
                condition=models.Q(("suggested", True)),
                fields=["updated_at"],
                name="contact_suggestion_age_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="discoveryrun",
            index=models.Index(fields=["status", "created_at"], name="discovery_run_status_idx"),
        ),
        migrations.AddIndex(
            model_name="discoveryrun",
            index=models.Index(fields=["created_at"], name="discovery_run_created_idx"),
        ),
    ]
