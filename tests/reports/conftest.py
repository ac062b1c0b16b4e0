"""Fixtures shared by the reports tests."""

from tests.reports.knowledge_data import kb_loaded, kb_packages  # noqa: F401
