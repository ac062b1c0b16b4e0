"""Top sources' roll-up on PostgreSQL: stories per (brand, local day, feed), and the triggers
that keep it equal to the mention rows and the feed links.

A brand is named at most once per story (one mention per report and brand), so "stories naming
the brand that a feed carried" is a count of (mention, feed link) pairs: a mention's change
moves only its own pairs, a feed link's change only the pairs of its article's mentions. No
story needs counting again (unlike the heat table's), so every write is a grouped delta, as
for ``MentionDay``. Several brands' figures are summed per feed: a story naming two of them
counts once for each (the page says so); counting each story once would need a table per
story, and a union cannot be summed from per-brand counts.

Counts like ``reports.analytics.top_sources`` on the base rows: the mention's local day (the
roll-ups' zone), every feed that carried its article.
"""

from datetime import date

from django.db import connection

from reports.rollups.triggers import LOCK_SPACE

# ruff: noqa: S608 - every statement is built from this file's constants; values are params.


def pairs(mentions: str, links: str, sign: int) -> str:
    """Rows (organization, brand, day, feed, ``sign`` times stories) of the pairs of
    ``mentions`` and ``links`` (feed links) that meet through the mention's report."""
    return f"""
    SELECT m.organization_id, m.brand_id,
           (m.mentioned_at AT TIME ZONE s.time_zone)::date AS day, l.feed_id,
           {sign} * count(*) AS n
    FROM {mentions} m
    JOIN reports_rollupstate s ON s.organization_id = m.organization_id
    JOIN reports_report r ON r.id = m.report_id
    JOIN {links} l ON l.article_id = r.article_id
    GROUP BY 1, 2, 3, 4"""


_UPSERT = """
    INSERT INTO reports_sourceday (organization_id, brand_id, day, feed_id, stories)
    SELECT organization_id, brand_id, day, feed_id, n FROM ({rows}) d WHERE n <> 0
    ON CONFLICT (organization_id, brand_id, day, feed_id)
    DO UPDATE SET stories = reports_sourceday.stories + EXCLUDED.stories"""

# Deletes only ever lower existing rows: a cascade may be deleting the brand, the feed or the
# organization in the same transaction, and a new row would point at nothing.
_LOWER = """
    UPDATE reports_sourceday c SET stories = c.stories + d.n FROM ({rows}) d
    WHERE c.organization_id = d.organization_id AND c.brand_id = d.brand_id
      AND c.day = d.day AND c.feed_id = d.feed_id"""

_LOCK = (
    "PERFORM pg_advisory_xact_lock_shared({space}, (o % 2147483647)::integer) "
    "FROM (SELECT DISTINCT organization_id AS o FROM {table} ORDER BY 1) t"
)

# A mention update moves counts only when its brand, time or organization changed (a review,
# a sentiment or evidence edit is most updates: they read nothing more).
_MOVED_NEW = (
    "(SELECT n.* FROM new_rows n JOIN old_rows o ON o.id = n.id "
    "WHERE (n.brand_id, n.mentioned_at, n.organization_id, n.report_id) "
    "IS DISTINCT FROM (o.brand_id, o.mentioned_at, o.organization_id, o.report_id))"
)
_MOVED_OLD = (
    "(SELECT o.* FROM old_rows o JOIN new_rows n ON n.id = o.id "
    "WHERE (n.brand_id, n.mentioned_at, n.organization_id, n.report_id) "
    "IS DISTINCT FROM (o.brand_id, o.mentioned_at, o.organization_id, o.report_id))"
)
_UPDATE_DELTA = (
    "SELECT organization_id, brand_id, day, feed_id, sum(n) AS n FROM ("
    + pairs(_MOVED_NEW, "feeds_articlefeed", 1)
    + " UNION ALL "
    + pairs(_MOVED_OLD, "feeds_articlefeed", -1)
    + ") x GROUP BY 1, 2, 3, 4"
)
_BOTH = "(SELECT organization_id FROM old_rows UNION SELECT organization_id FROM new_rows) u"

MENTION_FUNCTION = f"""
CREATE OR REPLACE FUNCTION reports_sourceday_mentions() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_LOCK.format(space=LOCK_SPACE, table="new_rows")};
        {_UPSERT.format(rows=pairs("new_rows", "feeds_articlefeed", 1))};
    ELSIF TG_OP = 'DELETE' THEN
        {_LOCK.format(space=LOCK_SPACE, table="old_rows")};
        {_LOWER.format(rows=pairs("old_rows", "feeds_articlefeed", -1))};
    ELSE
        {_LOCK.format(space=LOCK_SPACE, table=_BOTH)};
        {_UPSERT.format(rows=_UPDATE_DELTA)};
    END IF;
    RETURN NULL;
END
$$;
"""

# A feed link's mentions: those of the report of its article.
_LINK_ORGS = (
    "(SELECT m.organization_id FROM {links} l JOIN reports_report r ON r.article_id = "
    "l.article_id JOIN reports_mention m ON m.report_id = r.id) x"
)

LINK_FUNCTION = f"""
CREATE OR REPLACE FUNCTION reports_sourceday_links() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_LOCK.format(space=LOCK_SPACE, table=_LINK_ORGS.format(links="new_links"))};
        {_UPSERT.format(rows=pairs("reports_mention", "new_links", 1))};
    ELSIF TG_OP = 'DELETE' THEN
        {_LOCK.format(space=LOCK_SPACE, table=_LINK_ORGS.format(links="old_links"))};
        {_LOWER.format(rows=pairs("reports_mention", "old_links", -1))};
    ELSE
        {_LOCK.format(space=LOCK_SPACE, table=_LINK_ORGS.format(links="new_links"))};
        {
    _UPSERT.format(
        rows="SELECT organization_id, brand_id, day, feed_id, sum(n) AS n FROM ("
        + pairs("reports_mention", "new_links", 1)
        + " UNION ALL "
        + pairs("reports_mention", "old_links", -1)
        + ") x GROUP BY 1, 2, 3, 4"
    )
};
    END IF;
    RETURN NULL;
END
$$;
"""

