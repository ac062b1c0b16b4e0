"""The PostgreSQL flush between transactional tests (tests/harness/db_flush.py) empties every
table and keeps Django's TRUNCATE where a flush must reset sequences or cascade."""

from __future__ import annotations

import threading
import time

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


@pytest.mark.django_db(transaction=True)
def test_a_row_another_connection_commits_while_the_flush_runs_does_not_fail_it() -> None:
    """A live server's request still in flight when a browser test ends: it has inserted a row
    that points at an organization (its foreign key checked) when the flush empties that table;
    the flush then waits on the organization's row, which the request holds, until the request
    commits. Tried once, the flush's deferred foreign keys failed at its COMMIT (IntegrityError:
    the request's row points at the deleted organization); tried again, it deletes that row."""
    if connection.vendor != "postgresql":
        pytest.skip("the DELETE flush is PostgreSQL's; SQLite's flush takes the whole file")
    from django.core.management import call_command
    from django.db import connections

    use_delete_to_flush_postgresql()
    organization = organization_create(name="Busy")
    request = connections.create_connection("default")
    request.set_autocommit(False)
    with request.cursor() as cursor:
        # As a request's foreign keys are checked by the time it commits (and lock the row).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "INSERT INTO reports_brandgroup (organization_id, name, created_at) "
            "VALUES (%s, 'Rivals', now())",
            [organization.pk],
        )
    failures: list[BaseException] = []

    def flush() -> None:
        try:
            call_command(
                "flush",
                verbosity=0,
                interactive=False,
                reset_sequences=False,
                inhibit_post_migrate=True,
            )
        except BaseException as error:  # reported by the test below
            failures.append(error)
        finally:
            connections.close_all()

    flushing = threading.Thread(target=flush)
    flushing.start()
    try:
        # The flush waits on the organization's row, which the request's foreign key locked.
        deadline = time.monotonic() + 60
        while not _waiting_on_a_lock():
            assert flushing.is_alive(), failures
            assert time.monotonic() < deadline, "the flush never waited for the request"
            time.sleep(0.05)
    finally:
        request.commit()
        request.close()
        flushing.join(timeout=60)

    assert not flushing.is_alive()
    assert failures == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM reports_brandgroup")
        assert cursor.fetchone() == (0,)
        cursor.execute("SELECT COUNT(*) FROM accounts_organization")
        assert cursor.fetchone() == (0,)


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0] > 0


def _static_rows() -> tuple[list[tuple[str, str]], list[tuple[str, str, str, str]]]:
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    content_types = sorted(ContentType.objects.values_list("app_label", "model"))
    permissions = sorted(
        Permission.objects.values_list(
            "content_type__app_label", "content_type__model", "codename", "name"
        )
    )
    return content_types, permissions


@pytest.mark.django_db(transaction=True)
def test_a_flush_puts_back_the_content_types_and_permissions_django_would_rebuild() -> None:
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django_celery_beat.models import PeriodicTask

    from feeds.models import Feed
    from tests.harness.db_flush import (
        forget_content_type_snapshots,
        restore_content_types_after_flush,
    )

    restore_content_types_after_flush()

    def flush_adding_rows_first() -> None:
        # Rows a test adds must be gone after the flush, as after Django's own rebuild.
        feed_type = ContentType.objects.get_for_model(Feed)
        Permission.objects.create(codename="added", name="Added", content_type=feed_type)
        ContentType.objects.create(app_label="added", model="added")
        organization_create(name="Left behind")
        call_command("flush", verbosity=0, interactive=False, reset_sequences=False)

    flush_adding_rows_first()  # the copy exists after this one at the latest
    flush_adding_rows_first()  # so this one puts it back
    restored = _static_rows()
    schedules = sorted(PeriodicTask.objects.values_list("name", "task"))

    forget_content_type_snapshots()
    flush_adding_rows_first()  # Django's post_migrate rebuilds them (and a copy is kept)
    rebuilt = _static_rows()

    assert restored == rebuilt
    assert len(rebuilt[0]) > 50 and len(rebuilt[1]) > 200
    assert ("added", "added") not in rebuilt[0]
    assert not [row for row in rebuilt[1] if row[2] == "added"]
    # The other post_migrate receivers still ran after the copy was put back.
    assert schedules and schedules == sorted(PeriodicTask.objects.values_list("name", "task"))
    # New rows still get fresh ids after the copied ones.
    assert ContentType.objects.create(app_label="later", model="later").pk > max(
        ContentType.objects.exclude(app_label="later").values_list("pk", flat=True)
    )
