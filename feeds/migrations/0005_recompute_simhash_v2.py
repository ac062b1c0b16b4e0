"""Recompute stored SimHash fingerprints with the vectorized hash of feeds.similarity.

A fingerprint from the old hash (blake2b per shingle) and one from the new hash are unrelated
numbers, about 32 bits apart, so without this every copy of a story stored before the upgrade
would go unnoticed. Every article the extraction service has processed (any status but
pending) is read, in id order and in batches, so memory stays flat on a large table.
Reversed, the fingerprints are cleared: older code cannot compare them, and an article without
one is simply not matched as a near copy; applied again, they are computed again.
"""

from django.db import migrations

BATCH = 1000


def recompute_fingerprints(apps, schema_editor):
    # The current functions on purpose: the fingerprints must match what new code computes.
    from feeds.extraction import normalize_text
    from feeds.similarity import simhash_of_normalized

    article_model = apps.get_model("feeds", "Article")
    articles = article_model.objects.using(schema_editor.connection.alias)
    last_id = 0
    while True:
        batch = list(
            articles.filter(pk__gt=last_id)
            .exclude(status="pending")
            .order_by("pk")
            .only("pk", "text", "summary")[:BATCH]
        )
        if not batch:
            return
        for article in batch:
            # What the extraction service hashes: the extracted text, else the feed's summary.
            body = article.text or article.summary
            article.simhash = simhash_of_normalized(normalize_text(body)) if body else None
        articles.bulk_update(batch, ["simhash"], batch_size=250)
        last_id = batch[-1].pk


def clear_fingerprints(apps, schema_editor):
    article_model = apps.get_model("feeds", "Article")
    articles = article_model.objects.using(schema_editor.connection.alias)
    articles.filter(simhash__isnull=False).update(simhash=None)


class Migration(migrations.Migration):
    dependencies = [
        ("feeds", "0004_article_status_fetched_index"),
    ]

    operations = [
        migrations.RunPython(recompute_fingerprints, clear_fingerprints, elidable=True),
    ]
