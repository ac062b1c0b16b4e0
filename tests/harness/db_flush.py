"""Emptying PostgreSQL between transactional tests with DELETE instead of one TRUNCATE; on
either database, the content types and permissions put back after it from a copy.

After every test that commits (``transactional_db``, ``live_server``: every browser test),
Django's ``flush`` empties every table. On PostgreSQL it does so with one ``TRUNCATE`` of all
~75 tables, which gives each table and index a new file and drops the old ones: about 2 s on
a busy 2-core CI machine, after every one of ~150 such tests in the PostgreSQL pass. A
``DELETE FROM`` each table, in the same single transaction, empties the same tables in about
30 ms (they hold a few rows each). Nothing the tests see changes:

- The same tables are emptied, in one transaction (``execute_sql_flush`` wraps the list).
  Django creates every foreign key ``DEFERRABLE INITIALLY DEFERRED``, so the order of the
  deletes does not matter; a constraint that were not deferred would fail the flush loudly.
- Sequences are not reset, as a ``TRUNCATE`` without ``RESTART IDENTITY`` does not reset
  them. A flush that asks to reset sequences or to cascade (``available_apps``) keeps
  Django's own ``TRUNCATE``.

Only the pytest process is patched (the flush runs there); the application, its web
processes and workers keep Django's backend untouched. SQLite already deletes row by row.
"""

from __future__ import annotations

import time
from typing import Any

_original: Any = None


def _sql_flush(
    self: Any,
    style: Any,
    tables: list[str],
    *,
    reset_sequences: bool = False,
    allow_cascade: bool = False,
) -> list[str]:
    if not tables or reset_sequences or allow_cascade:
        return _original(  # type: ignore[no-any-return]
            self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
    delete_from = f"{style.SQL_KEYWORD('DELETE')} {style.SQL_KEYWORD('FROM')}"
    return [f"{delete_from} {style.SQL_FIELD(self.quote_name(table))};" for table in tables]


# A request still in flight in a live server's thread when a browser test ends can insert a
# row after the flush emptied its table and commit before the flush deletes the row it points
# at (its organization): the deferred foreign keys then fail the flush at its COMMIT, and the
# next test starts on a database that was not emptied. Such a request ends within moments, so
# the flush is tried again, and the second one deletes its row too. (Locking every table first,
# as TRUNCATE does, deadlocks instead: the request takes its foreign keys' locks at COMMIT.)
FLUSH_ATTEMPTS = 3
_original_execute: Any = None


def _execute_sql_flush(self: Any, sql_list: list[str]) -> None:
    from django.db import IntegrityError, OperationalError

    for attempt in range(1, FLUSH_ATTEMPTS + 1):
        try:
            _original_execute(self, sql_list)
            return
        except (IntegrityError, OperationalError):
            if attempt == FLUSH_ATTEMPTS:
                raise
            time.sleep(0.2 * attempt)


def use_delete_to_flush_postgresql() -> None:
    global _original, _original_execute
    from django.db.backends.postgresql.operations import DatabaseOperations

    if _original is None:
        _original = DatabaseOperations.sql_flush
        DatabaseOperations.sql_flush = _sql_flush  # type: ignore[method-assign]
    if _original_execute is None:
        _original_execute = DatabaseOperations.execute_sql_flush
        DatabaseOperations.execute_sql_flush = _execute_sql_flush  # type: ignore[method-assign]


# After every flush Django sends ``post_migrate``, "as if the database had been migrated from
# scratch": contenttypes and auth then rebuild their ~75 content types and ~300 permissions
# from an empty table, some 100 queries (~0.3 s a flush on a busy 2-core machine, on either
# database). They are the same rows every time in a session (the models do not change), so
# the first flush lets them be built as usual and keeps a copy, and every later flush puts
# that copy back in two INSERTs instead and sends ``post_migrate`` to the other receivers
# only (jobs' schedule sync still runs for real: its rows carry the time they were made).
# The tables end as Django leaves them: emptied by the flush, then holding exactly the
# content types and permissions of the installed models (rows a test added are gone), here
# with the same ids each time. tests/harness/test_db_flush.py compares the two.
_AUTH_UID = "django.contrib.auth.management.create_permissions"
_snapshots: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {}
_original_emit: Any = None


def _emit_post_migrate_after_flush(
    verbosity: int, interactive: bool, db: str, **kwargs: Any
) -> None:
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.management import create_contenttypes
    from django.contrib.contenttypes.models import ContentType
    from django.db.models.signals import post_migrate

    snapshot = _snapshots.get(db)
    if snapshot is None or kwargs:
        _original_emit(verbosity, interactive, db, **kwargs)
        if not kwargs:
            _snapshots[db] = (
                list(ContentType.objects.using(db).order_by("pk").values()),
                list(Permission.objects.using(db).order_by("pk").values()),
            )
        return
    content_types, permissions = snapshot
    ContentType.objects.clear_cache()  # as create_contenttypes does first
    ContentType.objects.using(db).bulk_create(ContentType(**row) for row in content_types)
    Permission.objects.using(db).bulk_create(Permission(**row) for row in permissions)
    post_migrate.disconnect(create_contenttypes)
    post_migrate.disconnect(dispatch_uid=_AUTH_UID)
    try:
        _original_emit(verbosity, interactive, db)
    finally:
        post_migrate.connect(create_contenttypes)
        post_migrate.connect(create_permissions, dispatch_uid=_AUTH_UID)


def restore_content_types_after_flush() -> None:
    """Patch the flush command (in this process only) to restore the content types and
    permissions from the session's first flush instead of rebuilding them."""
    global _original_emit
    from django.core.management.commands import flush

    if _original_emit is None:
        _original_emit = flush.emit_post_migrate_signal
        flush.emit_post_migrate_signal = _emit_post_migrate_after_flush  # type: ignore[attr-defined]


def forget_content_type_snapshots() -> None:
    """The next flush rebuilds the rows as Django does (and keeps a new copy)."""
    _snapshots.clear()
