"""The triggers that keep ``reports_mentionday`` equal to the mention rows.

PostgreSQL: statement-level triggers with transition tables, so a bulk_create of 5,000
mentions is one grouped upsert, not 5,000. Each takes a shared advisory lock per organization
it touches; a rebuild takes the exclusive one, so it never counts a row that a writer still in
flight is about to add (see ``services.rollup_rebuild``).

SQLite: row-level triggers (it has no others). The local day comes from Django's own
``django_datetime_cast_date``, the function its TruncDate uses, which Django registers on every
connection it opens: a write through another program (the sqlite3 shell) fails on it rather
than leaving the roll-ups wrong. SQLite has one writer at a time, so it needs no lock.

Both count a day and a tone exactly as the raw queries of ``reports.analytics`` do:
``(mentioned_at AT TIME ZONE zone)::date`` and the 0.05 sentiment cut.
"""

# Every statement here is built at import from the constants in this file (table names and
# SQL fragments); no value from outside reaches them.
# ruff: noqa: S608

from django.db.backends.base.base import BaseDatabaseWrapper

# The first key of the two-key advisory locks: "rollups" (the second is the organization's
# id, folded into 32 bits: two organizations sharing a lock only wait for each other).
LOCK_SPACE = 726_558

PG_TONE = (
    "CASE WHEN r.sentiment >= 0.05::double precision THEN 'positive' "
    "WHEN r.sentiment <= -0.05::double precision THEN 'negative' ELSE 'neutral' END"
)

# One row per key of the rows in ``{table}``, with ``{sign}`` times their count.
PG_GROUPED = f"""
    SELECT r.organization_id, r.brand_id,
           (r.mentioned_at AT TIME ZONE s.time_zone)::date AS day, {PG_TONE} AS tone,
           {{sign}} * count(*) AS n
    FROM {{table}} r JOIN reports_rollupstate s ON s.organization_id = r.organization_id
    GROUP BY 1, 2, 3, 4
"""

PG_UPSERT = """
    INSERT INTO reports_mentionday (organization_id, brand_id, day, tone, mentions)
    SELECT organization_id, brand_id, day, tone, n FROM ({rows}) d WHERE n <> 0
    ON CONFLICT (organization_id, brand_id, day, tone)
    DO UPDATE SET mentions = reports_mentionday.mentions + EXCLUDED.mentions
"""

PG_LOCK = """
    PERFORM pg_advisory_xact_lock_shared({space}, (o % 2147483647)::integer)
    FROM (SELECT DISTINCT organization_id AS o FROM {table} ORDER BY 1) t
"""

_PG_UPDATE_DELTA = (
    "SELECT organization_id, brand_id, day, tone, sum(n) AS n FROM ("
    + PG_GROUPED.format(sign=1, table="new_rows")
    + " UNION ALL "
    + PG_GROUPED.format(sign=-1, table="old_rows")
    + ") x GROUP BY 1, 2, 3, 4"
)
_PG_BOTH = "(SELECT organization_id FROM old_rows UNION SELECT organization_id FROM new_rows) u"

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION reports_mentionday_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {PG_LOCK.format(space=LOCK_SPACE, table="new_rows")};
        {PG_UPSERT.format(rows=PG_GROUPED.format(sign=1, table="new_rows"))};
    ELSIF TG_OP = 'DELETE' THEN
        {PG_LOCK.format(space=LOCK_SPACE, table="old_rows")};
        -- Only ever lowers existing rows: a cascade may be deleting the brand (or the
        -- organization) in the same transaction, and a new row would point at nothing.
        UPDATE reports_mentionday m SET mentions = m.mentions + d.n
        FROM ({PG_GROUPED.format(sign=-1, table="old_rows")}) d
        WHERE m.organization_id = d.organization_id AND m.brand_id = d.brand_id
          AND m.day = d.day AND m.tone = d.tone;
    ELSE
        {PG_LOCK.format(space=LOCK_SPACE, table=_PG_BOTH)};
        -- A review or an evidence edit nets to nothing and writes nothing.
        {PG_UPSERT.format(rows=_PG_UPDATE_DELTA)};
    END IF;
    RETURN NULL;