PG_TRIGGERS = [
    MENTION_FUNCTION,
    LINK_FUNCTION,
    "CREATE TRIGGER reports_mention_source_insert AFTER INSERT ON reports_mention "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION reports_sourceday_mentions()",
    "CREATE TRIGGER reports_mention_source_delete AFTER DELETE ON reports_mention "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION reports_sourceday_mentions()",
    "CREATE TRIGGER reports_mention_source_update AFTER UPDATE ON reports_mention "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION reports_sourceday_mentions()",
    "CREATE TRIGGER feeds_articlefeed_source_insert AFTER INSERT ON feeds_articlefeed "
    "REFERENCING NEW TABLE AS new_links FOR EACH STATEMENT "
    "EXECUTE FUNCTION reports_sourceday_links()",
    "CREATE TRIGGER feeds_articlefeed_source_delete AFTER DELETE ON feeds_articlefeed "
    "REFERENCING OLD TABLE AS old_links FOR EACH STATEMENT "
    "EXECUTE FUNCTION reports_sourceday_links()",
    "CREATE TRIGGER feeds_articlefeed_source_update AFTER UPDATE ON feeds_articlefeed "
    "REFERENCING OLD TABLE AS old_links NEW TABLE AS new_links FOR EACH STATEMENT "
    "EXECUTE FUNCTION reports_sourceday_links()",
]

PG_DROP = [
    "DROP TRIGGER IF EXISTS reports_mention_source_insert ON reports_mention",
    "DROP TRIGGER IF EXISTS reports_mention_source_delete ON reports_mention",
    "DROP TRIGGER IF EXISTS reports_mention_source_update ON reports_mention",
    "DROP TRIGGER IF EXISTS feeds_articlefeed_source_insert ON feeds_articlefeed",
    "DROP TRIGGER IF EXISTS feeds_articlefeed_source_delete ON feeds_articlefeed",
    "DROP TRIGGER IF EXISTS feeds_articlefeed_source_update ON feeds_articlefeed",
    "DROP FUNCTION IF EXISTS reports_sourceday_mentions()",
    "DROP FUNCTION IF EXISTS reports_sourceday_links()",
]

# One organization's mentions in a range of instants; %s are (organization, since, until).
_RANGE = (
    "(SELECT * FROM reports_mention WHERE organization_id = %s "
    "AND mentioned_at >= %s AND mentioned_at < %s)"
)
_INSERT = "INSERT INTO reports_sourceday (organization_id, brand_id, day, feed_id, stories) "
BUILD = _INSERT + pairs(_RANGE, "feeds_articlefeed", 1)
COUNT = pairs(_RANGE, "feeds_articlefeed", 1)
# Every organization with a state, from scratch (the migration's first build).
BUILD_ALL = _INSERT + pairs("reports_mention", "feeds_articlefeed", 1)


# Covering indexes of the three roll-ups (PostgreSQL): each chart reads (organization, brand,
# day range) and sums a count, so an index-only scan answers it without visiting the table
# (a year of 200 tracked brands is ~76,000 MentionDay rows: 444 ms through the key's index
# and the table, 167 ms from the index alone, in EXPLAIN ANALYZE at load 8). Made by the
# migration, not the models: Django would leave a model index with INCLUDE off on SQLite
# with a warning, and the SQLite triggers need only the key.
COVERING_INDEXES = [
    "CREATE INDEX IF NOT EXISTS reports_mentionday_cover ON reports_mentionday "
    "(organization_id, brand_id, day) INCLUDE (tone, mentions)",
    "CREATE INDEX IF NOT EXISTS reports_sourceday_cover ON reports_sourceday "
    "(organization_id, brand_id, day) INCLUDE (feed_id, stories)",
    "CREATE INDEX IF NOT EXISTS reports_comentionday_cover ON reports_comentionday "
    "(organization_id, brand_id, day) INCLUDE (industry_key, stories)",
]
DROP_COVERING_INDEXES = [
    "DROP INDEX IF EXISTS reports_mentionday_cover",
    "DROP INDEX IF EXISTS reports_sourceday_cover",
    "DROP INDEX IF EXISTS reports_comentionday_cover",
]


def sources_supported() -> bool:
    return connection.vendor == "postgresql"


def install(cursor) -> None:
    for statement in PG_DROP + PG_TRIGGERS:
        cursor.execute(statement)


def sources_rebuild(organization_id: int, since: object, until: object) -> int:
    """Count the pairs of the mentions in [since, until) again (the caller deleted their days
    and holds the organization's lock)."""
    with connection.cursor() as cursor:
        cursor.execute(BUILD, [organization_id, since, until])
        return cursor.rowcount


def counted_sources(
    organization_id: int, since: object, until: object
) -> dict[tuple[int, date, int], int]:
    """(brand, day, feed) → stories, counted afresh from the mention rows and feed links."""
    with connection.cursor() as cursor:
        cursor.execute(COUNT, [organization_id, since, until])
        return {(brand, day, feed): n for _, brand, day, feed, n in cursor.fetchall()}
