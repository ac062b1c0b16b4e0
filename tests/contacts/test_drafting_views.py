"""The draft drawer, the drafts list and the templates page."""

import re
from html import unescape

import pytest
from django.urls import reverse

from contacts.drafting.mailto import mailto_link
from contacts.models import EmailDraft, EmailTemplate
from tests.contacts.builders import make_article, make_brand, make_contact, make_report
from tests.contacts.drafting_world import ARTICLE_URL

HTMX = {"HTTP_HX_REQUEST": "true"}


NEW = reverse("contacts:draft_new")


def open_new(client, contact, about=None, **params):
    query = {"contact": contact.pk, **params}
    if about is not None:
        query["report"] = about.pk
    return client.get(NEW, query, **HTMX)


def field(response, name: str) -> str:
    """A field's value in the drawer's HTML (template partials are not in response.context)."""
    page = response.content.decode()
    found = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page) or re.search(
        rf'<textarea[^>]*name="{name}"[^>]*>\n?(.*?)</textarea>', page, re.S
    )
    assert found, f"no {name} field"
    return unescape(found.group(1))


def provenance(response) -> str:
    return field(response, "provenance")


def save(client, url, response, *, action="save", subject="Edited subject", body="Edited body"):
    data = {
        "provenance": provenance(response),
        "template": "pitch",
        "tone": "professional",
        "subject": subject,
        "body": body,
        "next": "/reports/",
        "_action": action,
    }
    return client.post(url, data, **HTMX)


def test_draft_email_opens_the_template_draft_in_the_drawer_with_copy_and_mailto(
    no_llm, client_for, alice, jane, report
):
    response = open_new(client_for(alice), jane, report)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # the drawer partial only
    subject, body = field(response, "subject"), field(response, "body")
    assert ARTICLE_URL in body
    assert "The AI draft is unavailable (no language model is configured)" in html
    assert "Copy to clipboard" in html and "Open in email client" in html
    link, _ = mailto_link(to=jane.email, subject=subject, body=body)
    [href] = re.findall(r'<a class="button" href="([^"]*)" data-mailto', html)
    assert unescape(href) == link
    assert not EmailDraft.objects.exists()  # composing saves nothing


def test_without_htmx_the_draft_is_a_whole_page(no_llm, client_for, alice, jane):
    response = client_for(alice).get(NEW, {"contact": jane.pk})

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and "Save draft" in html and "Mark as sent" in html
    # Loaded with the page, never with the drawer (a swapped-in script arrives too late).
    assert "js/drafts.js" in html


def test_the_ai_draft_is_shown_without_a_notice(openai_server, client_for, alice, jane, report):
    body = f"Hi Jane,\n\nAbout your plant:\n{ARTICLE_URL}\n\nAlice"
    openai_server.reply_json({"subject": "AI subject", "body": body})

    response = open_new(client_for(alice), jane, report)

    html = response.content.decode()
    assert 'value="AI subject"' in html
    assert "The AI draft is unavailable" not in html
    assert "Written by the AI" in html


def test_when_the_ai_is_down_the_page_offers_the_template_draft(
    openai_server, client_for, alice, jane, report
):
    openai_server.rate_limited(retry_after=60)

    response = open_new(client_for(alice), jane, report)

    assert response.status_code == 200
    html = response.content.decode()
    assert (
        "The AI draft is unavailable (the AI service is rate limiting requests); "
        "this is the template draft." in html
    )
    assert field(response, "subject") == "Acme Corp in news.example: an idea for Acme Corp"


def test_changing_template_and_tone_writes_the_draft_again(no_llm, client_for, alice, jane, report):
    response = open_new(client_for(alice), jane, report, template="thank_you", tone="casual")

    assert field(response, "subject") == "Thank you, and congratulations on news.example"
    body = field(response, "body")
    assert body.startswith("Hey Jane,") and "Cheers," in body


