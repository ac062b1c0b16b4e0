"""Fixtures of the drafting tests (see drafting_world); a test module's own fixture of the
same name (several define their own ``acme`` or ``jane``) takes precedence."""

import pytest

from tests.contacts.drafting_world import make_acme, make_jane, make_plant_report


@pytest.fixture
def no_llm(settings):
    settings.OPENAI_API_KEY = ""
    settings.OPENAI_BASE_URL = ""


@pytest.fixture
def acme(org_a):
    return make_acme(org_a)


@pytest.fixture
def jane(acme):
    return make_jane(acme)


@pytest.fixture
def report(org_a, acme):
    return make_plant_report(org_a, acme)
