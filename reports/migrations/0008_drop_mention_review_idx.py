"""Drop ``mention_review_idx`` (organization, review_status): it is a prefix of
``mention_review_queue_idx`` (organization, review_status, -mentioned_at, -id), which serves
every query it served, so it only cost a second index write per mention and disk space."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0007_exports"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="mention", name="mention_review_idx"),
    ]
