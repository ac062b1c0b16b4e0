"""The built-in wording of the four draft templates and what each tone changes.

An organization may override a template's subject, body and LLM instructions
(``EmailTemplate``); everything here is what it gets otherwise, and what "Reset to default"
brings back. Bodies are plain text with ``{placeholders}`` (see ``PLACEHOLDERS``); a paragraph
that names an article placeholder is left out when a draft is written without a report, and a
built-in template has its own wording for that case: a draft from a contact page has no story
to build on, congratulate on or follow up, so it must not talk about "this story".
"""

from dataclasses import dataclass

from contacts.models import DraftTemplate, DraftTone

# Said to the LLM when a draft is written from a contact page: nothing in the news to cite.
_NO_ARTICLE = "There is no article: do not mention one, a story or the news. "


@dataclass(frozen=True)
class BuiltinTemplate:
    subject: str
    # Used instead of ``subject`` when there is no report: a subject naming no article.
    subject_without_article: str
    body: str
    # What the email must achieve, for the LLM (the body is its example, not its script).
    instructions: str
    # ``body`` and ``instructions`` for a draft written without a report: no article to cite.
    body_without_article: str
    instructions_without_article: str


@dataclass(frozen=True)
class ToneWords:
    greeting: str
    closing: str
    # How the LLM should sound in this tone.
    style: str


# Placeholders a template may use, with the help text the templates page shows.
PLACEHOLDERS: dict[str, str] = {
    "greeting": "The tone's greeting line, e.g. “Hi Jane,”",
    "closing": "The tone's closing, e.g. “Best regards,”",
    "contact_name": "The contact's full name",
    "contact_first_name": "The contact's first name",
    "contact_last_name": "The contact's last name",
    "contact_title": "The contact's role (e.g. Head of PR)",
    "contact_company": "The contact's company (the brand's name when empty)",
    "brand": "The brand the contact works for",
    "article_title": "The article's title",
    "article_url": "The article's address",
    "article_source": "The site that published the article (e.g. news.example.com)",
    "article_date": "The day the article was published (e.g. 10 March 2026)",
    "report_topic": "The article's topic, from its report",
    "report_summary": "The article's summary, from its report",
    "report_sentiment": "How the article talks about the brand (positive, neutral, negative)",
    "report_brands": "The brands the article mentions",
    "sender_name": "Your name (sender profile)",
    "sender_title": "Your role (sender profile)",
    "sender_company": "Your company (sender profile)",
    "sender_email": "Your email address (sender profile)",
    "sender_signature": "Your signature (sender profile; built from your name, role and "
    "company when empty)",
}

# Placeholders that only have a value when the draft is written from a report.
ARTICLE_PLACEHOLDERS = frozenset(
    name for name in PLACEHOLDERS if name.startswith(("article_", "report_"))
)