def test_a_do_not_contact_contact_gets_a_message_instead_of_a_draft(
    openai_server, client_for, alice, acme
):
    blocked = make_contact(acme, "Sam Stop", email="sam@acme.example", do_not_contact=True)

    response = open_new(client_for(alice), blocked)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Sam Stop is marked “do not contact”" in html
    assert "Save draft" not in html and "Copy to clipboard" not in html
    assert openai_server.requests == []


def test_saving_stores_the_edited_draft_and_keeps_the_drawer_open(
    no_llm, client_for, alice, jane, report
):
    client = client_for(alice)
    opened = open_new(client, jane, report)

    response = save(client, NEW, opened, body="Line one\r\nLine two")

    assert response.status_code == 200
    draft = EmailDraft.objects.get()
    assert (draft.subject, draft.body) == ("Edited subject", "Line one\nLine two")
    assert (draft.contact, draft.report, draft.created_by, draft.model) == (jane, report, alice, "")
    html = response.content.decode()
    assert "Draft saved." in html
    assert f'hx-post="{reverse("contacts:draft_edit", args=[draft.pk])}"' in html
    assert "Edited+subject" not in html and "Edited%20subject" in html  # the mailto follows


def test_saving_without_javascript_goes_to_the_saved_draft(no_llm, client_for, alice, jane):
    client = client_for(alice)
    opened = open_new(client, jane)
    data = {"provenance": provenance(opened), "subject": "S", "body": "B", "_action": "save"}

    response = client.post(NEW, data)

    draft = EmailDraft.objects.get()
    assert response.status_code == 302 and response["Location"] == draft.get_absolute_url()


def test_the_ai_model_and_tokens_are_saved_with_the_draft(
    openai_server, settings, client_for, alice, jane, report
):
    settings.OPENAI_MODEL = "gpt-4o-mini"
    openai_server.reply_json(
        {"subject": "AI", "body": f"Body {ARTICLE_URL}"}, prompt_tokens=500, completion_tokens=60
    )
    client = client_for(alice)
    opened = open_new(client, jane, report)

    save(client, NEW, opened)

    draft = EmailDraft.objects.get()
    assert (draft.model, draft.tokens_in, draft.tokens_out) == ("gpt-4o-mini", 500, 60)


def test_a_form_with_errors_stays_in_the_drawer(no_llm, client_for, alice, jane):
    client = client_for(alice)
    opened = open_new(client, jane)

    response = save(client, NEW, opened, subject="  ", body="Kept text")

    assert response.status_code == 200
    assert "Write a subject." in response.content.decode()
    assert field(response, "body") == "Kept text"
    assert not EmailDraft.objects.exists()


def test_mark_as_sent_saves_marks_and_returns_to_the_page_behind(
    no_llm, client_for, alice, jane, report
):
    client = client_for(alice)
    opened = open_new(client, jane, report)

    response = save(client, NEW, opened, action="sent")

    assert response.status_code == 200 and response["HX-Redirect"] == "/reports/"
    draft = EmailDraft.objects.get()
    jane.refresh_from_db()
    assert draft.sent and draft.sent_at and jane.last_contacted_at


def test_a_tampered_provenance_is_refused(no_llm, client_for, alice, jane):
    client = client_for(alice)
    opened = open_new(client, jane)
    data = {"provenance": provenance(opened) + "x", "subject": "S", "body": "B"}

    response = client.post(NEW, data, **HTMX)

    assert response.status_code == 400
    assert not EmailDraft.objects.exists()


def test_another_organizations_contact_report_and_drafts_are_not_found(
    no_llm, client_for, alice, charlie, org_b, jane, report
):
    theirs = make_contact(make_brand(org_b, "Initech"), "Peter Gibbons")
    their_report = make_report(make_article(org_b, "/initech"))
    client = client_for(charlie)
    their_drawer = client.get(NEW, {"contact": theirs.pk}, **HTMX)
    save(client, NEW, their_drawer)
    their_draft = EmailDraft.objects.get()
    mine = client_for(alice)

    assert open_new(mine, theirs).status_code == 404
    assert open_new(mine, jane, their_report).status_code == 404
    assert mine.get(NEW, **HTMX).status_code == 404  # no contact at all
    # Charlie's signed form does not let Alice draft to Charlie's contact.
    assert save(mine, NEW, their_drawer).status_code == 404
    for name in ("draft_edit", "draft_delete"):
        assert mine.get(reverse(f"contacts:{name}", args=[their_draft.pk])).status_code == 404
    for name in ("draft_sent", "draft_delete"):
        assert mine.post(reverse(f"contacts:{name}", args=[their_draft.pk])).status_code == 404
    assert their_draft.subject not in mine.get(reverse("contacts:draft_list")).content.decode()
    their_draft.refresh_from_db()
    assert not their_draft.sent


