"""Reusable test harness: local HTTP servers, a fake OpenAI API and pytest fixtures.

Load the fixtures with ``pytest_plugins = ["tests.harness.fixtures"]`` in ``tests/conftest.py``.
"""
