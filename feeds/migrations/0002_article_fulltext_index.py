"""A full-text index over article titles and texts, on PostgreSQL only.

SQLite has no GIN indexes; there the search falls back to a plain substring match.
The expression must match reports.search.FULLTEXT_SQL exactly for PostgreSQL to use it.
"""

from django.db import migrations

INDEX = "feeds_article_fulltext_idx"
EXPRESSION = "to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(text, ''))"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON feeds_article USING GIN ({EXPRESSION})"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("feeds", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
