"""The Database statistics page of the operator console: staff only, real catalogue views on
PostgreSQL and pragmas on SQLite, a time limit per part, and it renders whatever fails."""

from __future__ import annotations

import re
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from monitoring import db_stats
from tests.harness.waiting import ceiling, wait_for

URL = "/admin/database-statistics/"
# Session, user and the admin's permission reads (about 5); per part a savepoint, the time
# limit set and put back (PostgreSQL) and one to three reads. Never one per table or index.
QUERY_BUDGET = 32

on_postgresql = pytest.mark.skipif(
    "__import__('django.db').db.connection.vendor != 'postgresql'", reason="PostgreSQL only"
)
on_sqlite = pytest.mark.skipif(
    "__import__('django.db').db.connection.vendor != 'sqlite'", reason="SQLite only"
)


@pytest.fixture
def operator(alice):
    alice.is_staff = True
    alice.save()
    return alice


def _section(body: str, key: str) -> str:
    match = re.search(rf'<section [^>]*id="stats-{key}"(.*?)</section>', body, re.S)
    assert match, f"no {key} section"
    return match.group(1)


def test_anyone_but_staff_is_sent_to_the_admin_login(client, client_for, bob):
    for response in (client.get(URL), client_for(bob).get(URL)):
        assert response.status_code == 302
        assert response.url.startswith("/admin/login/")


def test_the_admin_index_and_the_health_page_link_to_it(client_for, operator):
    client = client_for(operator)
    for page in ("/admin/", "/admin/system-health/"):
        assert f'href="{URL}"' in client.get(page).content.decode(), page


def test_every_part_is_shown_with_the_tables_of_the_application(client_for, operator, org_a):
    body = client_for(operator).get(URL).content.decode()

    for key in ("overview", "advice", "tables", "indexes", "statements"):
        assert 'class="health-badge health-' in _section(body, key)
    assert "Could not be read" not in body and "Timed out" not in body
    tables = _section(body, "tables")
    # The application's own tables are listed (the fixture's organization, users and jobs).
    assert re.search(r"\b(accounts|auth|jobs|reports|feeds)_\w+", tables), tables
    if connection.vendor == "sqlite":
        assert "exact counts" in tables
        assert "SQLite keeps no index-use statistics" in _section(body, "indexes")
        assert "SQLite keeps no statement statistics" in _section(body, "statements")
        assert "Page size" in _section(body, "overview")
    else:
        assert "PostgreSQL&#x27;s estimate" in tables
        assert "Cache hit ratio" in _section(body, "overview")
        assert "Never used (not unique)" in _section(body, "indexes")


@on_sqlite
def test_on_sqlite_every_table_is_counted_exactly(client_for, operator, org_a, org_b, monkeypatch):
    monkeypatch.setattr(db_stats, "SHOWN_TABLES", 500)
    tables = _section(client_for(operator).get(URL).content.decode(), "tables")

    row = re.search(r"<th scope=\"row\">accounts_organization</th><td>(\d+)</td>", tables)
    assert row and row.group(1) == "2"


@on_postgresql
def test_without_pg_stat_statements_it_says_how_to_enable_it(client_for, operator):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'")
        if cursor.fetchone():
            pytest.skip("pg_stat_statements is installed in this test database")

    statements = _section(client_for(operator).get(URL).content.decode(), "statements")

    assert "pg_stat_statements is not installed" in statements
    assert "shared_preload_libraries" in statements
    assert "CREATE EXTENSION pg_stat_statements" in statements
    assert "health-ok" in statements  # Missing statistics are not an outage.


@on_postgresql
def test_with_pg_stat_statements_it_lists_the_slowest_or_says_it_is_not_loaded(
    client_for, operator
):
    # This server may or may not preload the library: with it, the statements are listed;
    # without it (CREATE EXTENSION still works), the page says why none can be read. The
    # CI server does not preload it; the listed branch was run against a PostgreSQL 15
    # started with -c shared_preload_libraries=pg_stat_statements (DATABASE_URL pointed there).
    with connection.cursor() as cursor:
        cursor.execute("SHOW shared_preload_libraries")
        loaded = "pg_stat_statements" in cursor.fetchone()[0]
        try:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        except Exception as exc:  # pragma: no cover - a role that may not create it
            pytest.skip(f"cannot create pg_stat_statements here: {exc}")
        if loaded:
            # Constants are normalised away ($1) in the statistics: the marker is an alias.
            cursor.execute("SELECT pg_sleep(0.2) AS dbstats_slow_probe")

    statements = _section(client_for(operator).get(URL).content.decode(), "statements")

    if loaded:
        assert "dbstats_slow_probe" in statements
        assert "slowest on average" in statements
    else:
        assert "installed but cannot be read" in statements
        assert "shared_preload_libraries" in statements
        assert "health-warn" in statements


@on_postgresql
def test_dead_rows_piling_up_in_a_table_get_vacuum_advice(transactional_db, client_for, operator):
    # Autovacuum off for this table, so the dead rows stay until the page has read them.
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE dbstats_scratch (id int) WITH (autovacuum_enabled = false);"
            "INSERT INTO dbstats_scratch SELECT generate_series(1, 5000);"
            "DELETE FROM dbstats_scratch WHERE id > 1000;"
        )
    try:

        def dead_rows_counted() -> bool:
            # Each backend sends its counts at most once a second, when idle: poll.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'dbstats_scratch'"
                )
                row = cursor.fetchone()
            return bool(row and row[0] >= 4000)

        assert wait_for(dead_rows_counted, timeout=30, step=0.5)

        advice = _section(client_for(operator).get(URL).content.decode(), "advice")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE dbstats_scratch")

    assert "health-warn" in advice
    assert "VACUUM (ANALYZE) dbstats_scratch;" in advice
    assert "4,000 dead rows (80%)" in advice


