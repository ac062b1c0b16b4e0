"""The PostgreSQL flush between transactional tests (tests/harness/db_flush.py) empties every
table and keeps Django's TRUNCATE where a flush must reset sequences or cascade."""

from __future__ import annotations

import pytest
from django.core.management.color import no_style
from django.db import connection

from accounts.services import organization_create
from tests.harness.db_flush import _sql_flush, use_delete_to_flush_postgresql


class _Operations:
    def quote_name(self, name: str) -> str:
        return f'"{name}"'


def test_a_flush_deletes_from_every_table_it_is_given() -> None:
    use_delete_to_flush_postgresql()
    sql = _sql_flush(_Operations(), no_style(), ["feeds_feed", "auth_user"])
    assert sql == ['DELETE FROM "feeds_feed";', 'DELETE FROM "auth_user";']


@pytest.mark.parametrize("option", ["reset_sequences", "allow_cascade"])
def test_a_flush_that_resets_sequences_or_cascades_keeps_truncate(option: str) -> None:
    use_delete_to_flush_postgresql()
    from django.db.backends.postgresql.operations import DatabaseOperations

    operations = DatabaseOperations.__new__(DatabaseOperations)
    sql = DatabaseOperations.sql_flush(operations, no_style(), ["feeds_feed"], **{option: True})
    assert len(sql) == 1 and sql[0].startswith('TRUNCATE "feeds_feed"')


def test_an_empty_flush_is_no_statement() -> None:
    use_delete_to_flush_postgresql()
    from django.db.backends.postgresql.operations import DatabaseOperations

    operations = DatabaseOperations.__new__(DatabaseOperations)
    assert DatabaseOperations.sql_flush(operations, no_style(), []) == []


@pytest.mark.django_db(transaction=True)
def test_the_flush_leaves_every_table_empty_on_this_database() -> None:
    from django.core.management import call_command

    organization_create(name="Left behind")
    # As TransactionTestCase flushes: no sequence reset, so the DELETE path on PostgreSQL.
    call_command(
        "flush", verbosity=0, interactive=False, reset_sequences=False, inhibit_post_migrate=True
    )
    tables = connection.introspection.django_table_names(only_existing=True)
    with connection.cursor() as cursor:
        for table in tables:
            name = connection.ops.quote_name(table)  # a table name from introspection
            cursor.execute(f"SELECT COUNT(*) FROM {name}")  # noqa: S608
            assert cursor.fetchone() == (0,), table