@pytest.fixture
def saved_draft(org_a, alice, jane, report):
    return EmailDraft.objects.create(
        organization=org_a,
        contact=jane,
        report=report,
        subject="Saved subject",
        body="Saved body",
        template="pitch",
        tone="formal",
        generated_at=report.analysed_at,
        created_by=alice,
    )


def test_a_saved_draft_opens_and_saves_its_edits(no_llm, client_for, alice, saved_draft):
    client = client_for(alice)
    url = reverse("contacts:draft_edit", args=[saved_draft.pk])
    opened = client.get(url, **HTMX)
    assert 'value="Saved subject"' in opened.content.decode()

    save(client, url, opened, subject="New subject")

    saved_draft.refresh_from_db()
    assert saved_draft.subject == "New subject" and EmailDraft.objects.count() == 1


def test_a_sent_draft_opens_read_only(no_llm, client_for, alice, saved_draft):
    saved_draft.sent = True
    saved_draft.sent_at = saved_draft.generated_at
    saved_draft.save()

    html = client_for(alice).get(reverse("contacts:draft_edit", args=[saved_draft.pk])).content
    html = html.decode()
    assert "Marked as sent on" in html and "Save draft" not in html
    assert "Copy to clipboard" in html


def test_a_saved_draft_to_a_contact_now_marked_do_not_contact_cannot_be_used(
    no_llm, client_for, alice, jane, saved_draft
):
    jane.do_not_contact = True
    jane.save()
    client = client_for(alice)
    url = reverse("contacts:draft_edit", args=[saved_draft.pk])

    opened = client.get(url, **HTMX)
    posted = save(client, url, opened, action="sent")

    html = opened.content.decode()
    assert "Jane Doe is marked “do not contact”" in html
    assert "Save draft" not in html and "Open in email client" not in html
    assert "do not contact" in posted.content.decode()
    saved_draft.refresh_from_db()
    assert not saved_draft.sent and saved_draft.subject == "Saved subject"


def test_mark_sent_and_delete_from_the_list(no_llm, client_for, alice, jane, saved_draft):
    client = client_for(alice)

    response = client.post(reverse("contacts:draft_sent", args=[saved_draft.pk]))

    assert response.status_code == 302
    saved_draft.refresh_from_db()
    jane.refresh_from_db()
    assert saved_draft.sent and jane.last_contacted_at is not None

    client.post(reverse("contacts:draft_delete", args=[saved_draft.pk]))
    assert not EmailDraft.objects.exists()


def test_the_drafts_list_filters_by_sent(no_llm, client_for, alice, jane, saved_draft):
    EmailDraft.objects.create(
        organization=saved_draft.organization,
        contact=jane,
        subject="Already sent",
        body="B",
        template="thank_you",
        tone="casual",
        generated_at=saved_draft.generated_at,
        sent=True,
        sent_at=saved_draft.generated_at,
    )
    client = client_for(alice)
    url = reverse("contacts:draft_list")

    everything = client.get(url).content.decode()
    unsent = client.get(url, {"status": "unsent"}).content.decode()

    assert "Saved subject" in everything and "Already sent" in everything
    assert "Saved subject" in unsent and "Already sent" not in unsent
    assert "Acme opens a plant in Lyon" in everything  # the report link


# -- The templates page ---------------------------------------------------------------------

TEMPLATES = reverse("contacts:email_templates")


