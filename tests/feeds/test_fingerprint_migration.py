"""feeds 0005 recomputes stored SimHash fingerprints, so copies of older stories are found."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from feeds.similarity import is_near_duplicate, simhash
from tests.feeds.builders import LOREM

BEFORE = [("feeds", "0004_article_status_fetched_index")]
AFTER = [("feeds", "0005_recompute_simhash_v2")]
OLD_FINGERPRINT = 1293227560349287296  # any value the new hash does not give these texts


def migrate(targets: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()  # the previous migrate() changed what is applied
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def migrate_to_latest() -> None:
    """Every app back at its newest migration: going back in feeds also unapplies the other
    apps' migrations that depend on it, and the tests after this one need them all."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


# One test goes forward, back and forward again: each trip to feeds 0004 and back to the newest
# migrations unapplies and reapplies every app that depends on it (~35 s on PostgreSQL), so the
# directions share one trip instead of two tests taking one each.
@pytest.mark.django_db(transaction=True)
def test_migration_recomputes_fingerprints_and_its_reverse_clears_them() -> None:
    old_apps = migrate(BEFORE)
    try:
        organization_model = old_apps.get_model("accounts", "Organization")
        article_model = old_apps.get_model("feeds", "Article")
        organization = organization_model.objects.create(name="Old data", slug="old-data")

        def stored(n: int, **fields: object) -> int:
            return article_model.objects.create(
                organization=organization,
                canonical_url=f"https://site.example/{n}",
                url_hash=f"{n:064d}",
                original_url=f"https://site.example/{n}",
                **fields,
            ).pk

        extracted = stored(
            1, text=LOREM * 3, summary="Teaser.", simhash=OLD_FINGERPRINT, status="extracted"
        )
        summary_only = stored(2, text="", summary=LOREM, simhash=OLD_FINGERPRINT, status="failed")
        pending = stored(3, text="", summary="Not extracted yet.", simhash=None, status="pending")

        def fingerprints(apps) -> dict[int, int | None]:
            return dict(apps.get_model("feeds", "Article").objects.values_list("pk", "simhash"))

        forwards = fingerprints(migrate(AFTER))
        after_reverse = fingerprints(migrate(BEFORE))
        after_reapply = fingerprints(migrate(AFTER))
    finally:
        migrate_to_latest()

    assert forwards[extracted] == simhash(LOREM * 3)
    assert forwards[summary_only] == simhash(LOREM)
    assert forwards[pending] is None
    # What the migration is for: a new copy of the old story now matches it.
    assert is_near_duplicate(simhash(LOREM * 3 + " Syndicated by the wire."), forwards[extracted])
    assert not is_near_duplicate(OLD_FINGERPRINT, simhash(LOREM * 3))
    # Backwards it clears them (the old hash cannot be computed again), forwards computes them.
    assert after_reverse == {extracted: None, summary_only: None, pending: None}
    assert after_reapply == forwards


@pytest.mark.django_db(transaction=True)
def test_the_tests_above_leave_every_app_at_its_newest_migration() -> None:
    # Going back to feeds 0004 unapplied the reports migrations that depended on feeds 0005,
    # and every later test on that database failed on missing columns.
    executor = MigrationExecutor(connection)

    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
