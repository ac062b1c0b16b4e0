"""Fixtures of the drafting tests (defined in drafting_world); a test module's own fixture of
the same name (several define their own ``acme`` or ``jane``) takes precedence."""

from tests.contacts.drafting_world import acme, jane, no_llm, report  # noqa: F401 -- fixtures
