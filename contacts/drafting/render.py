"""Plain-text drafts from templates: the values placeholders stand for, and safe rendering.

Rendering is a whitelist substitution, not ``str.format`` or a template language: a template
is text an organization admin typed, so it must not reach attributes (``{contact.__class__}``),
must not fail on a stray brace, and shows a placeholder it does not know exactly as typed,
which makes a typo visible in the draft instead of an error page.
"""

import re
import zoneinfo
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.contrib.auth.models import AbstractBaseUser
from django.utils import formats, timezone
from django.utils.text import get_text_list

from accounts.models import Organization
from contacts.drafting.defaults import ARTICLE_PLACEHOLDERS, BUILTIN_TEMPLATES, PLACEHOLDERS, TONES
from contacts.models import BrandContact, ContactSettings, EmailTemplate
from reports.models import Report, ReviewStatus

# {name}, and the {{ name }} spelling people bring from other tools.
_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}|\{(\w+)\}")
_HONORIFICS = {"dr", "mr", "mrs", "ms", "mx", "prof", "sir", "dame"}
# Fallbacks chosen so the built-in sentences still read well ("as part of the team at Acme").
_NO_TITLE = "part of the team"
SUBJECT_MAX_LENGTH = 300


@dataclass(frozen=True)
class ResolvedTemplate:
    kind: str
    subject: str
    body: str
    instructions: str
    customized: bool  # the organization's own wording (an EmailTemplate row)


def template_for(
    organization: Organization, kind: str, *, has_report: bool = True
) -> ResolvedTemplate:
    """The organization's wording of ``kind``, else the built-in one; without a report, the
    built-in wording that has no article to talk about."""
    builtin = BUILTIN_TEMPLATES[kind]
    instructions = builtin.instructions if has_report else builtin.instructions_without_article
    override = EmailTemplate.objects.filter(organization=organization, kind=kind).first()
    if override is None:
        body = builtin.body if has_report else builtin.body_without_article
        return ResolvedTemplate(kind, builtin.subject, body, instructions, False)
    return ResolvedTemplate(
        kind,
        override.subject,
        override.body,
        override.instructions or instructions,
        True,
    )


def placeholders_in(text: str) -> list[str]:
    return [match.group(1) or match.group(2) for match in _PLACEHOLDER.finditer(text)]


def unknown_placeholders(text: str) -> list[str]:
    return sorted({name for name in placeholders_in(text) if name not in PLACEHOLDERS})


def fill(text: str, values: dict[str, str]) -> str:
    def substitute(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return values[name] if name in values else match.group(0)

    return _PLACEHOLDER.sub(substitute, text)


def _first_and_last(full_name: str) -> tuple[str, str]:
    words = [word for word in full_name.split() if word.rstrip(".").lower() not in _HONORIFICS]
    if not words:
        return full_name.strip(), ""
    return words[0], (words[-1] if len(words) > 1 else "")


def article_source(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def report_brand_names(report: Report) -> list[str]:
    """The brands the report mentions (rejected mentions left out), in order of mention."""
    names: list[str] = []
    mentions = report.mentions.exclude(review_status=ReviewStatus.REJECTED).select_related("brand")
    for mention in mentions.order_by("evidence_start", "id"):
        if mention.brand.name not in names:
            names.append(mention.brand.name)
    return names


def sender_values(
    sender: ContactSettings, organization: Organization, actor: AbstractBaseUser | None
) -> dict[str, str]:
    """The sender profile, completed from the user and organization where it is empty."""
    actor_name = (actor.get_full_name() or actor.get_username()) if actor else ""
    name = sender.sender_name or actor_name
    title = sender.sender_title
    company = sender.sender_company or organization.name
    email = sender.sender_email or (getattr(actor, "email", "") if actor else "")
    signature = sender.sender_signature.strip()
    if not signature:
        role = ", ".join(part for part in (title, company) if part)
        signature = "\n".join(part for part in (name, role, email) if part)
    return {
        "sender_name": name,
        "sender_title": title or _NO_TITLE,
        "sender_company": company,
        "sender_email": email,
        "sender_signature": signature,
    }


def draft_values(
    *,
    contact: BrandContact,
    report: Report | None,
    tone: str,
    sender: dict[str, str],
) -> dict[str, str]:
    first, last = _first_and_last(contact.full_name)
    values = {
        "contact_name": contact.full_name,
        "contact_first_name": first,
        "contact_last_name": last,
        "contact_title": contact.title or _NO_TITLE,
        "contact_company": contact.company or contact.brand.name,
        "brand": contact.brand.name,
        **sender,
    }
    if report is not None:
        article = report.article
        when = article.published_at or article.created_at
        if when:  # The day as the organization's staff would say it, not in UTC.
            when = timezone.localtime(when, zoneinfo.ZoneInfo(contact.organization.time_zone))
        values.update(
            article_title=article.title.strip() or article.canonical_url,
            article_url=article.canonical_url,
            article_source=article_source(article.canonical_url),
            article_date=formats.date_format(when, "j F Y") if when else "",
            report_topic=report.topic,
            report_summary=report.summary,
            report_sentiment=report.sentiment_label,
            report_brands=str(get_text_list(report_brand_names(report), "and")),
        )
    words = TONES[tone]
    values["greeting"] = fill(words.greeting, values)
    values["closing"] = fill(words.closing, values)
    return values


def _without_article_paragraphs(body: str) -> str:
    paragraphs = body.split("\n\n")
    kept = [p for p in paragraphs if not ARTICLE_PLACEHOLDERS & set(placeholders_in(p))]
    return "\n\n".join(kept)


def render_template(
    template: ResolvedTemplate, values: dict[str, str], *, has_report: bool
) -> tuple[str, str]:
    """(subject, body) of the plain draft: no LLM involved."""
    subject, body = template.subject, template.body
    if not has_report:
        # Without an article, sentences about it would read "I read “” (, )": leave them out.
        if ARTICLE_PLACEHOLDERS & set(placeholders_in(subject)):
            subject = BUILTIN_TEMPLATES[template.kind].subject_without_article
        body = _without_article_paragraphs(body)
    subject = " ".join(fill(subject, values).split())[:SUBJECT_MAX_LENGTH]
    return subject, fill(body, values).strip()


def citation_line(report: Report) -> str:
    article = report.article
    title = article.title.strip() or article_source(article.canonical_url)
    return f"P.S. The article I mentioned: “{title}”\n{article.canonical_url}"


def ensure_citation(body: str, report: Report | None) -> tuple[str, bool]:
    """The body citing the report's article (its URL), and whether a line had to be added."""
    if report is None or report.article.canonical_url in body:
        return body, False
    return f"{body.rstrip()}\n\n{citation_line(report)}", True
