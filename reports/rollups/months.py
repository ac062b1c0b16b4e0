"""Monthly roll-ups: each daily roll-up summed by local calendar month, for long ranges.

A year of the 200 tracked brands is ~76,000 ``MentionDay`` rows to sum for the most mentioned
of them, and a year of ten popular brands ~52,000 ``SourceDay`` rows for top sources; by month
they are ~2,400 and ~3,000. A range reads the months it covers whole from these tables and
its first and last partial months from the days (``split``), with the very same sums.

Kept by triggers on the *daily* tables, not on the mentions: every writer of the days (the
mention and feed-link triggers, a brand's industry change, a rebuild, the deferred story
recount, the repair) moves the months with them, in the same statement, under the lock the
day's writer already holds. PostgreSQL: statement-level triggers with transition tables, one
grouped delta per statement (as the daily ones); SQLite, which keeps only ``MentionDay``,
row-level triggers on it. A month's count can fall to 0 and stay (as a day's): readers skip
such rows and a whole rebuild drops them.

Writes that lower a month only ever lower an existing row, never insert one: a cascade may
be deleting the brand (or the organization, or the feed) in the same transaction, and Django
may have deleted its month rows first; a new row would then point at nothing.
"""

# Every statement here is built at import from the constants in this file (table and column
# names); values reach them as parameters.
# ruff: noqa: S608

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection


@dataclass(frozen=True)
class MonthTable:
    day_table: str
    month_table: str
    # The key column beside (organization, brand, day) that the month keeps ("" for none:
    # the mentions' month keeps no tone, its readers sum every tone).
    extra: str
    value: str
    function: str
    # On SQLite too (only MentionDay is kept there).
    sqlite: bool = False

    @property
    def keys(self) -> str:
        return "organization_id, brand_id, month" + (f", {self.extra}" if self.extra else "")

    @property
    def key_count(self) -> int:
        return 4 if self.extra else 3

    def grouped(self, source: str, sign: int, month: str) -> str:
        """(keys…, n): ``sign`` times the day rows of ``source`` summed by month."""
        extra = f", {self.extra}" if self.extra else ""
        groups = ", ".join(str(i) for i in range(1, self.key_count + 1))
        return (
            f"SELECT organization_id, brand_id, {month} AS month{extra}, "
            f"{sign} * sum({self.value}) AS n FROM {source} GROUP BY {groups}"
        )

    def matches(self, left: str, right: str) -> str:
        return " AND ".join(
            f"{left}.{column} = {right}.{column}"
            for column in ("organization_id", "brand_id", "month", self.extra)
            if column
        )


MENTIONS = MonthTable(
    "reports_mentionday",
    "reports_mentionmonth",
    "",
    "mentions",
    "reports_mentionmonth_apply",
    sqlite=True,
)
SOURCES = MonthTable(
    "reports_sourceday", "reports_sourcemonth", "feed_id", "stories", "reports_sourcemonth_apply"
)
CO_MENTIONS = MonthTable(
    "reports_comentionday",
    "reports_comentionmonth",
    "industry_key",
    "stories",
    "reports_comentionmonth_apply",
)
TABLES = (MENTIONS, SOURCES, CO_MENTIONS)

PG_MONTH = "date_trunc('month', day)::date"
SQLITE_MONTH = "date(day, 'start of month')"


def _pg_apply(table: MonthTable, delta: str) -> str:
    """Add ``delta`` (keys…, n) to the months: a rise is an upsert (in key order, so two
    writers take the rows' locks in the same order), a fall lowers an existing row only."""
    groups = ", ".join(str(i) for i in range(1, table.key_count + 1))
    return f"""
        WITH d AS ({delta}), raised AS (
            INSERT INTO {table.month_table} ({table.keys}, {table.value})
            SELECT {table.keys}, n FROM d WHERE n > 0 ORDER BY {groups}
            ON CONFLICT ({table.keys})
            DO UPDATE SET {table.value} = {table.month_table}.{table.value} + EXCLUDED.{table.value}
        )
        UPDATE {table.month_table} m SET {table.value} = m.{table.value} + d.n
        FROM d WHERE d.n < 0 AND {table.matches("m", "d")}"""


def _pg_lower(table: MonthTable, delta: str) -> str:
    return f"""
        UPDATE {table.month_table} m SET {table.value} = m.{table.value} + d.n
        FROM ({delta}) d WHERE {table.matches("m", "d")}"""


def _pg_function(table: MonthTable) -> str:
    inserted = table.grouped("new_rows", 1, PG_MONTH)
    deleted = table.grouped("old_rows", -1, PG_MONTH)
    updated = (
        f"SELECT {table.keys}, sum(n) AS n FROM ("
        f"{inserted} UNION ALL {deleted}) x "
        f"GROUP BY {', '.join(str(i) for i in range(1, table.key_count + 1))} HAVING sum(n) <> 0"
    )
    return f"""
CREATE OR REPLACE FUNCTION {table.function}() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_pg_apply(table, inserted)};
    ELSIF TG_OP = 'DELETE' THEN
        {_pg_lower(table, deleted)};
    ELSE
        {_pg_apply(table, updated)};
    END IF;
    RETURN NULL;
END
$$;
"""


