"""The drafting tests' world: Jane, Head of PR at Acme Corp, and a report on Acme's new
plant that also mentions Globex; builders and the fixtures made of them. tests/contacts/
conftest.py and the browser tests of drafts import the fixtures (pytest finds them there)."""

import pytest

from tests.contacts.builders import add_mention, make_article, make_brand, make_contact, make_report

ARTICLE_URL = "https://news.example/acme-plant"
ARTICLE_TITLE = "Acme opens a plant in Lyon"


def make_acme(organization):
    return make_brand(organization, "Acme Corp")


def make_jane(brand):
    return make_contact(brand, "Jane Doe", email="jane@acme.example", title="Head of PR")


def make_plant_report(organization, brand):
    """A report on an article about ``brand`` that also mentions Globex."""
    article = make_article(organization, "/acme-plant", title=ARTICLE_TITLE)
    row = make_report(
        article,
        summary="Acme opened a plant in Lyon.",
        topic="New plant",
        sentiment_label="positive",
    )
    add_mention(row, brand, "Acme Corp")
    add_mention(row, make_brand(organization, "Globex"), "Globex")
    return row


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
