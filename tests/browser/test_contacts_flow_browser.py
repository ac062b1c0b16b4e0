"""The whole outreach path in Chromium, as the issue's "done when" tells it: from a report,
View contacts; Find contacts (a real worker asks the web-search provider, served locally);
import the suggestion; draft an email that cites the article; copy it, check the mail-client
link; mark it sent. Then the contact's data is exported and the contact erased."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from contacts.models import BrandContact, DiscoveryRun, EmailDraft, ErasureRecord
from contacts.services.discovery import discovery_settings_update
from tests.contacts.builders import add_mention, make_article, make_brand, make_report
from tests.harness.http_server import Reply

pytestmark = pytest.mark.browser

SEARCH_PATH = "/res/v1/web/search"
ARTICLE_URL = "https://news.example/acme-lyon-plant"
PROFILE = {
    "title": "Jane Doe \N{EN DASH} Head of PR \N{EN DASH} Acme | LinkedIn",
    "url": "https://www.linkedin.com/in/jane-doe-acme",
    "description": "Head of PR at Acme. Press and media relations.",
}


@pytest.fixture
def outreach(org_a, alice, http_server, settings):
    settings.OPENAI_API_KEY = settings.OPENAI_BASE_URL = ""  # The template writes the draft.
    settings.SEARCH_API_URL = http_server.url_for(SEARCH_PATH)
    settings.SEARCH_API_KEY = "test-key"
    http_server.add_route(
        SEARCH_PATH,
        Reply(
            body=json.dumps({"web": {"results": [PROFILE]}}),
            headers={"Content-Type": "application/json"},
        ),
    )
    discovery_settings_update(
        organization=org_a,
        actor=alice,
        enabled=True,
        accept_notice=True,
        role_keywords="PR, press",
        retention_days=30,
    )
    acme = make_brand(org_a, "Acme")  # No website: only the search provider runs.
    article = make_article(org_a, "/acme-lyon-plant", title="Acme opens a plant in Lyon")
    report = make_report(article, summary="Acme opened a plant in Lyon.", topic="industry")
    add_mention(report, acme)
    return report


def open_contacts(page: Page, live_server, report) -> None:
    page.goto(f"{live_server.url}{report.get_absolute_url()}")
    page.get_by_role("link", name="View contacts").click()
    expect(page.locator("#drawer-root")).to_have_class("drawer-root open")
    expect(page.get_by_role("heading", name="Contacts for this article")).to_be_visible()


def test_from_a_report_to_a_sent_email_that_cites_the_article(
    log_in, live_server, alice, org_a, outreach, celery_worker, http_server
):
    page = log_in("alice")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    open_contacts(page, live_server, outreach)
    drawer = page.locator(".drawer")
    expect(drawer).to_contain_text("No contacts at Acme yet.")

    # Find contacts: the worker asks the search API; the page comes back with a toast.
    drawer.get_by_role("button", name="Find contacts").click()
    expect(page.locator(".toast").first).to_be_visible()
    run = DiscoveryRun.objects.get()
    for _ in range(100):
        run.refresh_from_db()
        if run.is_finished:
            break
        page.wait_for_timeout(100)
    assert run.status == "succeeded", run.messages
    assert http_server.requests_to(SEARCH_PATH)

    # The suggestion, with where it was found; import it from the drawer.
    open_contacts(page, live_server, outreach)
    suggestion = drawer.locator("li.suggestion")
    expect(suggestion).to_contain_text("Jane Doe")
    expect(suggestion).to_contain_text("Head of PR")
    expect(suggestion.get_by_role("link", name=PROFILE["url"])).to_be_visible()
    suggestion.get_by_role("button", name="Import contact").click()
    expect(page.locator(".toast").last).to_contain_text("Jane Doe imported as a contact")
    jane = BrandContact.objects.get(full_name="Jane Doe")
    assert not jane.suggested and jane.source == "web_search"
    assert jane.source_url == PROFILE["url"]

    # Draft an email about the article, from the same drawer.
    drawer.get_by_role("link", name="Draft email").click()
    expect(page.get_by_role("heading", name="Email to Jane Doe")).to_be_visible()
    body = page.get_by_label("Email", exact=True).input_value()
    assert "Acme opens a plant in Lyon" in body and ARTICLE_URL in body
    subject = page.get_by_label("Subject").input_value()

    page.get_by_role("button", name="Copy to clipboard").click()
    expect(page.locator("[data-copy-status]")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == f"Subject: {subject}\n\n{body}"

    href = page.get_by_role("link", name="Open in email client").get_attribute("href")
    parts = urlsplit(href)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert parts.scheme == "mailto"
    assert query["subject"] == subject and query["body"] == body.replace("\n", "\r\n")

    page.get_by_role("button", name="Mark as sent").click()
    expect(page.locator(".toast").last).to_contain_text("sent")
    draft = EmailDraft.objects.get()
    jane.refresh_from_db()
    assert draft.sent and draft.report == outreach and draft.contact == jane
    assert jane.last_contacted_at == draft.sent_at


def test_a_contacts_data_is_exported_then_the_contact_is_erased(
    log_in, live_server, alice, org_a, outreach
):
    jane = BrandContact.objects.create(
        organization=org_a,
        brand=outreach.mentions.get().brand,
        full_name="Jane Doe",
        email="jane@acme.example",
        source="web_search",
        source_url=PROFILE["url"],
    )
    page = log_in("alice")
    page.goto(f"{live_server.url}{jane.get_absolute_url()}")

    with page.expect_download() as download:
        page.get_by_role("link", name="Export data (JSON)").click()
    exported = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert exported["contact"]["email"] == "jane@acme.example"
    assert PROFILE["url"] in json.dumps(exported)

    page.get_by_role("link", name="Erase…").click()
    expect(page.locator("#drawer-root")).to_have_class("drawer-root open")
    page.get_by_label("Reason").fill("Data-subject request received by email")
    page.locator(".drawer").get_by_role("button", name="Erase for good").click()

    expect(page.locator(".toast").last).to_contain_text("were erased")
    assert not BrandContact.objects.filter(pk=jane.pk).exists()
    record = ErasureRecord.objects.get()
    assert (
        "jane"
        not in json.dumps(
            {field.name: str(getattr(record, field.name)) for field in record._meta.fields}
        ).lower()
    )
