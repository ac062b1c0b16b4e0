"""The heat table's roll-up on PostgreSQL: stories per (brand, local day, co-mentioned
industry), and the triggers that keep it equal to the mention rows.

A story counts once per industry, so a change to one mention can change the count of every
other brand of its story, and a change to a brand's industry or status (an ignored brand is no
company) the counts of every story naming it. The triggers therefore count each touched story
twice, as it was and as it is, and add the difference: for a mention statement the stories of
its rows, for a brand statement the stories naming a brand whose industry or "ignored" changed.

Counts like ``reports.analytics.industry_co_mentions`` on the mention rows: the row brand's
mention gives the day; another brand of the story, not the same and not ignored, gives the
industry (0 for none).
"""

from datetime import date

from django.db import connection

from reports.rollups.triggers import LOCK_SPACE

# ruff: noqa: S608 - every statement is built from this file's constants; values are params.

_COLUMNS = "id, report_id, organization_id, brand_id, mentioned_at"


def contribution(
    mentions: str,
    others: str,
    sign: int,
    *,
    brands: str = "reports_brand b",
    industry: str = "b.industry_id",
    status: str = "b.status",
) -> str:
    """Rows (organization, brand, day, industry key, ``sign`` times stories) of the stories of
    ``mentions`` (their co-mentioned brands taken from ``others``)."""
    return f"""
    SELECT m.organization_id, m.brand_id,
           (m.mentioned_at AT TIME ZONE s.time_zone)::date AS day,
           COALESCE({industry}, 0) AS industry_key,
           {sign} * count(DISTINCT m.report_id) AS n
    FROM {mentions} m
    JOIN reports_rollupstate s ON s.organization_id = m.organization_id
    JOIN {others} o ON o.report_id = m.report_id AND o.brand_id <> m.brand_id
    JOIN {brands} ON b.id = o.brand_id
    WHERE {status} <> 'ignored'
    GROUP BY 1, 2, 3, 4"""


_UPSERT = """
    INSERT INTO reports_comentionday (organization_id, brand_id, day, industry_key, stories)
    SELECT organization_id, brand_id, day, industry_key, n FROM delta
    ON CONFLICT (organization_id, brand_id, day, industry_key)
    DO UPDATE SET stories = reports_comentionday.stories + EXCLUDED.stories"""

_LOWER = """
    UPDATE reports_comentionday c SET stories = c.stories + d.n FROM delta d
    WHERE c.organization_id = d.organization_id AND c.brand_id = d.brand_id
      AND c.day = d.day AND c.industry_key = d.industry_key"""


def _mention_statement(touched: str, before_extra: str, *, lower_only: bool) -> str:
    after = f"(SELECT {_COLUMNS} FROM reports_mention WHERE report_id IN ({touched}))"
    before = f"(SELECT {_COLUMNS} FROM {after} a WHERE {before_extra})"
    delta = (
        "SELECT organization_id, brand_id, day, industry_key, sum(n) AS n FROM ("
        + contribution(after, after, 1)
        + " UNION ALL "
        + contribution(before, before, -1)
        + ") x GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0"
    )
    return f"WITH delta AS ({delta}) " + (_LOWER if lower_only else _UPSERT)


_LOCK = (
    "PERFORM pg_advisory_xact_lock_shared({space}, (o % 2147483647)::integer) "
    "FROM (SELECT DISTINCT organization_id AS o FROM {table} ORDER BY 1) t"
)

# Before an insert: the story without the new rows; before a delete: with the old rows.
_INSERTED = _mention_statement(
    "SELECT report_id FROM new_rows",
    "a.id NOT IN (SELECT id FROM new_rows)",
    lower_only=False,
)
_DELETED = _mention_statement(
    "SELECT report_id FROM old_rows",
    f"true UNION ALL SELECT {_COLUMNS} FROM old_rows",
    lower_only=True,
)
_UPDATED = _mention_statement(
    "SELECT report_id FROM old_rows UNION SELECT report_id FROM new_rows",
    f"a.id NOT IN (SELECT id FROM new_rows) UNION ALL SELECT {_COLUMNS} FROM old_rows",
    lower_only=False,
)

# A brand merge or an industry change sets this for its own transaction (set_config(…, true))
# and leaves the stories it touched to a background recount (``recount.py``): counting every
# story of a busy brand again took 6-9 s inside the request.
DEFER_SETTING = "reports.defer_story_counts"
_DEFERRED = f"""
    IF current_setting('{DEFER_SETTING}', true) = 'on' THEN
        RETURN NULL;
    END IF;"""

MENTION_FUNCTION = f"""
CREATE OR REPLACE FUNCTION reports_comentionday_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    {_DEFERRED}
    IF TG_OP = 'INSERT' THEN
        {_LOCK.format(space=LOCK_SPACE, table="new_rows")};
        {_INSERTED};
    ELSIF TG_OP = 'DELETE' THEN
        {_LOCK.format(space=LOCK_SPACE, table="old_rows")};
        -- Lowers only: a cascade may be deleting the brand or organization meanwhile.
        {_DELETED};
    ELSE
        {_LOCK.format(space=LOCK_SPACE, table="new_rows")};
        {_UPDATED};
    END IF;
    RETURN NULL;
END
$$;
"""