def test_the_advice_rule_wants_many_dead_rows_and_a_large_share():
    row = {"name": "t", "vacuumed": "never", "analysed": "never", "changed": 0}

    assert db_stats.vacuum_advice({**row, "live": 100, "dead": 999}) == ""  # too few
    assert db_stats.vacuum_advice({**row, "live": 100_000, "dead": 5000}) == ""  # small share
    assert db_stats.vacuum_advice({**row, "live": 3000, "dead": 1000}).startswith(
        "VACUUM (ANALYZE) t;"
    )
    analyse = db_stats.vacuum_advice({**row, "live": 2000, "dead": 0, "changed": 1500})
    assert analyse.startswith("ANALYZE t; — 1,500 rows changed")


@on_sqlite
def test_on_sqlite_free_pages_get_vacuum_advice(client_for, operator, monkeypatch):
    monkeypatch.setattr(db_stats, "SQLITE_FREE_MIN_BYTES", 0)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE dbstats_scratch (body text)")
        cursor.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) "
            "INSERT INTO dbstats_scratch SELECT printf('%.2000c', 'x') FROM n"
        )
        cursor.execute("DROP TABLE dbstats_scratch")

    advice = _section(client_for(operator).get(URL).content.decode(), "advice")

    assert "health-warn" in advice
    assert "VACUUM would give" in advice


def _slow(cursor) -> db_stats.Item:
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_sleep(60)")
    else:  # A count to a billion: minutes of work unless interrupted.
        cursor.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000000) "
            "SELECT count(*) FROM n"
        )
    raise AssertionError("the statement was not stopped")


def test_a_slow_part_times_out_and_the_others_still_render(client_for, operator, monkeypatch):
    monkeypatch.setattr(db_stats, "STATEMENT_TIMEOUT_MS", 300)
    parts = dict(db_stats.PARTS[connection.vendor])
    parts["indexes"] = ("Index use", _slow)
    monkeypatch.setitem(db_stats.PARTS, connection.vendor, parts)
    client = client_for(operator)

    started = time.monotonic()
    body = client.get(URL).content.decode()
    elapsed = time.monotonic() - started

    assert "Timed out after 0.3 s" in _section(body, "indexes")
    assert "health-error" in _section(body, "indexes")
    for key in ("overview", "advice", "tables", "statements"):
        assert "Could not be read" not in _section(body, key), key
        assert "Timed out" not in _section(body, key), key
    assert elapsed < ceiling(20)  # far from the minute the statement wanted
    # The limit does not outlive the page: the next query may take as long as it needs.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone()[0] != "300ms"


@on_postgresql
def test_a_table_locked_by_a_migration_times_out_its_part_only(
    transactional_db, client_for, operator, monkeypatch
):
    # A real slow database: another session holds the lock an ALTER TABLE takes, so reading
    # the table's size waits. Without the limit the page would wait as long as the lock.
    import psycopg
    from django.conf import settings

    monkeypatch.setattr(db_stats, "STATEMENT_TIMEOUT_MS", 500)
    db = settings.DATABASES["default"]
    migration = psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"],
        dbname=connection.settings_dict["NAME"],
    )
    try:
        migration.execute("LOCK TABLE reports_report IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        body = client_for(operator).get(URL).content.decode()
        elapsed = time.monotonic() - started
    finally:
        migration.rollback()
        migration.close()

    assert "Timed out after 0.5 s" in _section(body, "tables")
    for key in ("overview", "advice", "statements"):
        assert "Timed out" not in _section(body, key), key
        assert "Could not be read" not in _section(body, key), key
    assert elapsed < ceiling(20)


@on_sqlite
def test_on_sqlite_the_page_reads_outside_any_transaction(
    transactional_db, client_for, operator, monkeypatch
):
    # The embedded database begins transactions IMMEDIATE, taking the write lock: a page
    # reading statistics inside one would hold up every worker's writes meanwhile.
    seen: list[bool] = []
    parts = dict(db_stats.PARTS["sqlite"])
    title, read = parts["tables"]

    def watched(cursor):
        seen.append(connection.in_atomic_block)
        return read(cursor)

    parts["tables"] = (title, watched)
    monkeypatch.setitem(db_stats.PARTS, "sqlite", parts)

    body = client_for(operator).get(URL).content.decode()

    assert seen == [False]
    assert "The 15 largest" in _section(body, "tables")


def test_a_failing_part_says_so_and_the_rest_still_reads(client_for, operator, monkeypatch):
    def broken(cursor):
        cursor.execute("SELECT * FROM no_such_statistics_table")

    parts = dict(db_stats.PARTS[connection.vendor])
    parts["overview"] = ("Database", broken)  # First: a broken transaction would spoil the rest.
    monkeypatch.setitem(db_stats.PARTS, connection.vendor, parts)

    body = client_for(operator).get(URL).content.decode()

    assert "Could not be read" in _section(body, "overview")
    assert "no_such_statistics_table" in _section(body, "overview")
    for key in ("advice", "tables", "indexes", "statements"):
        assert "Could not be read" not in _section(body, key), key


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def test_the_page_stays_within_its_query_budget_however_much_there_is(client_for, operator, org_a):
    from accounts.services import organization_create

    client = client_for(operator)
    client.get(URL)  # The first request of a session saves it.
    few = _queries(client)
    for n in range(20):
        organization_create(name=f"Org {n}")
    many = _queries(client)

    assert many == few
    assert many <= QUERY_BUDGET