BUILTIN_TEMPLATES: dict[str, BuiltinTemplate] = {
    DraftTemplate.PITCH: BuiltinTemplate(
        subject="{brand} in {article_source}: an idea for {contact_company}",
        subject_without_article="An idea for {contact_company}",
        body=(
            "{greeting}\n\n"
            "I read “{article_title}” ({article_source}, {article_date}) and it made me think "
            "of you as {contact_title} at {contact_company}:\n"
            "{article_url}\n\n"
            "At {sender_company} we help brands turn moments like this into coverage that "
            "lasts beyond the news cycle. I have a concrete idea for how {brand} could build "
            "on this story and would love to share it with you.\n\n"
            "Would you have 15 minutes for a call next week?\n\n"
            "{closing}\n"
            "{sender_signature}"
        ),
        instructions=(
            "Pitch one concrete idea that builds on the article for the contact's brand. "
            "Open with why the article made you write, then the idea in one or two "
            "sentences, then ask for a 15-minute call. Under 150 words."
        ),
        body_without_article=(
            "{greeting}\n\n"
            "I am {sender_name}, {sender_title} at {sender_company}. I have been following "
            "{brand} with interest, and as {contact_title} at {contact_company} you seemed the "
            "right person to write to.\n\n"
            "At {sender_company} we help brands earn coverage that lasts. I have a concrete "
            "idea for {brand} and would love to share it with you.\n\n"
            "Would you have 15 minutes for a call next week?\n\n"
            "{closing}\n"
            "{sender_signature}"
        ),
        instructions_without_article=(
            "Pitch one concrete idea for the contact's brand. "
            f"{_NO_ARTICLE}"
            "Open with who the sender is and why they write to this contact, then the idea in "
            "one or two sentences, then ask for a 15-minute call. Under 150 words."
        ),
    ),
    DraftTemplate.FOLLOW_UP: BuiltinTemplate(
        subject="Following up: {article_title}",
        subject_without_article="Following up on my last note",
        body=(
            "{greeting}\n\n"
            "I wanted to follow up on my earlier note. Since then, {brand} has been in the news "
            "again: “{article_title}” ({article_source}, {article_date}).\n"
            "{article_url}\n\n"
            "It seems a good moment to pick up our conversation. Is this something you are "
            "working on at {contact_company}, or is there a better person to talk to?\n\n"
            "{closing}\n"
            "{sender_signature}"
        ),
        instructions=(
            "A short, polite follow-up to an earlier email that got no answer. Use the "
            "article as the new reason to write, do not repeat the whole earlier pitch, and "
            "ask one easy question (or who else to contact). Under 120 words."
        ),
        body_without_article=(
            "{greeting}\n\n"
            "I wanted to follow up on my earlier note about {brand}.\n\n"
            "Is this something you are working on at {contact_company}, or is there a better "
            "person to talk to?\n\n"
            "{closing}\n"
            "{sender_signature}"
        ),
        instructions_without_article=(
            "A short, polite follow-up to an earlier email that got no answer. "
            f"{_NO_ARTICLE}"
            "Do not repeat the whole earlier pitch; ask one easy question (or who else to "
            "contact). Under 100 words."
        ),
    ),
    DraftTemplate.INTRODUCTION: BuiltinTemplate(
        subject="Introduction: {sender_name} from {sender_company}",
        subject_without_article="Introduction: {sender_name} from {sender_company}",
        body=(
            "{greeting}\n\n"
            "My name is {sender_name}, {sender_title} at {sender_company}. I follow {brand} "
            "closely and recently read “{article_title}” ({article_source}, {article_date}):\n"
            "{article_url}\n\n"
            "As {contact_title} at {contact_company} you are the person I would most like to "
            "know there. I would be glad to introduce what we do and hear what matters to your "
            "team this year.\n\n"
            "{closing}\n"
            "{sender_signature}"
        ),
        instructions=(
            "Introduce the sender and their company to someone they have never written to. "
            "Say briefly who the sender is, mention the article as the reason for writing now, "
            "and offer a short introductory call. No hard sell. Under 140 words."
        ),
        body_without_article=(
            "{greeting}\n\n"
            "My name is {sender_name}, {sender_title} at {sender_company}. I follow {brand} "
            "closely.\n\n"
            "As {contact_title} at {contact_company} you are the person I would most like to "
            "know there. I would be glad to introduce what we do and hear what matters to your "
            "team this year.\n\n"
            "{closing}\n"
            "{sender_signature}"
        ),
        instructions_without_article=(
            "Introduce the sender and their company to someone they have never written to. "
            f"{_NO_ARTICLE}"
            "Say briefly who the sender is and offer a short introductory call. No hard sell. "
            "Under 120 words."
        ),
    ),
    DraftTemplate.THANK_YOU: BuiltinTemplate(
        subject="Thank you, and congratulations on {article_source}",
        subject_without_article="Thank you",
        body=(
            "{greeting}\n\n"
            "Thank you for your time and help. I was glad to see {brand} in “{article_title}” "
            "({article_source}, {article_date}):\n"
            "{article_url}\n\n"
            "Congratulations to you and the team at {contact_company}. If there is anything "
            "we can do to help you build on it, I am happy to.\n\n"
            "{closing}\n"
            "{sender_signature}"
        ),
        instructions=(
            "Thank the contact warmly and sincerely; congratulate them on the article when it "
            "is good news for the brand (acknowledge it tactfully when it is not). Make no "
            "request beyond an offer to help. Under 110 words."
        ),
        body_without_article=(
            "{greeting}\n\n"
            "Thank you for your time and help. It was a pleasure working with you and the team "
            "at {contact_company}.\n\n"
            "If there is anything we can do for {brand}, I am happy to help.\n\n"
            "{closing}\n"
            "{sender_signature}"
        ),
        instructions_without_article=(
            "Thank the contact warmly and sincerely for their time and help. "
            f"{_NO_ARTICLE}"
            "Congratulate on nothing you were not told about. Make no request beyond an offer "
            "to help. Under 100 words."
        ),
    ),
}

TONES: dict[str, ToneWords] = {
    DraftTone.PROFESSIONAL: ToneWords(
        greeting="Hello {contact_first_name},",
        closing="Best regards,",
        style="Professional: clear, courteous and to the point.",
    ),
    DraftTone.CASUAL: ToneWords(
        greeting="Hey {contact_first_name},",
        closing="Cheers,",
        style="Casual: relaxed and conversational, short sentences, no jargon.",
    ),
    DraftTone.FRIENDLY: ToneWords(
        greeting="Hi {contact_first_name},",
        closing="Warm wishes,",
        style="Friendly: warm and personable, positive without being over the top.",
    ),
    DraftTone.FORMAL: ToneWords(
        greeting="Dear {contact_name},",
        closing="Yours sincerely,",
        style="Formal: polite and respectful, complete sentences, no contractions or slang.",
    ),
}
