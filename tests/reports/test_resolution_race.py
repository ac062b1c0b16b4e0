"""Two workers meeting the same new brand at once: both analyses succeed, one brand.

Found by benchmarks/analysis.py on PostgreSQL with 2-8 worker processes: 1 article in 240
failed its analysis with "duplicate key value violates unique constraint
unique_live_brand_key" (the resolver had loaded the organization's brands, another worker then
created "Nike", and this one tried to create it too).
"""

import threading

import pytest
from django.db import connection

from reports.models import Brand, BrandStatus
from reports.services.resolution import Resolver

pytestmark = pytest.mark.django_db


def test_a_brand_another_worker_created_after_this_run_loaded_is_reused(org_a):
    resolver = Resolver(org_a)
    assert resolver.resolve("Adidas") is not None  # the brands are loaded now
    # Meanwhile another worker's analysis creates the same new brand.
    theirs = Brand.objects.create(
        organization=org_a, name="Nike", key="nike", status=BrandStatus.UNREVIEWED
    )

    ours = resolver.resolve("Nike")

    assert ours.pk == theirs.pk
    assert Brand.objects.filter(organization=org_a, key="nike").count() == 1
    # The savepoint kept the analysis's transaction usable after the refused insert.
    assert resolver.resolve("Puma").key == "puma"


@pytest.mark.django_db(transaction=True)
def test_two_threads_resolving_the_same_new_name_get_the_same_brand(org_a):
    """Real concurrency: two connections, each with its own resolver loaded first."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers: the race needs concurrent transactions")
    resolvers = [Resolver(org_a), Resolver(org_a)]
    for resolver in resolvers:
        resolver.resolve("Loaded first")
    start = threading.Barrier(2)
    found: list[int] = []
    errors: list[BaseException] = []

    def analyse(resolver: Resolver) -> None:
        from django.db import connections

        try:
            start.wait(timeout=60)
            found.append(resolver.resolve("Brand Nouveau").pk)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=analyse, args=(r,)) for r in resolvers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not errors, errors
    assert len(found) == 2 and found[0] == found[1]
    assert Brand.objects.filter(organization=org_a, key="brand nouveau").count() == 1