def _pg_triggers(table: MonthTable) -> list[str]:
    name = table.day_table + "_month"
    return [
        _pg_function(table),
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table.day_table} "
        f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {table.function}()",
        f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table.day_table} "
        f"REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {table.function}()",
        f"CREATE TRIGGER {name}_update AFTER UPDATE ON {table.day_table} "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
        f"EXECUTE FUNCTION {table.function}()",
    ]


def _pg_drop(table: MonthTable) -> list[str]:
    name = table.day_table + "_month"
    return [
        *(
            f"DROP TRIGGER IF EXISTS {name}_{op} ON {table.day_table}"
            for op in ("insert", "delete", "update")
        ),
        f"DROP FUNCTION IF EXISTS {table.function}()",
    ]


# SQLite: row-level triggers on reports_mentionday (its upsert's update fires them too).
_SQLITE_KEY = "{row}.organization_id, {row}.brand_id, date({row}.day, 'start of month')"
_SQLITE_RAISE = """
    INSERT INTO reports_mentionmonth (organization_id, brand_id, month, mentions)
    SELECT {key}, {amount} WHERE {amount} > 0
    ON CONFLICT (organization_id, brand_id, month)
    DO UPDATE SET mentions = mentions + excluded.mentions;
"""
_SQLITE_LOWER = """
    UPDATE reports_mentionmonth SET mentions = mentions - ({amount})
    WHERE (organization_id, brand_id, month) = (SELECT {key});
"""
_SAME_KEY = (
    "OLD.organization_id = NEW.organization_id AND OLD.brand_id = NEW.brand_id "
    "AND date(OLD.day, 'start of month') = date(NEW.day, 'start of month')"
)
_OLD, _NEW = _SQLITE_KEY.format(row="OLD"), _SQLITE_KEY.format(row="NEW")

SQLITE_TRIGGERS = [
    "CREATE TRIGGER reports_mentionday_month_insert AFTER INSERT ON reports_mentionday BEGIN"
    + _SQLITE_RAISE.format(key=_NEW, amount="NEW.mentions")
    + _SQLITE_LOWER.format(key=_NEW, amount="-NEW.mentions").replace(
        "WHERE", "WHERE NEW.mentions < 0 AND"
    )
    + "END",
    "CREATE TRIGGER reports_mentionday_month_delete AFTER DELETE ON reports_mentionday BEGIN"
    + _SQLITE_LOWER.format(key=_OLD, amount="OLD.mentions")
    + "END",
    # The usual update: a count moves within its month (a rise upserts, a fall lowers only).
    "CREATE TRIGGER reports_mentionday_month_update AFTER UPDATE ON reports_mentionday "
    f"WHEN {_SAME_KEY} BEGIN"
    + _SQLITE_RAISE.format(key=_NEW, amount="NEW.mentions - OLD.mentions")
    + _SQLITE_LOWER.format(key=_NEW, amount="OLD.mentions - NEW.mentions").replace(
        "WHERE", "WHERE NEW.mentions < OLD.mentions AND"
    )
    + "END",
    # A day row moved to another key (no code does it; an edit by hand could).
    "CREATE TRIGGER reports_mentionday_month_move AFTER UPDATE ON reports_mentionday "
    f"WHEN NOT ({_SAME_KEY}) BEGIN"
    + _SQLITE_LOWER.format(key=_OLD, amount="OLD.mentions")
    + _SQLITE_RAISE.format(key=_NEW, amount="NEW.mentions")
    + "END",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS reports_mentionday_month_{op}"
    for op in ("insert", "delete", "update", "move")
]


def supported(table: MonthTable) -> bool:
    return connection.vendor == "postgresql" or (table.sqlite and connection.vendor == "sqlite")


def _month_expression() -> str:
    return PG_MONTH if connection.vendor == "postgresql" else SQLITE_MONTH


def install(schema_connection) -> None:
    """Drop and create the triggers of every monthly table the database keeps."""
    with schema_connection.cursor() as cursor:
        if schema_connection.vendor == "postgresql":
            for table in TABLES:
                for statement in _pg_drop(table) + _pg_triggers(table):
                    cursor.execute(statement)
        elif schema_connection.vendor == "sqlite":
            for statement in SQLITE_DROP + SQLITE_TRIGGERS:
                cursor.execute(statement)


