"""Errors reach Sentry without personal data: the real SDK, real envelopes, a local receiver.

The SDK is set up exactly as the settings do it (``init_error_tracking``) with its DSN pointing
at a local HTTP server; the assertions read the decompressed bytes the SDK posted, so a
contact's data is caught wherever in the event it might have gone.
"""

from __future__ import annotations

import logging
import re
import shutil
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest
import sentry_sdk
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from marketing_hunting.error_tracking import ROOT, default_release, init_error_tracking
from tests.contacts.builders import make_brand, make_contact
from tests.harness.sentry_server import SentryReceiver
from tests.harness.waiting import ceiling, wait_for
from tests.harness.web_process import web_process

RELEASE = "marketing-hunting@9.8.7+test"
ENVIRONMENT = "sentry-test-env"

# A contact and an article no event may carry, in every spelling a test can check.
FIRST, LAST = "Zofia", "Kowalczyk"
EMAIL = "zofia.kowalczyk@acme-brands.example"
PHONE = "+44 20 7946 0958"
ARTICLE = "quarterly loss deepened amid the recall of the spruce-flavoured sodas"
SECRETS = [FIRST, LAST, EMAIL, "zofia.kowalczyk", "7946 0958", "79460958", "spruce-flavoured"]
COOKIE = "sessionid-9f8e7d6c5b4a"
TOKEN = "Bearer tok-1a2b3c4d5e6f"
QUERY = "who-searched-for-zofia"


def assert_no_personal_data(raw: bytes, *extra: str) -> None:
    for value in [*SECRETS, *extra]:
        assert value.encode() not in raw, f"{value!r} was sent to Sentry"


@pytest.fixture
def receiver() -> Iterator[SentryReceiver]:
    server = SentryReceiver()
    yield server
    server.close()


@pytest.fixture
def sentry(receiver: SentryReceiver) -> Iterator[SentryReceiver]:
    init_error_tracking(
        dsn=receiver.dsn, release=RELEASE, environment=ENVIRONMENT, traces_sample_rate=1.0
    )
    try:
        yield receiver
    finally:
        sentry_sdk.flush(timeout=30)
        sentry_sdk.get_client().close()
        # Later tests in this process must not report anywhere.
        sentry_sdk.get_global_scope().set_client(None)


@pytest.fixture
def contact(org_a):
    brand = make_brand(org_a, "Acme Sodas")
    return make_contact(brand, f"{FIRST} {LAST}", email=EMAIL, phone=PHONE)