def test_the_templates_page_shows_the_built_in_wording(client_for, alice):
    html = client_for(alice).get(TEMPLATES).content.decode()

    assert "{brand} in {article_source}: an idea for {contact_company}" in html
    assert html.count("built-in") >= 4


def test_an_owner_saves_and_resets_a_template(client_for, alice, org_a):
    client = client_for(alice)
    data = {
        "form": "pitch",
        "_action": "save",
        "pitch-subject": "Idea for {brand}",
        "pitch-body": "{greeting}\n\nMy idea.",
        "pitch-instructions": "",
    }

    response = client.post(TEMPLATES, data)

    assert response.status_code == 302 and response["Location"].endswith("#template-pitch")
    assert EmailTemplate.objects.get(organization=org_a, kind="pitch").subject == "Idea for {brand}"
    assert "customized" in client.get(TEMPLATES).content.decode()

    client.post(TEMPLATES, {"form": "pitch", "_action": "reset"})
    assert not EmailTemplate.objects.exists()


def test_a_misspelt_placeholder_is_shown_next_to_the_field(client_for, alice):
    data = {"form": "pitch", "pitch-subject": "Hi {brnd}", "pitch-body": "Text"}

    response = client_for(alice).post(TEMPLATES, data)

    assert response.status_code == 200
    assert "Unknown placeholder {brnd}" in response.content.decode()
    assert not EmailTemplate.objects.exists()


def test_an_owner_saves_the_sender_profile(client_for, alice, org_a):
    data = {"form": "sender", "sender_name": "Alice M", "sender_email": "bad"}

    response = client_for(alice).post(TEMPLATES, data)

    assert "Enter a valid email address." in response.content.decode()
    data["sender_email"] = "alice@hunt.example"
    client_for(alice).post(TEMPLATES, data)
    assert org_a.contact_settings.sender_email == "alice@hunt.example"


def test_a_new_draft_starts_in_the_organizations_default_tone(
    no_llm, client_for, alice, jane, report, org_a
):
    client = client_for(alice)
    data = {"form": "sender", "sender_name": "Alice M", "default_tone": "casual"}
    client.post(TEMPLATES, data)

    response = open_new(client, jane, report)

    org_a.contact_settings.refresh_from_db()
    assert org_a.contact_settings.default_tone == "casual"
    assert field(response, "body").startswith("Hey Jane,")
    formal = open_new(client, jane, report, tone="formal")
    assert not field(formal, "body").startswith("Hey Jane,")


def test_a_sender_form_without_the_tone_keeps_it_and_a_bad_tone_is_refused(
    client_for, alice, org_a
):
    client = client_for(alice)
    client.post(TEMPLATES, {"form": "sender", "default_tone": "friendly"})

    client.post(TEMPLATES, {"form": "sender", "sender_name": "Alice"})
    bad = client.post(TEMPLATES, {"form": "sender", "default_tone": "shouty"})

    assert "Select a valid choice" in bad.content.decode()
    org_a.contact_settings.refresh_from_db()
    assert org_a.contact_settings.default_tone == "friendly"


def test_a_member_can_read_but_not_change_the_templates(client_for, bob, org_a):
    client = client_for(bob)

    page = client.get(TEMPLATES)
    response = client.post(TEMPLATES, {"form": "pitch", "pitch-subject": "X", "pitch-body": "Y"})
    sender = client.post(TEMPLATES, {"form": "sender", "sender_name": "Bob"})

    assert page.status_code == 200
    assert "Only owners and admins can change" in page.content.decode()
    assert (
        "disabled" in page.content.decode() and "Save pitch template" not in page.content.decode()
    )
    assert response.status_code == 403 and sender.status_code == 403
    assert not EmailTemplate.objects.exists()


def test_another_organizations_templates_are_not_shown(client_for, alice, charlie, org_b):
    EmailTemplate.objects.create(organization=org_b, kind="pitch", subject="Secret B", body="B")

    assert "Secret B" not in client_for(alice).get(TEMPLATES).content.decode()
    assert "Secret B" in client_for(charlie).get(TEMPLATES).content.decode()
