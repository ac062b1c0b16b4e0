"""An organization's own LLM connection on the settings page: saved encrypted, never shown
again, tested against the provider (which says why it failed), managers only, one
organization's business alone."""

from __future__ import annotations

import logging
import socket

import pytest
from django.db import connection as db_connection
from django.urls import reverse
from lxml import html

from accounts import llm_connection
from accounts.llm_connection import LLMConnectionBroken, connection_for, llm_connection_test
from accounts.models import LLMSource, Membership, OrganizationLLM
from tests.accounts.llm_data import ORG_KEY, new_fernet_key, save_own_connection
from tests.harness.openai_server import FakeOpenAIServer, json_completion

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
SETTINGS_URL = reverse("accounts:settings")
EDIT_URL = reverse("accounts:llm_edit")
TEST_URL = reverse("accounts:llm_test")


@pytest.fixture(autouse=True)
def encryption_key(settings) -> str:
    key = new_fernet_key()
    settings.FIELD_ENCRYPTION_KEYS = [key]
    return key


@pytest.fixture
def org_server():
    """The organization's own OpenAI-compatible server (apart from the installation's)."""
    with FakeOpenAIServer() as fake:
        yield fake


def _owner(org):
    return Membership.objects.get(organization=org, role="owner")


def _post_form(client, **values):
    data = {"source": "own", "base_url": "", "model": "org-model", "api_key": ""}
    data.update(values)
    return client.post(EDIT_URL, data, **HTMX)


def _text(response) -> str:
    return " ".join(html.fromstring(response.content.decode()).text_content().split())


# --- Saving, at rest and on the page ---------------------------------------------------------


def test_the_key_is_stored_encrypted_and_the_raw_column_is_not_the_key(
    client_for, alice, org_a, org_server
):
    response = _post_form(client_for(alice), base_url=org_server.base_url, api_key=ORG_KEY)

    assert response.status_code == 200 and response.headers["HX-Redirect"]
    row = OrganizationLLM.objects.get(organization=org_a)
    with db_connection.cursor() as cursor:
        cursor.execute(
            "SELECT api_key_encrypted FROM accounts_organizationllm WHERE id = %s", [row.pk]
        )
        [raw] = cursor.fetchone()
    assert raw and ORG_KEY not in raw and ORG_KEY[-12:] not in raw
    assert connection_for(org_a).api_key == ORG_KEY
    assert (row.source, row.base_url, row.model) == ("own", org_server.base_url, "org-model")


def test_the_key_is_never_shown_again_only_its_last_four_characters(
    client_for, alice, org_a, org_server
):
    client = client_for(alice)
    _post_form(client, base_url=org_server.base_url, api_key=ORG_KEY)

    page, drawer = client.get(SETTINGS_URL), client.get(EDIT_URL, **HTMX)

    for response in (page, drawer):
        body = response.content.decode()
        assert ORG_KEY not in body and ORG_KEY[:-4] not in body
    assert "ends in abcd" in _text(page) and "set on" in _text(page)
    [key_input] = html.fromstring(drawer.content.decode()).xpath('//input[@name="api_key"]')
    assert key_input.get("type") == "password" and not key_input.get("value")


def test_an_empty_key_field_keeps_the_stored_key_and_remove_deletes_it(
    client_for, alice, org_a, org_server
):
    client = client_for(alice)
    _post_form(client, base_url=org_server.base_url, api_key=ORG_KEY)

    _post_form(client, base_url=org_server.base_url, model="other-model")
    assert connection_for(org_a).api_key == ORG_KEY
    assert connection_for(org_a).model == "other-model"

    _post_form(client, base_url=org_server.base_url, remove_key="on")
    row = OrganizationLLM.objects.get(organization=org_a)
    assert (row.api_key_encrypted, row.api_key_last4, row.api_key_set_at) == ("", "", None)


