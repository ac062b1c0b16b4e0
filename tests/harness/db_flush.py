"""Emptying PostgreSQL between transactional tests with DELETE instead of one TRUNCATE.

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


def use_delete_to_flush_postgresql() -> None:
    global _original
    from django.db.backends.postgresql.operations import DatabaseOperations

    if _original is None:
        _original = DatabaseOperations.sql_flush
        DatabaseOperations.sql_flush = _sql_flush  # type: ignore[method-assign]
