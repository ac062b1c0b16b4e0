"""AI email drafts with an organization's own LLM connection: its server, key and model;
a refused key gives the template draft with the reason, and never the key."""

import logging

import pytest
from django.contrib.auth.models import User

from contacts.services.drafting import draft_compose
from tests.accounts.llm_data import ORG_KEY, new_fernet_key, save_own_connection
from tests.contacts.drafting_world import ARTICLE_URL
from tests.harness.openai_server import FakeOpenAIServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def org_server(settings, org_a, alice):
    settings.FIELD_ENCRYPTION_KEYS = [new_fernet_key()]
    with FakeOpenAIServer() as fake:
        save_own_connection(org_a, fake.base_url)
        yield fake


def compose(org_a, jane, report):
    return draft_compose(
        organization=org_a,
        contact=jane,
        report=report,
        template="pitch",
        tone="professional",
        actor=User.objects.get(username="alice"),
    )


def test_the_draft_is_written_by_the_orgs_own_server_and_model(
    org_a, jane, report, org_server, openai_server
):
    body = f"Hi Jane,\n\nAbout your plant:\n{ARTICLE_URL}\n\nAlice"
    org_server.reply_json({"subject": "From our own model", "body": body})

    composed = compose(org_a, jane, report)

    assert composed.draft.subject == "From our own model" and composed.draft.model == "org-model"
    [request] = org_server.http.requests_to("/v1/chat/completions")
    assert request.headers["authorization"] == f"Bearer {ORG_KEY}"
    assert openai_server.requests == []


def test_a_refused_key_gives_the_template_draft_without_the_key(
    org_a, jane, report, org_server, caplog
):
    caplog.set_level(logging.DEBUG)
    org_server.status(401, f"Incorrect API key provided: {ORG_KEY}.")

    composed = compose(org_a, jane, report)

    assert "The AI draft is unavailable" in composed.notice
    assert ORG_KEY not in composed.notice + composed.notice_detail
    assert ORG_KEY not in "\n".join(record.getMessage() for record in caplog.records)


def test_a_key_nothing_decrypts_gives_the_template_draft_and_says_why(
    org_a, jane, report, org_server, settings
):
    settings.FIELD_ENCRYPTION_KEYS = [new_fernet_key()]

    composed = compose(org_a, jane, report)

    assert "own LLM connection cannot be used" in composed.notice
    assert "cannot be decrypted" in composed.notice_detail
    assert org_server.requests == []
