"""What the Database statistics page shows: table sizes and row counts, index use, the slowest
statements (PostgreSQL's pg_stat_statements when installed) and vacuum/analyze advice.

Each part runs its few queries under a time limit (PostgreSQL's ``statement_timeout`` inside
its own savepoint; a progress handler on SQLite, outside any transaction), so a slow or
failing catalogue query costs at most the limit and turns its own box red while the others
still render. The number
of queries does not grow with the number of tables or indexes (a test holds the budget).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from monitoring.health_item import ERROR, OK, WARN, Item, error_text, human_bytes, worst

# Each statistics query gets this long; the page as a whole at most five times it.
STATEMENT_TIMEOUT_MS = 2000
SHOWN_TABLES = 15
SHOWN_INDEXES = 15
SHOWN_STATEMENTS = 10
STATEMENT_TEXT_CHARS = 300
# Vacuum advice: at least this many dead rows, and this share of the table's rows.
DEAD_ROWS_MIN = 1000
DEAD_SHARE = 0.2
# Analyze advice: rows changed since the last analyze, same floor and share.
CHANGED_ROWS_MIN = 1000
CHANGED_SHARE = 0.2
# SQLite: free pages a VACUUM would give back to the file system.
SQLITE_FREE_SHARE = 0.25
SQLITE_FREE_MIN_BYTES = 8 * 1024 * 1024

ENABLE_STATEMENTS = (
    "Add pg_stat_statements to shared_preload_libraries in postgresql.conf, restart "
    "PostgreSQL, then run CREATE EXTENSION pg_stat_statements; in this database "
    "(docs/operations.md, Database statistics)."
)


class StatisticsTimeout(Exception):
    """A statistics query ran past STATEMENT_TIMEOUT_MS and was stopped by the database."""


# --- Running one part under a time limit ----------------------------------------------------


@contextmanager
def _sqlite_deadline(seconds: float) -> Iterator[None]:
    # SQLite has no statement timeout: a progress handler returning true interrupts the
    # running statement ("interrupted"), which is the same thing.
    connection.ensure_connection()
    raw = connection.connection
    deadline = time.monotonic() + seconds
    raw.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
    try:
        yield
    finally:
        raw.set_progress_handler(None, 0)


def _is_timeout(exc: BaseException) -> bool:
    cause = exc.__cause__ or exc
    if getattr(cause, "sqlstate", None) == "57014":  # query_canceled: statement_timeout
        return True
    return connection.vendor == "sqlite" and "interrupted" in str(exc)


def run_part(key: str, title: str, read: Callable[[Any], Item]) -> Item:
    """``read(cursor)`` within the time limit and its own savepoint; never raises."""
    seconds = STATEMENT_TIMEOUT_MS / 1000
    try:
        if connection.vendor != "postgresql":
            # No transaction: the embedded database opens them IMMEDIATE (the write lock),
            # which would stall the workers' writes for as long as the page reads. A failed
            # read does not spoil an SQLite transaction, so none is needed either.
            with connection.cursor() as cursor, _sqlite_deadline(seconds):
                return read(cursor)
        with transaction.atomic(), connection.cursor() as cursor:
            # Local to the transaction; put back after a success, because inside an outer
            # transaction (tests) releasing the savepoint would keep it. A failure rolls
            # the savepoint back, and the setting with it.
            cursor.execute(
                "SELECT current_setting('statement_timeout'), "
                "set_config('statement_timeout', %s, true)",
                [str(STATEMENT_TIMEOUT_MS)],
            )
            before = cursor.fetchone()[0]
            item = read(cursor)
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [before])
            return item
    except Exception as exc:  # One part failing must not take the page down.
        if _is_timeout(exc):
            return Item(
                key, title, ERROR, f"Timed out after {seconds:g} s: the database is slow or busy"
            )
        return Item(key, title, ERROR, f"Could not be read: {error_text(exc)}")


def _rows(cursor: Any) -> list[dict[str, Any]]:
    names = [col[0] for col in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "never"


# --- PostgreSQL ------------------------------------------------------------------------------


def pg_overview(cursor: Any) -> Item:
    cursor.execute(
        "SELECT pg_database_size(current_database()) AS size, "
        "current_setting('server_version') AS version, d.stats_reset, d.blks_hit, d.blks_read, "
        "d.deadlocks, d.temp_bytes, "
        "(SELECT count(*) FROM pg_stat_user_tables) AS tables "
        "FROM pg_stat_database d WHERE d.datname = current_database()"
    )
    row = _rows(cursor)[0]
    reads = (row["blks_hit"] or 0) + (row["blks_read"] or 0)
    hit = (row["blks_hit"] or 0) / reads if reads else 1.0
    facts = [
        ("Engine", f"PostgreSQL {row['version']}"),
        ("Size", human_bytes(row["size"])),
        ("Tables", str(row["tables"])),
        ("Cache hit ratio", f"{hit:.1%}"),
        ("Deadlocks", str(row["deadlocks"] or 0)),
        ("Temporary files", human_bytes(row["temp_bytes"] or 0)),
        ("Statistics since", _when(row["stats_reset"]) if row["stats_reset"] else "server start"),
    ]
    if reads > 10_000 and hit < 0.9:
        reason = f"Cache hit ratio {hit:.0%}: shared_buffers may be too small for the data"
        return Item("overview", "Database", WARN, reason, facts)
    return Item("overview", "Database", OK, human_bytes(row["size"]), facts)


def pg_tables(cursor: Any) -> Item:
    cursor.execute(
        "SELECT relname AS name, n_live_tup AS rows, n_dead_tup AS dead, "
        "pg_total_relation_size(relid) AS size, pg_indexes_size(relid) AS index_size, "
        "seq_scan, idx_scan FROM pg_stat_user_tables "
        "ORDER BY pg_total_relation_size(relid) DESC, relname LIMIT %s",
        [SHOWN_TABLES],
    )
    rows = [
        {
            "name": r["name"],
            "rows": r["rows"],
            "dead": r["dead"],
            "size": human_bytes(r["size"]),
            "index_size": human_bytes(r["index_size"]),
            "seq_scan": r["seq_scan"],
            "idx_scan": r["idx_scan"],
        }
        for r in _rows(cursor)
    ]
    facts = [("Rows", "PostgreSQL's estimate (exact after a VACUUM or ANALYZE)")]
    return Item("tables", "Largest tables", OK, f"The {len(rows)} largest", facts, rows)


def vacuum_advice(row: dict[str, Any]) -> str:
    """What to run on one table (pg_stat_user_tables row), or '' when it is fine."""
    live, dead = row["live"] or 0, row["dead"] or 0
    changed = row["changed"] or 0
    if dead >= DEAD_ROWS_MIN and dead >= DEAD_SHARE * (live + dead):
        share = dead / (live + dead)
        return (
            f"VACUUM (ANALYZE) {row['name']}; — {dead:,} dead rows ({share:.0%}), "
            f"last vacuum {row['vacuumed']}"
        )
    if changed >= CHANGED_ROWS_MIN and changed >= CHANGED_SHARE * max(live, 1):
        return f"ANALYZE {row['name']}; — {changed:,} rows changed since {row['analysed']}"
    return ""


def pg_advice(cursor: Any) -> Item:
    # Every table, not only the largest: dead rows pile up in small busy tables too.
    cursor.execute(
        "SELECT relname AS name, n_live_tup AS live, n_dead_tup AS dead, "
        "n_mod_since_analyze AS changed, "
        "greatest(last_vacuum, last_autovacuum) AS vacuumed, "
        "greatest(last_analyze, last_autoanalyze) AS analysed "
        "FROM pg_stat_user_tables WHERE n_dead_tup >= %s OR n_mod_since_analyze >= %s "
        "ORDER BY n_dead_tup DESC, relname",
        [min(DEAD_ROWS_MIN, CHANGED_ROWS_MIN)] * 2,
    )
    rows = []
    for r in _rows(cursor):
        r["vacuumed"], r["analysed"] = _when(r["vacuumed"]), _when(r["analysed"])
        if advice := vacuum_advice(r):
            rows.append({"name": r["name"], "level": WARN, "reason": advice})
    title = "Vacuum and analyze advice"
    facts = [
        ("Rule", f"dead rows ≥ {DEAD_ROWS_MIN:,} and ≥ {DEAD_SHARE:.0%} of the table"),
        ("Autovacuum", "normally does this; advice here means it is behind or switched off"),
    ]
    if not rows:
        return Item("advice", title, OK, "No table needs a vacuum or analyze", facts)
    return Item("advice", title, WARN, f"{len(rows)} table(s) would gain from it", facts, rows)


def pg_indexes(cursor: Any) -> Item:
    cursor.execute(
        "SELECT s.relname AS table_name, s.indexrelname AS name, s.idx_scan AS scans, "
        "pg_relation_size(s.indexrelid) AS size, "
        "(i.indisunique OR i.indisprimary) AS is_unique, "
        "count(*) OVER () AS total, "
        "sum(CASE WHEN s.idx_scan = 0 AND NOT (i.indisunique OR i.indisprimary) "
        "THEN 1 ELSE 0 END) OVER () AS unused, "
        "sum(CASE WHEN s.idx_scan = 0 AND NOT (i.indisunique OR i.indisprimary) "
        "THEN pg_relation_size(s.indexrelid) ELSE 0 END) OVER () AS unused_size "
        "FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid "
        "ORDER BY (s.idx_scan = 0 AND NOT (i.indisunique OR i.indisprimary)) DESC, "
        "pg_relation_size(s.indexrelid) DESC, s.indexrelname LIMIT %s",
        [SHOWN_INDEXES],
    )
    found = _rows(cursor)
    title = "Index use"
    if not found:
        return Item("indexes", title, OK, "No index yet")
    total, unused = found[0]["total"], found[0]["unused"]
    rows = [
        {
            "name": r["name"],
            "table": r["table_name"],
            "scans": r["scans"],
            "size": human_bytes(r["size"]),
            "level": WARN if r["scans"] == 0 and not r["is_unique"] else OK,
            "reason": "never used" if r["scans"] == 0 else f"{r['scans']:,} scans",
        }
        for r in found
    ]
    facts = [
        ("Indexes", str(total)),
        ("Never used (not unique)", f"{unused} ({human_bytes(found[0]['unused_size'])})"),
        ("Counted since", "the statistics were last reset (see Database)"),
    ]
    reason = f"{unused} never used since the statistics were reset" if unused else "All used"
    # Unused indexes cost writes, not correctness: a hint, never a red box.
    return Item("indexes", title, OK, reason, facts, rows)


def pg_statements(cursor: Any) -> Item:
    title = "Slowest statements"
    cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'pg_stat_statements'")
    installed = cursor.fetchone()
    if installed is None:
        facts = [("To enable", ENABLE_STATEMENTS)]
        return Item("statements", title, OK, "pg_stat_statements is not installed", facts)
    try:
        with transaction.atomic():
            cursor.execute(
                "SELECT query, calls, total_exec_time AS total, mean_exec_time AS mean, rows "
                "FROM pg_stat_statements "
                "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                "ORDER BY mean_exec_time DESC LIMIT %s",
                [SHOWN_STATEMENTS],
            )
            found = _rows(cursor)
    except DatabaseError as exc:
        if _is_timeout(exc):
            raise
        # Installed but not loaded ("must be loaded via shared_preload_libraries"), or
        # not readable by this role.
        facts = [("Version", installed[0]), ("To enable", ENABLE_STATEMENTS)]
        reason = f"pg_stat_statements is installed but cannot be read: {error_text(exc)}"
        return Item("statements", title, WARN, reason, facts)
    rows = [
        {
            "name": " ".join(r["query"].split())[:STATEMENT_TEXT_CHARS],
            "calls": r["calls"],
            "mean": f"{r['mean']:.1f} ms",
            "total": f"{r['total'] / 1000:.1f} s",
            "rows": r["rows"],
        }
        for r in found
    ]
    facts = [("Source", f"pg_stat_statements {installed[0]}, this database, by mean time")]
    return Item("statements", title, OK, f"The {len(rows)} slowest on average", facts, rows)


# --- SQLite ----------------------------------------------------------------------------------


def _sqlite_file() -> Path:
    return Path(str(connection.settings_dict["NAME"]))


def _sqlite_pragmas(cursor: Any) -> dict[str, int]:
    cursor.execute(
        "SELECT (SELECT page_size FROM pragma_page_size()), "
        "(SELECT page_count FROM pragma_page_count()), "
        "(SELECT freelist_count FROM pragma_freelist_count())"
    )
    page_size, page_count, free = cursor.fetchone()
    return {"page_size": page_size, "page_count": page_count, "free": free}


def sqlite_overview(cursor: Any) -> Item:
    pragmas = _sqlite_pragmas(cursor)
    cursor.execute("SELECT sqlite_version(), (SELECT journal_mode FROM pragma_journal_mode())")
    version, journal = cursor.fetchone()
    name = _sqlite_file()
    wal = Path(f"{name}-wal")
    facts = [
        ("Engine", f"SQLite {version} (embedded)"),
        ("File", str(name)),
        ("File size", human_bytes(name.stat().st_size if name.exists() else None)),
        ("WAL file", human_bytes(wal.stat().st_size) if wal.exists() else "none"),
        ("Journal mode", journal),
        ("Page size", human_bytes(pragmas["page_size"])),
        ("Pages", f"{pragmas['page_count']:,} ({pragmas['free']:,} free)"),
    ]
    size = pragmas["page_size"] * pragmas["page_count"]
    return Item("overview", "Database", OK, human_bytes(size), facts)


def _sqlite_tables(cursor: Any) -> list[str]:
    cursor.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    )
    return [row[0] for row in cursor.fetchall()]


def sqlite_tables(cursor: Any) -> Item:
    names = _sqlite_tables(cursor)
    if not names:
        return Item("tables", "Largest tables", OK, "No table yet")
    quote = connection.ops.quote_name
    # One statement for every table's exact count (the embedded database is small). The
    # names come from sqlite_master and are quoted as identifiers.
    counts_sql = " UNION ALL ".join(f"SELECT %s, count(*) FROM {quote(name)}" for name in names)  # noqa: S608
    cursor.execute(counts_sql, names)
    counts = dict(cursor.fetchall())
    facts = [("Rows", "exact counts")]
    sizes: dict[str, int] = {}
    try:
        # dbstat is compiled into most SQLite builds, not all: sizes are a bonus.
        cursor.execute(
            "SELECT coalesce(m.tbl_name, d.name), sum(d.pgsize) FROM dbstat d "
            "LEFT JOIN sqlite_master m ON m.name = d.name GROUP BY 1"
        )
        sizes = {name: int(size) for name, size in cursor.fetchall()}
    except DatabaseError as exc:
        if _is_timeout(exc):
            raise
        facts.append(("Sizes", "unknown: this SQLite has no dbstat table"))
    rows = [
        {"name": name, "rows": counts.get(name, 0), "size_bytes": sizes.get(name)} for name in names
    ]
    rows.sort(key=lambda r: (-(r["size_bytes"] or 0), -r["rows"], r["name"]))
    for row in rows:
        row["size"] = human_bytes(row.pop("size_bytes"))
    shown = rows[:SHOWN_TABLES]
    facts.append(("Tables", str(len(rows))))
    return Item("tables", "Largest tables", OK, f"The {len(shown)} largest", facts, shown)


def sqlite_advice(cursor: Any) -> Item:
    pragmas = _sqlite_pragmas(cursor)
    title = "Vacuum and analyze advice"
    free_bytes = pragmas["free"] * pragmas["page_size"]
    share = pragmas["free"] / pragmas["page_count"] if pragmas["page_count"] else 0.0
    facts = [("Free pages", f"{pragmas['free']:,} ({human_bytes(free_bytes)}, {share:.0%})")]
    if share >= SQLITE_FREE_SHARE and free_bytes >= SQLITE_FREE_MIN_BYTES:
        advice = (
            f"VACUUM would give {human_bytes(free_bytes)} back to the disk: stop the "
            "processes, then run it (docs/operations.md)"
        )
        return Item("advice", title, WARN, advice, facts)
    return Item("advice", title, OK, "No vacuum needed: few free pages", facts)


def sqlite_indexes(cursor: Any) -> Item:
    cursor.execute(
        "SELECT tbl_name, count(*) FROM sqlite_master WHERE type = 'index' "
        "AND name NOT LIKE 'sqlite_%' GROUP BY tbl_name ORDER BY count(*) DESC, tbl_name"
    )
    per_table = cursor.fetchall()
    total = sum(n for _, n in per_table)
    rows = [{"name": name, "reason": f"{n} index{'es' if n != 1 else ''}"} for name, n in per_table]
    facts = [("Indexes", str(total)), ("Use", "SQLite keeps no index-use statistics")]
    return Item("indexes", "Index use", OK, f"{total} indexes", facts, rows[:SHOWN_INDEXES])


def sqlite_statements(cursor: Any) -> Item:
    return Item(
        "statements",
        "Slowest statements",
        OK,
        "SQLite keeps no statement statistics",
        [("Where to look", "PostgreSQL with pg_stat_statements, or the benchmarks/ figures")],
    )


# --- The whole page --------------------------------------------------------------------------

PARTS: dict[str, dict[str, tuple[str, Callable[[Any], Item]]]] = {
    "postgresql": {
        "overview": ("Database", pg_overview),
        "advice": ("Vacuum and analyze advice", pg_advice),
        "tables": ("Largest tables", pg_tables),
        "indexes": ("Index use", pg_indexes),
        "statements": ("Slowest statements", pg_statements),
    },
    "sqlite": {
        "overview": ("Database", sqlite_overview),
        "advice": ("Vacuum and analyze advice", sqlite_advice),
        "tables": ("Largest tables", sqlite_tables),
        "indexes": ("Index use", sqlite_indexes),
        "statements": ("Slowest statements", sqlite_statements),
    },
}


def database_statistics() -> dict[str, Any]:
    now = timezone.now()
    parts = PARTS.get(connection.vendor)
    if parts is None:
        item = Item("overview", "Database", WARN, f"No statistics for {connection.vendor}")
        return {"items": [item], "level": WARN, "checked_at": now}
    items = [run_part(key, title, read) for key, (title, read) in parts.items()]
    return {
        "items": items,
        "level": worst([i.level for i in items]),
        "checked_at": now,
        "vendor": connection.vendor,
        "timeout_seconds": STATEMENT_TIMEOUT_MS / 1000,
    }
