"""The hourly LLM catch-up reads only pending reports: two partial indexes (on organization,
and on id) where llm_pending, replacing (organization, llm_pending), which it read whole."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0008_drop_mention_review_idx"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="report",
            name="report_org_pending_idx",
        ),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(
                condition=models.Q(("llm_pending", True)),
                fields=["organization"],
                name="report_org_llm_pending_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(
                condition=models.Q(("llm_pending", True)),
                fields=["id"],
                name="report_llm_pending_idx",
            ),
        ),
    ]
