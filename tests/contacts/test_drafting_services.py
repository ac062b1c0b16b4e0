"""Composing drafts (template and AI), saving, marking sent; builders the other drafting
tests use."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from accounts.models import UsageDaily
from contacts.drafting.llm import RESPONSE_FORMAT
from contacts.models import ContactSettings, EmailDraft, EmailTemplate
from contacts.services.drafting import draft_compose, draft_mark_sent, draft_save
from reports.services.usage import usage_record
from resilience import OPENAI, RetryPolicy, get_breaker
from tests.contacts.builders import make_article, make_contact, make_report
from tests.contacts.drafting_world import ARTICLE_TITLE, ARTICLE_URL

NO_WAIT = RetryPolicy(max_attempts=2, max_elapsed=10, initial_wait=0.01, max_wait=0.01)
AI_BODY = f"Hi Jane,\n\nYour Lyon plant made the news:\n{ARTICLE_URL}\n\nBest,\nAlice"


@pytest.fixture
def sender(org_a):
    return ContactSettings.objects.create(
        organization=org_a,
        sender_name="Alice Martin",
        sender_title="Partnerships lead",
        sender_company="Hunt & Co",
        sender_email="alice@hunt.example",
    )


def compose(org, contact, report=None, *, template="pitch", tone="professional", actor=None):
    return draft_compose(
        organization=org,
        contact=contact,
        report=report,
        template=template,
        tone=tone,
        actor=actor,
        policy=NO_WAIT,
    )


# -- Template drafts ------------------------------------------------------------------------


def test_without_an_llm_the_template_writes_a_draft_that_cites_the_article(
    no_llm, org_a, alice, jane, report, sender
):
    composed = compose(org_a, jane, report, actor=alice)

    draft = composed.draft
    assert draft.pk is None and draft.model == "" and (draft.tokens_in, draft.tokens_out) == (0, 0)
    assert draft.subject == "Acme Corp in news.example: an idea for Acme Corp"
    assert draft.body.startswith(
        "Hello Jane,\n\nI read “Acme opens a plant in Lyon” (news.example, "
    )
    assert f"\n{ARTICLE_URL}\n" in draft.body
    assert "you as Head of PR at Acme Corp" in draft.body
    assert draft.body.endswith(
        "Best regards,\nAlice Martin\nPartnerships lead, Hunt & Co\nalice@hunt.example"
    )
    assert "{" not in draft.body
    assert composed.notice == (
        "The AI draft is unavailable (no language model is configured); this is the template draft."
    )


@pytest.mark.parametrize(
    ("tone", "greeting", "closing"),
    [
        ("casual", "Hey Jane,", "Cheers,"),
        ("friendly", "Hi Jane,", "Warm wishes,"),
        ("formal", "Dear Jane Doe,", "Yours sincerely,"),
    ],
)
def test_the_tone_sets_the_greeting_and_closing(
    no_llm, org_a, jane, report, tone, greeting, closing
):
    body = compose(org_a, jane, report, tone=tone).draft.body

    assert body.startswith(greeting + "\n\n")
    assert f"\n\n{closing}\n" in body


def test_without_a_report_the_sentences_about_the_article_are_left_out(no_llm, org_a, jane, alice):
    draft = compose(org_a, jane, None, template="follow_up", actor=alice).draft

    assert draft.subject == "Following up on my last note"
    assert "news" not in draft.body and "“" not in draft.body
    assert draft.body.startswith(
        "Hello Jane,\n\nI wanted to follow up on my earlier note about Acme Corp.\n\n"
    )
    # No sender profile yet: the signature comes from the user and the organization.
    assert draft.body.endswith("Best regards,\nAlice\nOrganization A\nalice@example.com")


# What a draft about an article says, and a draft from a contact page must not.
ARTICLE_TALK = ("story", "article", "news", "moments like this", "congratulat", "build on", "“")


@pytest.mark.parametrize("template", ["pitch", "follow_up", "introduction", "thank_you"])
def test_a_draft_from_a_contact_page_does_not_talk_about_a_story(
    no_llm, org_a, jane, alice, sender, template
):
    draft = compose(org_a, jane, None, template=template, actor=alice).draft

    text = f"{draft.subject}\n{draft.body}".lower()
    assert [words for words in ARTICLE_TALK if words in text] == []
    assert "{" not in text
    assert draft.body.startswith("Hello Jane,\n\n")
    assert "Acme Corp" in draft.body  # It still says why it writes to this contact.
    assert draft.body.endswith("alice@hunt.example")


def test_the_same_template_with_a_report_does_talk_about_the_story(no_llm, org_a, jane, report):
    body = compose(org_a, jane, report, template="pitch").draft.body.lower()

    assert "this story" in body and "acme opens a plant in lyon" in body


def test_the_ai_is_told_there_is_no_article_when_drafting_from_a_contact_page(
    openai_server, org_a, jane, alice
):
    openai_server.reply_json({"subject": "An idea", "body": "Hi Jane,\n\nAn idea.\n\nAlice"})

    compose(org_a, jane, None, template="thank_you", actor=alice)

    [request] = openai_server.requests
    data = json.loads(request["messages"][1]["content"])
    assert data["article"] is None
    assert "There is no article" in data["template"]["goal"]
    assert "article" not in data["template"]["example_body"].lower()
    assert "story" not in data["template"]["example_body"].lower()
    assert 'When "article" is null there is no article' in request["messages"][0]["content"]


def test_the_organizations_own_template_is_used_and_unknown_placeholders_show_as_typed(
    no_llm, org_a, jane, report
):
    EmailTemplate.objects.create(
        organization=org_a,
        kind="thank_you",
        subject="Thanks {contact_first_name}!",
        body="{greeting}\n\nThanks for {contact_nickname}, {contact.__class__} {oops\n\n{closing}",
    )

    draft = compose(org_a, jane, report, template="thank_you").draft

    assert draft.subject == "Thanks Jane!"
    assert draft.body.startswith(
        "Hello Jane,\n\nThanks for {contact_nickname}, {contact.__class__} {oops\n\nBest regards,"
    )
    # The override has no link to the article: the draft still cites it.
    assert draft.body.endswith(f"P.S. The article I mentioned: “{ARTICLE_TITLE}”\n{ARTICLE_URL}")


def test_a_do_not_contact_contact_cannot_be_drafted_to(no_llm, org_a, acme, openai_server):
    blocked = make_contact(acme, "Sam Stop", do_not_contact=True)

    with pytest.raises(ValidationError) as caught:
        compose(org_a, blocked)

    assert "do not contact" in caught.value.message_dict["contact"][0]
    assert openai_server.requests == []


def test_a_suggestion_must_be_imported_before_drafting(no_llm, org_a, acme):
    suggestion = make_contact(acme, "Sue Gest", suggested=True)

    with pytest.raises(ValidationError) as caught:
        compose(org_a, suggestion)

    assert "import the contact first" in caught.value.message_dict["contact"][0]


def test_another_organizations_report_is_refused(no_llm, org_a, org_b, jane):
    foreign = make_report(make_article(org_b, "/elsewhere"))

    with pytest.raises(ValidationError) as caught:
        compose(org_a, jane, foreign)

    assert "report" in caught.value.message_dict


# -- AI drafts ------------------------------------------------------------------------------


def test_the_ai_draft_is_one_structured_call_with_the_report_contact_template_tone_and_sender(
    openai_server, settings, org_a, alice, jane, report, sender
):
    settings.OPENAI_MODEL = "gpt-4o-mini"
    openai_server.reply_json(
        {"subject": "Your Lyon plant", "body": AI_BODY}, prompt_tokens=700, completion_tokens=90
    )

    composed = compose(org_a, jane, report, tone="friendly", actor=alice)

    [request] = openai_server.requests
    assert request["model"] == "gpt-4o-mini"
    assert request["response_format"] == RESPONSE_FORMAT
    assert request["temperature"] == pytest.approx(0.7)
    data = json.loads(request["messages"][1]["content"])
    assert data["article"] == {
        "title": ARTICLE_TITLE,
        "url": ARTICLE_URL,
        "source": "news.example",
        "published": "10 March 2026",
        "summary": "Acme opened a plant in Lyon.",
        "topic": "New plant",
        "sentiment": "positive",
        "brands_mentioned": "Acme Corp and Globex",
    }
    assert data["contact"] == {
        "name": "Jane Doe",
        "first_name": "Jane",
        "role": "Head of PR",
        "company": "Acme Corp",
        "brand": "Acme Corp",
    }
    assert data["template"]["kind"] == "Pitch"
    assert data["template"]["goal"].startswith("Pitch one concrete idea")
    assert data["template"]["example_body"].startswith("Hi Jane,")  # the friendly greeting
    assert data["tone"].startswith("Friendly")
    assert data["sender"]["name"] == "Alice Martin"
    assert data["sender"]["company"] == "Hunt & Co"
    assert "Cite the article" in request["messages"][0]["content"]

    draft = composed.draft
    assert (draft.subject, draft.body) == ("Your Lyon plant", AI_BODY)
    assert (draft.model, draft.tokens_in, draft.tokens_out) == ("gpt-4o-mini", 700, 90)
    assert composed.notice == "" and composed.by_ai and not composed.citation_added
    usage = UsageDaily.objects.get(organization=org_a)
    assert (usage.llm_calls, usage.tokens_in, usage.tokens_out) == (1, 700, 90)
    assert usage.cost > 0


def test_the_organizations_instructions_reach_the_ai(openai_server, org_a, jane, report):
    EmailTemplate.objects.create(
        organization=org_a,
        kind="pitch",
        subject="Idea for {brand}",
        body="{greeting}\n\nOur pitch about {article_url}.\n\n{closing}",
        instructions="Mention our Lyon office.",
    )
    openai_server.reply_json({"subject": "Idea", "body": AI_BODY})

    compose(org_a, jane, report)

    data = json.loads(openai_server.requests[0]["messages"][1]["content"])
    assert data["template"]["goal"] == "Mention our Lyon office."
    assert data["template"]["example_subject"] == "Idea for Acme Corp"
    assert data["template"]["example_body"].startswith("Hello Jane,\n\nOur pitch about https://")


def test_a_citation_line_is_added_when_the_ai_leaves_out_the_article_link(
    openai_server, org_a, jane, report
):
    openai_server.reply_json(
        {"subject": "Hello", "body": "Hi Jane,\n\nGreat news on Lyon.\n\nBest"}
    )

    composed = compose(org_a, jane, report)

    assert composed.citation_added
    assert composed.draft.body == (
        "Hi Jane,\n\nGreat news on Lyon.\n\nBest\n\n"
        f"P.S. The article I mentioned: “{ARTICLE_TITLE}”\n{ARTICLE_URL}"
    )


def test_when_the_quota_is_used_up_the_template_writes_the_draft(
    openai_server, org_a, jane, report
):
    org_a.llm_monthly_token_quota = 1000
    org_a.save()
    usage_record(organization=org_a, tokens_in=900, tokens_out=100, cost=0)

    composed = compose(org_a, jane, report)

    assert openai_server.requests == []
    assert composed.draft.model == "" and ARTICLE_URL in composed.draft.body
    assert composed.notice == (
        "The AI draft is unavailable (this organization's monthly LLM token quota is used up); "
        "this is the template draft."
    )


@pytest.mark.parametrize(
    ("script", "reason"),
    [
        (lambda s: s.rate_limited(retry_after=60), "the AI service is rate limiting requests"),
        (lambda s: [s.server_error(), s.server_error(503)], "the AI service had an error"),
        (lambda s: [s.invalid_json(), s.invalid_json()], "the AI service sent a broken answer"),
        (
            lambda s: s.reply_text("Sure! Dear Jane, ..."),
            "the AI answer could not be used: the answer was not the subject and body asked for",
        ),
        (
            lambda s: s.reply_json({"subject": "Hi"}),
            "the AI answer could not be used: the answer was not the subject and body asked for",
        ),
        (lambda s: s.status(401), "the AI service refused the request"),
        (lambda s: s.insufficient_quota(), "the AI service's quota is used up"),
    ],
)
def test_when_the_ai_fails_the_template_draft_comes_with_a_notice(
    openai_server, org_a, jane, report, script, reason
):
    script(openai_server)

    composed = compose(org_a, jane, report)

    assert composed.notice == f"The AI draft is unavailable ({reason}); this is the template draft."
    assert composed.draft.model == ""
    assert composed.draft.subject == "Acme Corp in news.example: an idea for Acme Corp"
    assert ARTICLE_URL in composed.draft.body
    assert openai_server.pending == 0


def test_a_slow_ai_times_out_into_the_template_draft(openai_server, settings, org_a, jane, report):
    settings.LLM_TIMEOUT = 1
    openai_server.slow(3)

    composed = draft_compose(
        organization=org_a,
        contact=jane,
        report=report,
        template="pitch",
        tone="professional",
        actor=None,
        policy=RetryPolicy(max_attempts=1, max_elapsed=5),
    )

    assert composed.notice.startswith("The AI draft is unavailable (the AI service did not answer")
    assert composed.draft.model == ""


def test_after_a_quota_stop_no_request_is_sent_until_it_resets(openai_server, org_a, jane, report):
    openai_server.insufficient_quota()
    compose(org_a, jane, report)

    again = compose(org_a, jane, report)

    assert len(openai_server.requests) == 1
    assert "quota is used up" in again.notice


def test_an_open_circuit_breaker_gives_the_template_draft_without_a_request(
    openai_server, org_a, jane, report
):
    get_breaker(OPENAI, "default").open()

    composed = compose(org_a, jane, report)

    assert openai_server.requests == []
    assert composed.notice == (
        "The AI draft is unavailable (calls to the AI service are paused after repeated "
        "failures); this is the template draft."
    )
    assert composed.notice_detail.startswith("Calls to openai are paused until")


def test_tokens_of_an_unusable_answer_still_count(openai_server, org_a, jane, report):
    openai_server.reply_json({"subject": ""}, prompt_tokens=300, completion_tokens=20)

    compose(org_a, jane, report)

    usage = UsageDaily.objects.get(organization=org_a)
    assert (usage.tokens_in, usage.tokens_out) == (300, 20)


# -- Saving and sending ---------------------------------------------------------------------


def test_saving_stores_the_edited_text_with_what_wrote_it(no_llm, org_a, alice, jane, report):
    composed = compose(org_a, jane, report, actor=alice).draft

    draft = draft_save(
        draft=composed, subject="  My   subject ", body="Line 1\r\nLine 2\r\n", actor=alice
    )

    stored = EmailDraft.objects.get(pk=draft.pk)
    assert (stored.subject, stored.body) == ("My subject", "Line 1\nLine 2")
    assert (stored.contact, stored.report, stored.created_by) == (jane, report, alice)
    assert (stored.template, stored.tone, stored.sent) == ("pitch", "professional", False)


def test_saving_needs_a_subject_and_a_body(no_llm, org_a, jane):
    composed = compose(org_a, jane).draft

    with pytest.raises(ValidationError) as caught:
        draft_save(draft=composed, subject=" ", body="\n", actor=None)

    assert set(caught.value.message_dict) == {"subject", "body"}
    assert not EmailDraft.objects.exists()


def test_marking_sent_records_the_time_on_the_draft_and_the_contact(no_llm, org_a, jane, report):
    draft = draft_save(draft=compose(org_a, jane, report).draft, subject="S", body="B", actor=None)

    draft_mark_sent(draft=draft)

    draft.refresh_from_db()
    jane.refresh_from_db()
    assert draft.sent and draft.sent_at is not None
    assert abs(jane.last_contacted_at - draft.sent_at) < timedelta(seconds=5)
    first_sent_at = draft.sent_at
    draft_mark_sent(draft=draft)  # Twice: nothing changes.
    draft.refresh_from_db()
    assert draft.sent_at == first_sent_at


def test_a_sent_draft_is_kept_as_sent(no_llm, org_a, jane):
    draft = draft_save(draft=compose(org_a, jane).draft, subject="S", body="B", actor=None)
    draft_mark_sent(draft=draft)

    with pytest.raises(ValidationError):
        draft_save(draft=draft, subject="Changed", body="B", actor=None)

    draft.refresh_from_db()
    assert draft.subject == "S"


def test_a_contact_marked_do_not_contact_after_drafting_cannot_be_marked_sent(no_llm, org_a, jane):
    draft = draft_save(draft=compose(org_a, jane).draft, subject="S", body="B", actor=None)
    jane.do_not_contact = True
    jane.save()

    with pytest.raises(ValidationError) as caught:
        draft_mark_sent(draft=draft)

    assert "contact" in caught.value.message_dict
    draft.refresh_from_db()
    jane.refresh_from_db()
    assert not draft.sent and jane.last_contacted_at is None