def uninstall(schema_connection) -> None:
    with schema_connection.cursor() as cursor:
        if schema_connection.vendor == "postgresql":
            for table in TABLES:
                for statement in _pg_drop(table):
                    cursor.execute(statement)
        elif schema_connection.vendor == "sqlite":
            for statement in SQLITE_DROP:
                cursor.execute(statement)


def _from_days(table: MonthTable, month: str, where: str) -> str:
    return table.grouped(f"(SELECT * FROM {table.day_table} WHERE {where}) d", 1, month)


def build_all(schema_connection) -> None:
    """Every organization's months from its days (the migration's first build)."""
    month = PG_MONTH if schema_connection.vendor == "postgresql" else SQLITE_MONTH
    with schema_connection.cursor() as cursor:
        for table in TABLES:
            if schema_connection.vendor == "postgresql" or table.sqlite:
                cursor.execute(
                    f"INSERT INTO {table.month_table} ({table.keys}, {table.value}) "
                    f"SELECT * FROM ({_from_days(table, month, 'true')}) x WHERE n <> 0"
                )


def months_rebuild(organization_id: int, first: date, last: date) -> int:
    """Sum the months [first, last] (first days of months) again from the days. The caller
    holds the organization's lock; returns the rows written."""
    written = 0
    until = _next_month(last)
    with connection.cursor() as cursor:
        for table in TABLES:
            if not supported(table):
                continue
            cursor.execute(
                f"DELETE FROM {table.month_table} "
                "WHERE organization_id = %s AND month >= %s AND month <= %s",
                [organization_id, first, last],
            )
            cursor.execute(
                f"INSERT INTO {table.month_table} ({table.keys}, {table.value}) "
                f"SELECT * FROM ("
                + _from_days(
                    table, _month_expression(), "organization_id = %s AND day >= %s AND day < %s"
                )
                + ") x WHERE n <> 0",
                [organization_id, first, until],
            )
            written += cursor.rowcount
    return written


def drop_empty(organization_id: int) -> None:
    """Drop the organization's months counted down to 0 (a whole rebuild's tidy-up)."""
    with connection.cursor() as cursor:
        for table in TABLES:
            if supported(table):
                cursor.execute(
                    f"DELETE FROM {table.month_table} WHERE organization_id = %s "
                    f"AND {table.value} = 0",
                    [organization_id],
                )


def differences(
    organization_id: int, start: date | None = None, end: date | None = None
) -> dict[str, dict[tuple, tuple[int, int]]]:
    """Month table → {(brand, month, [extra]): (month row, sum of its days)} where they
    differ, over the months that touch [start, end] (every month when None)."""
    first = start.replace(day=1) if start else date(1, 1, 1)
    until = _next_month(end.replace(day=1)) if end else date(9999, 12, 1)
    found: dict[str, dict[tuple, tuple[int, int]]] = {}
    with connection.cursor() as cursor:
        for table in TABLES:
            if not supported(table):
                continue
            cursor.execute(
                f"SELECT {table.keys}, {table.value} FROM {table.month_table} "
                f"WHERE organization_id = %s AND month >= %s AND month < %s AND {table.value} <> 0",
                [organization_id, first, until],
            )
            rolled = {_as_date(row[1:-1]): row[-1] for row in cursor.fetchall()}
            cursor.execute(
                _from_days(
                    table, _month_expression(), "organization_id = %s AND day >= %s AND day < %s"
                ),
                [organization_id, first, until],
            )
            summed = {_as_date(row[1:-1]): row[-1] for row in cursor.fetchall() if row[-1]}
            differ = {
                key: (rolled.get(key, 0), summed.get(key, 0))
                for key in rolled.keys() | summed.keys()
                if rolled.get(key, 0) != summed.get(key, 0)
            }
            if differ:
                found[table.month_table] = differ
    return found


def _as_date(key: tuple) -> tuple:
    # SQLite gives a computed month as text (a column's as a date).
    brand, month, *rest = key
    return (brand, month if isinstance(month, date) else date.fromisoformat(month), *rest)


def _next_month(month: date) -> date:
    return (month.replace(day=1) + timedelta(days=32)).replace(day=1)


@dataclass(frozen=True)
class Split:
    """A range of days as whole months and the days around them."""

    # Inclusive day ranges to read from the days (the partial months at each end).
    days: list[tuple[date, date]]
    # The first days of the first and last whole months, or None when there is none.
    months: tuple[date, date] | None


def split(start: date, end: date) -> Split:
    """[start, end] as its whole months and the days before and after them."""
    first = start if start.day == 1 else _next_month(start)
    # The day after the last whole month.
    after = end + timedelta(days=1)
    until = after.replace(day=1)
    if first >= until:
        return Split([(start, end)], None)
    days = []
    if start < first:
        days.append((start, first - timedelta(days=1)))
    if until <= end:
        days.append((until, end))
    last = (until - timedelta(days=1)).replace(day=1)
    return Split(days, (first, last))