def test_choosing_the_installations_connection_uses_it_and_keeps_the_key(
    client_for, alice, org_a, org_server, openai_server
):
    client = client_for(alice)
    _post_form(client, base_url=org_server.base_url, api_key=ORG_KEY)

    _post_form(client, source="installation")

    chosen = connection_for(org_a)
    assert not chosen.own and chosen.base_url == openai_server.base_url
    assert OrganizationLLM.objects.get(organization=org_a).has_key


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"model": ""}, "model", "Name the model"),
        ({"api_key": "two words"}, "api_key", "one word"),
        ({"api_key": ""}, "api_key", "Enter the API key"),
        ({"base_url": "ftp://example.com/v1"}, "base_url", "only http and https URLs"),
    ],
)
def test_a_bad_form_is_refused_with_the_reason_next_to_the_field(
    client_for, alice, org_a, values, field, message
):
    values = {"api_key": ORG_KEY, **values}
    response = _post_form(client_for(alice), **values)

    assert response.status_code == 200 and "HX-Redirect" not in response.headers
    document = html.fromstring(response.content.decode())
    [row] = document.xpath(f'//div[contains(@class, "field")][.//*[@name="{field}"]]')
    assert message in row.text_content()
    assert not OrganizationLLM.objects.filter(organization=org_a).exists()
    assert ORG_KEY not in response.content.decode()
    assert response["Cache-Control"] == "no-store"


def test_a_base_url_on_a_private_network_is_refused(client_for, alice, org_a, settings):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False

    response = _post_form(client_for(alice), base_url="http://127.0.0.1:8000/v1", api_key=ORG_KEY)

    assert "a loopback address" in _text(response)
    assert not OrganizationLLM.objects.filter(organization=org_a).exists()


def test_without_an_encryption_key_the_page_says_so_and_no_key_is_stored(
    client_for, alice, org_a, settings
):
    settings.FIELD_ENCRYPTION_KEYS = []
    client = client_for(alice)

    drawer = client.get(EDIT_URL, **HTMX)
    response = _post_form(client, api_key=ORG_KEY)

    assert "cannot store API keys" in _text(drawer)
    assert "FIELD_ENCRYPTION_KEY" in _text(response)
    assert not OrganizationLLM.objects.filter(organization=org_a).exists()


# --- Who may --------------------------------------------------------------------------------


def test_a_member_neither_edits_tests_nor_sees_the_key_summary(
    client_for, alice, bob, org_a, org_server
):
    save_own_connection(org_a, org_server.base_url)
    client = client_for(bob)

    assert client.get(EDIT_URL).status_code == 403
    assert _post_form(client, api_key="sk-bob-0000000000000000").status_code == 403
    assert client.post(TEST_URL).status_code == 403
    assert "ends in" not in _text(client.get(SETTINGS_URL))
    assert org_server.requests == []
    assert connection_for(org_a).api_key == ORG_KEY


def test_another_organization_neither_sees_nor_uses_the_key(
    client_for, alice, charlie, org_a, org_b, org_server
):
    save_own_connection(org_a, org_server.base_url)
    client = client_for(charlie)

    page = client.get(SETTINGS_URL)
    client.post(TEST_URL)

    assert "ends in abcd" not in _text(page) and org_server.base_url not in _text(page)
    assert org_server.requests == []
    assert not OrganizationLLM.objects.filter(organization=org_b).exists()


# --- Test connection --------------------------------------------------------------------------


def _test(client_for, user) -> str:
    response = client_for(user).post(TEST_URL, follow=True)
    assert response.status_code == 200
    return _text(response)


def test_a_working_connection_says_so_and_sends_the_key_to_the_orgs_server(
    client_for, alice, org_a, org_server
):
    save_own_connection(org_a, org_server.base_url)
    org_server.enqueue(json_completion({"ok": True}))

    page = _test(client_for, alice)

    assert "Connected: this organization's own connection answered with org-model" in page
    [request] = org_server.http.requests_to("/v1/chat/completions")
    assert request.headers["authorization"] == f"Bearer {ORG_KEY}"
    assert org_server.requests[0]["model"] == "org-model"
    row = OrganizationLLM.objects.get(organization=org_a)
    assert row.test_ok is True and row.tested_at is not None


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        (lambda fake: fake.status(401), "refused the API key (401 Unauthorized)"),
        (
            lambda fake: fake.status(
                404, "The model `org-model` does not exist", code="model_not_found"
            ),
            "does not know the model “org-model” (404)",
        ),
        (lambda fake: fake.insufficient_quota(), "no quota or credit left"),
        (lambda fake: fake.server_error(503), "had a problem (503)"),
    ],
)
def test_a_refusal_says_why(client_for, alice, org_a, org_server, script, expected):
    save_own_connection(org_a, org_server.base_url)
    script(org_server)

    page = _test(client_for, alice)

    assert "The connection test failed" in page and expected in page
    assert OrganizationLLM.objects.get(organization=org_a).test_ok is False