# Brands whose industry or "ignored" changed, and the stories naming them.
_CHANGED = """
    SELECT n.id, o.industry_id, o.status FROM new_brands n JOIN old_brands o ON o.id = n.id
    WHERE n.industry_id IS DISTINCT FROM o.industry_id
       OR (n.status = 'ignored') <> (o.status = 'ignored')"""
_STORY = (
    f"(SELECT {_COLUMNS} FROM reports_mention WHERE report_id IN "
    "(SELECT report_id FROM reports_mention WHERE brand_id IN (SELECT id FROM changed)))"
)
_BRAND_DELTA = (
    "SELECT organization_id, brand_id, day, industry_key, sum(n) AS n FROM ("
    + contribution(_STORY, _STORY, 1)
    + " UNION ALL "
    + contribution(
        _STORY,
        _STORY,
        -1,
        brands="(reports_brand b LEFT JOIN changed ch ON ch.id = b.id)",
        industry="CASE WHEN ch.id IS NULL THEN b.industry_id ELSE ch.industry_id END",
        status="CASE WHEN ch.id IS NULL THEN b.status ELSE ch.status END",
    )
    + ") x GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0"
)

BRAND_FUNCTION = f"""
CREATE OR REPLACE FUNCTION reports_comentionday_brands() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    {_DEFERRED}
    IF NOT EXISTS ({_CHANGED}) THEN
        RETURN NULL;
    END IF;
    {_LOCK.format(space=LOCK_SPACE, table="new_brands")};
    WITH changed AS ({_CHANGED}), delta AS ({_BRAND_DELTA}) {_UPSERT};
    RETURN NULL;
END
$$;
"""

PG_TRIGGERS = [
    MENTION_FUNCTION,
    BRAND_FUNCTION,
    "CREATE TRIGGER reports_mention_comention_insert AFTER INSERT ON reports_mention "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION reports_comentionday_apply()",
    "CREATE TRIGGER reports_mention_comention_delete AFTER DELETE ON reports_mention "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION reports_comentionday_apply()",
    "CREATE TRIGGER reports_mention_comention_update AFTER UPDATE ON reports_mention "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION reports_comentionday_apply()",
    "CREATE TRIGGER reports_brand_comention_update AFTER UPDATE ON reports_brand "
    "REFERENCING OLD TABLE AS old_brands NEW TABLE AS new_brands FOR EACH STATEMENT "
    "EXECUTE FUNCTION reports_comentionday_brands()",
]

PG_DROP = [
    "DROP TRIGGER IF EXISTS reports_mention_comention_insert ON reports_mention",
    "DROP TRIGGER IF EXISTS reports_mention_comention_delete ON reports_mention",
    "DROP TRIGGER IF EXISTS reports_mention_comention_update ON reports_mention",
    "DROP TRIGGER IF EXISTS reports_brand_comention_update ON reports_brand",
    "DROP FUNCTION IF EXISTS reports_comentionday_apply()",
    "DROP FUNCTION IF EXISTS reports_comentionday_brands()",
]

# The row brands' mentions of one organization in a range of instants; %s are
# (organization, since, until).
_RANGE = (
    f"(SELECT {_COLUMNS} FROM reports_mention WHERE organization_id = %s "
    "AND mentioned_at >= %s AND mentioned_at < %s)"
)
BUILD = (
    "INSERT INTO reports_comentionday (organization_id, brand_id, day, industry_key, stories) "
    + contribution(_RANGE, "reports_mention", 1)
)
COUNT = contribution(_RANGE, "reports_mention", 1)
# Every organization with a state, from scratch (the migration's first build).
BUILD_ALL = (
    "INSERT INTO reports_comentionday (organization_id, brand_id, day, industry_key, stories) "
    + contribution("reports_mention", "reports_mention", 1)
)


def comentions_supported() -> bool:
    return connection.vendor == "postgresql"


def comentions_rebuild(organization_id: int, since: object, until: object) -> int:
    """Count the stories of the row mentions in [since, until) again (the caller deleted
    their days and holds the organization's lock)."""
    with connection.cursor() as cursor:
        cursor.execute(BUILD, [organization_id, since, until])
        return cursor.rowcount


def counted_co_mentions(
    organization_id: int, since: object, until: object
) -> dict[tuple[int, date, int], int]:
    """(brand, day, industry key) → stories, counted afresh from the mention rows."""
    with connection.cursor() as cursor:
        cursor.execute(COUNT, [organization_id, since, until])
        return {(brand, day, industry): n for _, brand, day, industry, n in cursor.fetchall()}
