"""The test cast and shared fixtures.

alice owns organization A, bob is a plain member of A, charlie owns organization B. Isolation
tests read naturally with them: "charlie cannot see alice's feed".
"""

from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client

from accounts.models import Membership, Organization, Role
from accounts.services import organization_create

pytest_plugins = ["tests.harness.fixtures"]

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _isolated_cache(settings: object) -> None:
    # Login throttling and rate limits live in the cache; tests must not see each other's.
    from django.core.cache import cache

    from resilience.breaker import forget_breakers

    cache.clear()
    # In-process circuit breakers (embedded mode) must not carry failures between tests.
    forget_breakers()
    # Nor the LLM budgets' schedules (Redis is flushed by cache.clear(); the file is not).
    from resilience.budget import forget_hints

    forget_hints()
    (Path(settings.VAR_DIR) / "llm-budget.json").unlink(missing_ok=True)  # type: ignore[attr-defined]


def _user(username: str) -> User:
    return User.objects.create_user(
        username=username,
        email=f"{username}@example.com",
        password=PASSWORD,
        first_name=username.capitalize(),
    )


@pytest.fixture
def org_a(db: None) -> Organization:
    return organization_create(name="Organization A")


@pytest.fixture
def org_b(db: None) -> Organization:
    return organization_create(name="Organization B")


@pytest.fixture
def alice(org_a: Organization) -> User:
    user = _user("alice")
    Membership.objects.create(organization=org_a, user=user, role=Role.OWNER)
    return user


@pytest.fixture
def bob(org_a: Organization) -> User:
    user = _user("bob")
    Membership.objects.create(organization=org_a, user=user, role=Role.MEMBER)
    return user


@pytest.fixture
def charlie(org_b: Organization) -> User:
    user = _user("charlie")
    Membership.objects.create(organization=org_b, user=user, role=Role.OWNER)
    return user


@pytest.fixture
def client_for(db: None) -> Callable[[User], Client]:
    """A test client logged in as the given user (one client per user)."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return make


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Remove the metrics files earlier test runs' processes left in the test VAR_DIR (each
    run's web servers and workers add their own; a scrape reads them all). This process's own
    files stay: it may have counted already. On PostgreSQL, flush with DELETE; on both, put
    the content types and permissions back after a flush from a copy
    (tests/harness/db_flush.py)."""
    import os

    from django.conf import settings

    from tests.harness.db_flush import restore_content_types_after_flush

    # Content types and permissions copied back after a flush, not rebuilt (either database).
    restore_content_types_after_flush()
    if any(db["ENGINE"].endswith("postgresql") for db in settings.DATABASES.values()):
        # A DELETE per table, not one slow TRUNCATE, after each transactional test.
        from tests.harness.db_flush import use_delete_to_flush_postgresql

        use_delete_to_flush_postgresql()

    own = f"-{os.getpid()}.db"
    folder = Path(settings.METRICS_DIR)
    for path in folder.glob("*.db") if folder.is_dir() else ():
        if not path.name.endswith(own):
            path.unlink(missing_ok=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser tests last.

    Playwright's sync API keeps an event loop running in the main thread from the first
    browser test to the end of the session; after that, Django's async_to_sync (async views
    under the test client, AsyncClient) refuses to run in that thread. Every other test must
    therefore come before the first browser test. trylast: after pytest-django's own ordering.
    """
    uses_browser = [item for item in items if {"page", "browser"} & set(item.fixturenames)]
    for item in uses_browser:
        # Marked whatever the module says, so `-m "not browser"` leaves out every one of them.
        item.add_marker(pytest.mark.browser)
    if uses_browser:
        others = [item for item in items if item not in uses_browser]
        items[:] = others + uses_browser


@pytest.fixture(autouse=True)
def _fastfeed_matches_feedparser(monkeypatch: pytest.MonkeyPatch) -> object:
    # Every feed a test parses through the fast path (feeds.fastfeed) is parsed by feedparser
    # too, and must read the same: a differential test over all the feeds the suite builds.
    from tests.feeds import fastfeed_check

    monkeypatch.setattr("feeds.fastfeed.parse", fastfeed_check.checked_parse)
    fastfeed_check.mismatches.clear()
    yield
    assert not fastfeed_check.mismatches, "\n".join(fastfeed_check.mismatches)