def test_a_provider_that_quotes_the_key_back_does_not_get_it_shown(
    client_for, alice, org_a, org_server
):
    save_own_connection(org_a, org_server.base_url)
    org_server.status(401, f"Incorrect API key provided: {ORG_KEY}.")

    page = _test(client_for, alice)

    assert "401" in page and ORG_KEY not in page
    assert ORG_KEY not in OrganizationLLM.objects.get(organization=org_a).test_message


def test_a_server_that_does_not_answer_in_time_is_a_timeout(
    client_for, alice, org_a, org_server, monkeypatch
):
    monkeypatch.setattr(llm_connection, "TEST_TIMEOUT_SECONDS", 0.3)
    save_own_connection(org_a, org_server.base_url)
    org_server.slow(5, json_completion({}))

    page = _test(client_for, alice)

    assert "did not answer within 0.3 seconds (timeout)" in page


def test_a_name_that_does_not_resolve_is_a_dns_failure(client_for, alice, org_a):
    save_own_connection(org_a, "")
    # The name stopped resolving after it was saved (saving checks it resolves).
    OrganizationLLM.objects.filter(organization=org_a).update(
        base_url="http://no-such-host.invalid/v1"
    )

    page = _test(client_for, alice)

    assert "The name no-such-host.invalid does not resolve (DNS)" in page


def test_a_closed_port_is_a_refused_connection(client_for, alice, org_a):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    save_own_connection(org_a, f"http://127.0.0.1:{port}/v1")

    page = _test(client_for, alice)

    assert "127.0.0.1 refused the connection" in page


def test_an_address_that_turned_private_is_refused_at_connection_time(
    client_for, alice, org_a, org_server, settings
):
    save_own_connection(org_a, org_server.base_url)
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False

    page = _test(client_for, alice)

    assert "This address may not be used" in page and "a loopback address" in page
    assert org_server.requests == []


def test_a_key_no_configured_encryption_key_opens_is_reported(client_for, alice, org_a, settings):
    save_own_connection(org_a, "")
    settings.FIELD_ENCRYPTION_KEYS = [new_fernet_key()]

    page = _test(client_for, alice)

    assert "cannot be decrypted with FIELD_ENCRYPTION_KEY" in page
    with pytest.raises(LLMConnectionBroken):
        connection_for(org_a)


def test_the_key_never_reaches_a_log_line(org_a, alice, org_server, caplog):
    caplog.set_level(logging.DEBUG)
    save_own_connection(org_a, org_server.base_url)
    org_server.status(401, f"Incorrect API key provided: {ORG_KEY}.")

    outcome = llm_connection_test(organization=org_a, actor=_owner(org_a))

    assert not outcome.ok
    logged = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    assert ORG_KEY not in logged


def test_a_test_with_no_llm_anywhere_says_so(org_a, alice, settings):
    settings.OPENAI_API_KEY = settings.OPENAI_BASE_URL = None

    outcome = llm_connection_test(organization=org_a, actor=_owner(org_a))

    assert not outcome.ok and "No LLM is configured" in outcome.message


def test_a_source_outside_the_choices_is_refused(org_a, alice):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        llm_connection.llm_connection_update(
            organization=org_a, actor=_owner(org_a), source="elsewhere"
        )
    assert LLMSource.values == ["installation", "own"]


def test_a_base_url_where_no_api_answers_is_a_wrong_address(client_for, alice, org_a, org_server):
    save_own_connection(org_a, org_server.http.url + "/not-the-api")

    page = _test(client_for, alice)

    assert "answers like an OpenAI-compatible API (404): check the base URL" in page


def test_tests_are_limited_per_minute_and_the_extra_ones_send_nothing(org_a, alice, org_server):
    save_own_connection(org_a, org_server.base_url)
    owner = _owner(org_a)

    outcomes = [
        llm_connection_test(organization=org_a, actor=owner)
        for _ in range(llm_connection.TESTS_PER_MINUTE + 2)
    ]

    assert all(outcome.ok for outcome in outcomes[: llm_connection.TESTS_PER_MINUTE])
    assert "try again in a minute" in outcomes[-1].message
    assert len(org_server.requests) == llm_connection.TESTS_PER_MINUTE
    assert OrganizationLLM.objects.get(organization=org_a).test_ok is True
