"""The email draft drawer in Chromium: copy to clipboard, the mailto link, save, mark sent."""

# ruff: noqa: F811 - the drafting world's fixtures are imported, and tests take them by name.

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from contacts.drafting.mailto import mailto_link
from contacts.models import EmailDraft
from tests.contacts.drafting_world import (  # noqa: F401 - acme: what jane and report need
    ARTICLE_URL,
    acme,
    jane,
    no_llm,
    report,
)

pytestmark = pytest.mark.browser


def open_draft(page: Page, live_server, contact, report=None, **params: str) -> None:
    """Open the drawer from the drafts list as a "Draft email" button would (hx-get)."""
    page.goto(f"{live_server.url}/contacts/drafts/")
    expect(page.get_by_role("heading", name="Email drafts", level=1)).to_be_visible()
    query = f"contact={contact.pk}" + (f"&report={report.pk}" if report else "")
    query += "".join(f"&{key}={value}" for key, value in params.items())
    page.evaluate(
        "url => htmx.ajax('GET', url, {target: '#drawer', swap: 'innerHTML'})",
        f"/contacts/drafts/new/?{query}",
    )
    expect(page.locator("#drawer-root")).to_have_class("drawer-root open")
    expect(page.get_by_role("heading", name=f"Email to {contact.full_name}")).to_be_visible()


def mailto_fields(page: Page) -> tuple[str, dict[str, str]]:
    href = page.get_by_role("link", name="Open in email client").get_attribute("href")
    parts = urlsplit(href)
    assert parts.scheme == "mailto"
    query = parse_qs(parts.query, keep_blank_values=True)
    return parts.path, {key: values[0] for key, values in query.items()}


def test_copy_to_clipboard_copies_the_subject_and_the_body(
    log_in, live_server, no_llm, alice, jane, report
):
    page = log_in("alice")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    open_draft(page, live_server, jane, report)
    page.get_by_label("Subject").fill("Lyon & more?")

    page.get_by_role("button", name="Copy to clipboard").click()

    expect(page.locator("[data-copy-status]")).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    body = page.get_by_label("Email", exact=True).input_value()
    assert copied == f"Subject: Lyon & more?\n\n{body}"
    assert ARTICLE_URL in copied and body.startswith("Hello Jane,")


def test_without_the_clipboard_api_copy_uses_a_hidden_textarea(
    log_in, live_server, no_llm, alice, jane
):
    page = log_in("alice")
    # As on a plain http:// address: no navigator.clipboard. Record what execCommand copies.
    page.add_init_script(
        """
        Object.defineProperty(Navigator.prototype, "clipboard", {get: () => undefined});
        const copy = document.execCommand.bind(document);
        document.execCommand = (command) => {
          const area = document.querySelector("textarea[data-copy-fallback]");
          window.__copied = area && document.activeElement === area ? area.value : null;
          return copy(command);
        };
        """
    )
    open_draft(page, live_server, jane)

    page.get_by_role("button", name="Copy to clipboard").click()

    expect(page.locator("[data-copy-status]")).to_have_text("Copied")
    subject = page.get_by_label("Subject").input_value()
    body = page.get_by_label("Email", exact=True).input_value()
    assert page.evaluate("window.__copied") == f"Subject: {subject}\n\n{body}"
    expect(page.locator("textarea[data-copy-fallback]")).to_have_count(0)  # cleaned up


def test_the_email_link_follows_the_edited_subject_and_body(
    log_in, live_server, no_llm, alice, jane, report
):
    page = log_in("alice")
    open_draft(page, live_server, jane, report)
    address, before = mailto_fields(page)
    assert address == "jane@acme.example" and ARTICLE_URL in before["body"]

    page.get_by_label("Subject").fill("Zoë's plant: 100% & #1?")
    page.get_by_label("Email", exact=True).fill(
        "Hi Jane,\n\nSee https://news.example/a?b=1&c=2#top\n\nAlice"
    )

    _, after = mailto_fields(page)
    assert after == {
        "subject": "Zoë's plant: 100% & #1?",
        "body": "Hi Jane,\r\n\r\nSee https://news.example/a?b=1&c=2#top\r\n\r\nAlice",
    }


def test_a_long_email_gives_the_same_cut_link_as_the_server(
    log_in, live_server, no_llm, alice, jane
):
    page = log_in("alice")
    open_draft(page, live_server, jane)
    expect(page.locator("[data-mailto-cut]")).to_be_hidden()
    body = "\n\n".join(f"Paragraph {n}: " + "élan and more words " * 15 for n in range(10))

    page.get_by_label("Email", exact=True).fill(body)

    subject = page.get_by_label("Subject").input_value()
    expected, cut = mailto_link(to=jane.email, subject=subject, body=body)
    assert cut
    link = page.get_by_role("link", name="Open in email client")
    expect(link).to_have_attribute("href", expected)
    expect(page.locator("[data-mailto-cut]")).to_be_visible()


def test_a_long_emoji_subject_gives_the_same_cut_link_as_the_server(
    log_in, live_server, no_llm, alice, jane
):
    # Issue #17, item 6: the subject counts at its encoded length (12 characters an emoji).
    page = log_in("alice")
    open_draft(page, live_server, jane)
    subject = "Launch " + "🎉" * 299

    page.get_by_label("Subject").fill(subject)

    body = page.get_by_label("Email", exact=True).input_value()
    expected, cut = mailto_link(to=jane.email, subject=subject, body=body)
    assert cut and len(expected) <= 1800
    link = page.get_by_role("link", name="Open in email client")
    expect(link).to_have_attribute("href", expected)
    expect(page.locator("[data-mailto-cut]")).to_be_visible()


def test_changing_the_tone_writes_the_draft_again(log_in, live_server, no_llm, alice, jane):
    page = log_in("alice")
    open_draft(page, live_server, jane)

    page.get_by_label("Tone").select_option("casual")

    expect(page.get_by_label("Email", exact=True)).to_have_value(re.compile(r"^Hey Jane,\n"))
    expect(page.get_by_label("Email", exact=True)).to_have_value(re.compile(r"\n\nCheers,\n"))
    expect(page.get_by_label("Tone")).to_have_value("casual")


def test_save_draft_then_mark_as_sent(log_in, live_server, no_llm, alice, jane, report):
    page = log_in("alice")
    open_draft(page, live_server, jane, report)
    page.get_by_label("Subject").fill("Your Lyon plant")

    page.get_by_role("button", name="Save draft").click()

    expect(page.locator("[data-draft-saved]")).to_have_text("Draft saved.")
    draft = EmailDraft.objects.get()
    assert (draft.subject, draft.contact_id, draft.report_id) == (
        "Your Lyon plant",
        jane.pk,
        report.pk,
    )
    assert ARTICLE_URL in draft.body and not draft.sent

    page.get_by_role("button", name="Mark as sent").click()

    # Back on the page behind the drawer (the drafts list), reloaded with a toast.
    expect(page.locator(".toast")).to_contain_text("Email to Jane Doe marked as sent.")
    expect(page.locator(f"#draft-{draft.pk} .badge.ok")).to_contain_text("sent")
    expect(page.locator("#drawer-root")).to_be_hidden()
    draft.refresh_from_db()
    jane.refresh_from_db()
    assert draft.sent and jane.last_contacted_at is not None
    assert EmailDraft.objects.count() == 1