END
$$;
"""

PG_TRIGGERS = [
    PG_FUNCTION,
    "CREATE TRIGGER reports_mention_rollup_insert AFTER INSERT ON reports_mention "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION reports_mentionday_apply()",
    "CREATE TRIGGER reports_mention_rollup_delete AFTER DELETE ON reports_mention "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION reports_mentionday_apply()",
    "CREATE TRIGGER reports_mention_rollup_update AFTER UPDATE ON reports_mention "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION reports_mentionday_apply()",
]

PG_DROP = [
    "DROP TRIGGER IF EXISTS reports_mention_rollup_insert ON reports_mention",
    "DROP TRIGGER IF EXISTS reports_mention_rollup_delete ON reports_mention",
    "DROP TRIGGER IF EXISTS reports_mention_rollup_update ON reports_mention",
    "DROP FUNCTION IF EXISTS reports_mentionday_apply()",
]


def _sqlite_key(row: str) -> str:
    zone = (
        f"(SELECT time_zone FROM reports_rollupstate WHERE organization_id = {row}.organization_id)"
    )
    return (
        f"{row}.organization_id, {row}.brand_id, "
        f"django_datetime_cast_date({row}.mentioned_at, {zone}, 'UTC'), "
        f"CASE WHEN {row}.sentiment >= 0.05 THEN 'positive' "
        f"WHEN {row}.sentiment <= -0.05 THEN 'negative' ELSE 'neutral' END"
    )


def _sqlite_counted(row: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM reports_rollupstate WHERE organization_id = {row}.organization_id)"
    )


_SQLITE_ADD = """
    INSERT INTO reports_mentionday (organization_id, brand_id, day, tone, mentions)
    SELECT {key}, 1 WHERE {counted}
    ON CONFLICT (organization_id, brand_id, day, tone) DO UPDATE SET mentions = mentions + 1;
"""

_SQLITE_REMOVE = """
    UPDATE reports_mentionday SET mentions = mentions - 1
    WHERE (organization_id, brand_id, day, tone) = (SELECT {key}) AND {counted};
"""

SQLITE_TRIGGERS = [
    "CREATE TRIGGER reports_mention_rollup_insert AFTER INSERT ON reports_mention BEGIN"
    + _SQLITE_ADD.format(key=_sqlite_key("NEW"), counted=_sqlite_counted("NEW"))
    + "END",
    "CREATE TRIGGER reports_mention_rollup_delete AFTER DELETE ON reports_mention BEGIN"
    + _SQLITE_REMOVE.format(key=_sqlite_key("OLD"), counted=_sqlite_counted("OLD"))
    + "END",
    "CREATE TRIGGER reports_mention_rollup_update AFTER UPDATE OF "
    "organization_id, brand_id, mentioned_at, sentiment ON reports_mention BEGIN"
    + _SQLITE_REMOVE.format(key=_sqlite_key("OLD"), counted=_sqlite_counted("OLD"))
    + _SQLITE_ADD.format(key=_sqlite_key("NEW"), counted=_sqlite_counted("NEW"))
    + "END",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS reports_mention_rollup_insert",
    "DROP TRIGGER IF EXISTS reports_mention_rollup_delete",
    "DROP TRIGGER IF EXISTS reports_mention_rollup_update",
]


# Every organization with a state, counted from scratch (the migration's first build; the
# service's rebuild does the same per organization through the ORM).
BUILD = {
    "postgresql": "INSERT INTO reports_mentionday (organization_id, brand_id, day, tone, mentions) "
    + PG_GROUPED.format(sign=1, table="reports_mention"),
    "sqlite": "INSERT INTO reports_mentionday (organization_id, brand_id, day, tone, mentions) "
    f"SELECT {_sqlite_key('r')}, count(*) FROM reports_mention r "
    "JOIN reports_rollupstate s ON s.organization_id = r.organization_id GROUP BY 1, 2, 3, 4",
}


def _statements(connection: BaseDatabaseWrapper, *, drop: bool) -> list[str]:
    if connection.vendor == "postgresql":
        return PG_DROP if drop else PG_TRIGGERS
    if connection.vendor == "sqlite":
        return SQLITE_DROP if drop else SQLITE_TRIGGERS
    raise NotImplementedError(f"no roll-up triggers for {connection.vendor}")


def triggers_install(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection, drop=True) + _statements(connection, drop=False):
            cursor.execute(statement)


def triggers_drop(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection, drop=True):
            cursor.execute(statement)