def test_a_failing_view_is_reported_without_the_contacts_data(
    receiver, contact, alice, transactional_db
):
    # The web process as production runs it (uvicorn, ASGI), configured by the settings from
    # the same variables an operator sets.
    session = Client()
    session.force_login(alice, backend="django.contrib.auth.backends.ModelBackend")
    session_id = session.cookies["sessionid"].value
    sentry_env = {
        "DJANGO_SETTINGS_MODULE": "tests.marketing_hunting.sentry_settings",
        "SENTRY_DSN": receiver.dsn,
        "SENTRY_RELEASE": RELEASE,
        "SENTRY_ENVIRONMENT": ENVIRONMENT,
        "SENTRY_TRACES_SAMPLE_RATE": "1.0",
    }
    with web_process(**sentry_env) as base_url:
        request = urllib.request.Request(
            f"{base_url}/test-sentry/draft/{contact.pk}/?q={QUERY}",
            data=urllib.parse.urlencode({"article_text": ARTICLE, "email": EMAIL}).encode(),
            headers={
                "Authorization": TOKEN,
                "Cookie": f"sessionid={session_id}; tracking={COOKIE}",
                "X-Forwarded-For": "203.0.113.77",
            },
        )
        with pytest.raises(urllib.error.HTTPError) as failed:
            urllib.request.urlopen(request, timeout=ceiling(60))
        assert failed.value.code == 500
        # The SDK sends from a background thread: wait for the error and the request's trace.
        assert wait_for(lambda: sentry_types(receiver) >= {"event", "transaction"}, timeout=60), (
            f"the receiver got {sentry_types(receiver)}"
        )

    for envelope in receiver.envelopes():
        assert_no_personal_data(
            envelope.raw, COOKIE, TOKEN, QUERY, session_id, alice.email, "203.0.113.77"
        )
    envelope, event = receiver.events()[0]
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    # Capitalised words (names) go too, so the sentence's first word is filtered with them.
    assert event["exception"]["values"][-1]["value"] == (
        "[Filtered] not draft for [Filtered] [Filtered] <[Filtered]>, phone [Filtered]"
    )
    assert (event["release"], event["environment"]) == (RELEASE, ENVIRONMENT)
    assert b'"sentry-test-env"' in envelope.raw and RELEASE.encode() in envelope.raw
    integrations = set(event["sdk"]["integrations"])
    assert {"django", "celery", "logging", "redis"} <= integrations
    assert "openai" not in integrations  # auto-enabled integrations are off
    assert event["request"]["method"] == "POST"
    assert event["request"]["url"].endswith(f"/test-sentry/draft/{contact.pk}/")
    # The view's locals are there, text filtered, ids kept for debugging.
    frame = event["exception"]["values"][-1]["stacktrace"]["frames"][-1]
    assert frame["function"] == "draft_for_contact"
    assert frame["vars"]["contact_id"] == str(contact.pk)  # the SDK sends reprs
    assert frame["vars"]["email"] == "[Filtered]"
    # The log line before the failure is a breadcrumb: its template, not its arguments.
    messages = [crumb.get("message") for crumb in event["breadcrumbs"]["values"]]
    assert "Drafting an email to %s <%s> about %s" in messages


def sentry_types(receiver: SentryReceiver) -> set[str]:
    return {header["type"] for env in receiver.envelopes() for header, _body in env.items}


def test_a_logged_error_is_reported_as_its_template(sentry, db):
    logging.getLogger("contacts.outreach").error(
        "Bounce from %s for %s %s", EMAIL, FIRST, LAST, extra={"contact_email": EMAIL}
    )
    try:
        raise ValueError(f"Mailbox of {FIRST} {LAST} <{EMAIL}> is full, call {PHONE}")
    except ValueError:
        logging.getLogger("contacts.outreach").exception("Sending to %s failed", EMAIL)
    sentry_sdk.flush(timeout=30)

    assert wait_for(lambda: len(sentry.events()) >= 2, timeout=30), "the errors were not sent"
    for envelope, _event in sentry.events():
        assert_no_personal_data(envelope.raw)
    logged, raised = (event for _envelope, event in sentry.events())
    assert logged["logentry"]["message"] == "Bounce from %s for %s %s"
    assert logged["logger"] == "contacts.outreach"
    assert logged["release"] == RELEASE
    assert raised["exception"]["values"][-1]["type"] == "ValueError"
    assert raised["environment"] == ENVIRONMENT


def test_a_dsn_without_a_project_stops_start_up_without_showing_its_key():
    with pytest.raises(ImproperlyConfigured) as error:
        init_error_tracking(
            dsn="https://k3y-s3cret@sentry.example.com/",
            release=RELEASE,
            environment=ENVIRONMENT,
            traces_sample_rate=0.0,
        )
    assert "SENTRY_DSN for sentry.example.com is not a Sentry DSN" in str(error.value)
    assert "k3y-s3cret" not in str(error.value)


def test_the_release_is_the_package_version_and_the_commit_when_there_is_one(tmp_path):
    release = default_release()
    if (ROOT / ".git").exists():  # a checkout (CI, development); not an exported tree
        assert re.fullmatch(r"marketing-hunting@0\.1\.0\+[0-9a-f]{12}", release), release
    # A container image has no .git: the version alone.
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    assert default_release(tmp_path) == "marketing-hunting@0.1.0"
