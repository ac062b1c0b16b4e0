"""Press contacts on a brand's own page: role addresses, people with their titles, phones.

The page is reduced to its visible lines (lxml), then read like a person would: an address
such as press@ is a contact on its own; any other address counts only when a role keyword
labels it ("Media enquiries: jane@acme.com"); a name and a title just above an address (or
on its line) belong to it; "Jane Doe, Head of Communications" is a contact even without an
address. Obfuscated addresses ("press [at] acme [dot] com") are read too.
"""

from __future__ import annotations

import copy
import re
from dataclasses import replace
from urllib.parse import unquote

import lxml.html
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from lxml import etree

from contacts.discovery.base import Candidate
from contacts.discovery.names import clean_person_name, looks_like_title, mentions_role
from contacts.identity import normalize_email, normalize_name
from contacts.models import ContactSource

_BLOCKS = frozenset(
    {"p", "div", "li", "ul", "ol", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6"}
    | {"section", "article", "header", "footer", "address", "dd", "dt", "dl", "table"}
    | {"blockquote", "figure", "figcaption", "aside", "nav", "main", "hr", "form", "label"}
)
_DROP = "//script|//style|//noscript|//template|//svg|//head"
_SPACE = re.compile(r"[ \t\r\f\v\xa0]+")
_EMAIL = re.compile(
    r"(?<![\w.%+-])([A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,24})(?![\w-])"
)
# "press [at] acme [dot] com", "press(at)acme(dot)com", "press AT acme DOT com".
_AT = r"(?:\s*[\[\(\{<]\s*(?i:at|@)\s*[\]\)\}>]\s*|\s+AT\s+)"
_DOT = r"(?:\s*[\[\(\{<]\s*(?i:dot|\.)\s*[\]\)\}>]\s*|\s+DOT\s+|\.)"
_OBFUSCATED = re.compile(
    rf"(?P<local>[A-Za-z0-9._%+-]{{1,64}}){_AT}(?P<domain>[A-Za-z0-9-]{{1,63}}(?:{_DOT}[A-Za-z0-9-]{{1,63}})+)"
)
_DOT_WORD = re.compile(_DOT)
_FILE_SUFFIXES = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "css", "js", "pdf"})
_PHONE = re.compile(
    r"(?i)\b(?:tel|phone|telephone|t|ph|mobile|mob|m)\b\.?\s*[:.]?\s*(\+?\(?\d[\d\s().\-/]{6,20}\d)"
)
# Local parts that are a press or communications desk in themselves.
_ROLE_LABELS = {
    "press": "Press office",
    "presse": "Press office",
    "prensa": "Press office",
    "stampa": "Press office",
    "pressoffice": "Press office",
    "pressroom": "Press office",
    "pr": "PR team",
    "media": "Media relations",
    "mediarelations": "Media relations",
    "communications": "Communications team",
    "communication": "Communications team",
    "comms": "Communications team",
    "corpcomms": "Communications team",
    "newsroom": "Newsroom",
    "news": "Newsroom",
    "publicity": "Publicity team",
    "marketing": "Marketing team",
}
# Addresses never suggested as press contacts, whatever the page says around them.
_NEVER = frozenset(
    {"noreply", "no-reply", "donotreply", "privacy", "dpo", "gdpr", "jobs", "careers", "hr"}
    | {"recruiting", "recruitment", "support", "help", "billing", "invoices", "abuse"}
    | {"postmaster", "webmaster", "unsubscribe", "orders", "returns"}
)
_LABEL_PREFIX = re.compile(r"^[^:]{0,40}:\s*")
# "Jane Doe, Head of PR", "Jane Doe - Head of PR" (any dash or a bar), "Jane Doe (Head of PR)".
_NAME_TITLE = re.compile(
    r"^(?P<name>[^,\u2013\u2014|:(]{3,60}?)\s*(?:,|\s[\u2013\u2014|-]\s|\()\s*"
    r"(?P<title>[^)]{2,100})\)?$"
)
_AT_COMPANY = re.compile(r"^(?P<title>.+?)\s+(?:at|@)\s+(?P<company>.+)$")
CONTEXT_LINES = 3


def deobfuscate(text: str) -> str:
    def join(match: re.Match[str]) -> str:
        return f"{match.group('local')}@{_DOT_WORD.sub('.', match.group('domain'))}"

    return _OBFUSCATED.sub(join, text)


def parse_page(html_text: str) -> lxml.html.HtmlElement | None:
    try:
        return lxml.html.document_fromstring(html_text)
    except ValueError:  # a str with an XML encoding declaration: let lxml decode the bytes
        try:
            return lxml.html.document_fromstring(html_text.encode("utf-8"))
        except (ValueError, etree.ParserError):
            return None
    except etree.ParserError:  # empty or not HTML at all
        return None


def page_lines(root: lxml.html.HtmlElement) -> list[str]:
    """The page's visible text, one line per block; mailto and tel links spelled out."""
    root = copy.deepcopy(root)  # the caller still reads links from its own tree
    for element in root.xpath(_DROP):
        element.drop_tree()
    for element in root.iter(etree.Element):
        tag = element.tag if isinstance(element.tag, str) else ""
        href = (element.get("href") or "").strip() if tag == "a" else ""
        if href.lower().startswith("mailto:"):
            addresses = unquote(href[7:].split("?")[0]).replace(",", " ")
            element.tail = f" {addresses} " + (element.tail or "")
        elif href.lower().startswith("tel:"):
            element.tail = f" Tel: {unquote(href[4:])} " + (element.tail or "")
        if tag in _BLOCKS or tag == "br":
            element.tail = "\n" + (element.tail or "")
            if tag != "br":
                element.text = "\n" + (element.text or "")
    text = root.text_content()
    lines = (_SPACE.sub(" ", line).strip() for line in text.split("\n"))
    return [line for line in lines if line]


def _emails(line: str) -> list[str]:
    found = []
    for match in _EMAIL.finditer(deobfuscate(line)):
        address = normalize_email(match.group(1)).strip(".")
        if address.rsplit(".", 1)[-1] in _FILE_SUFFIXES:
            continue  # "logo@2x.png"
        try:
            validate_email(address)
        except ValidationError:
            continue
        found.append(address)
    return found


def _local_tokens(address: str) -> set[str]:
    local = address.split("@")[0]
    return {local, local.replace(".", "").replace("-", "").replace("_", "")} | set(
        re.split(r"[._+\-]", local)
    )


def _role_label(address: str) -> str | None:
    tokens = _local_tokens(address)
    return next((_ROLE_LABELS[token] for token in tokens if token in _ROLE_LABELS), None)


def split_name_title(line: str) -> tuple[str, str] | None:
    """("Jane Doe", "Head of PR") from "Jane Doe, Head of PR", "Jane Doe - Head of PR",
    "Press contact: Jane Doe (Head of PR)"; None when the line is not that."""
    for text in (line, _LABEL_PREFIX.sub("", line)):
        match = _NAME_TITLE.match(text.strip())
        if match:
            name = clean_person_name(match.group("name"))
            if name:
                return name, match.group("title").strip(" .;")
    return None


def _person_near(
    lines: list[str], context: list[str], pattern: re.Pattern[str] | None
) -> tuple[str, str]:
    """The name and title written with an address: on its line, or in the lines above it."""
    own = lines[-1]
    before_email = _EMAIL.split(deobfuscate(own))[0].strip(" :,-|\u2013\u2014")
    pair = split_name_title(before_email) if before_email else None
    if pair and looks_like_title(pair[1], pattern):
        return pair
    name, title = "", ""
    for line in reversed(context):
        pair = split_name_title(line)
        if pair and looks_like_title(pair[1], pattern) and not name:
            return pair
        if not title and looks_like_title(line, pattern) and not clean_person_name(line):
            title = _LABEL_PREFIX.sub("", line) if ":" in line[:40] else line
        elif not name:
            name = clean_person_name(_LABEL_PREFIX.sub("", line)) or ""
    return name, title


def _company(title: str, brand_name: str) -> tuple[str, str]:
    match = _AT_COMPANY.match(title)
    if match:
        return match.group("title").strip(), match.group("company").strip()
    return title, brand_name


def extract_contacts(
    lines: list[str], *, page_url: str, brand_name: str, pattern: re.Pattern[str] | None
) -> list[Candidate]:
    """The press contacts on one page, each with the lines that show it as its excerpt."""
    found: list[Candidate] = []
    last_email_line = -1
    for index, line in enumerate(lines):
        addresses = _emails(line)
        if not addresses:
            continue
        start = max(last_email_line + 1, index - CONTEXT_LINES)
        context = lines[start:index]
        last_email_line = index
        around = " ".join([*context, line])
        # A phone on the address's line or the one below it (above is the previous person's).
        below = lines[index + 1] if index + 1 < len(lines) else ""
        phone_match = _PHONE.search(line) or (_PHONE.search(below) if not _emails(below) else None)
        for address in addresses:
            if _local_tokens(address) & _NEVER:
                continue
            label = _role_label(address)
            if label is None and not mentions_role(around, pattern):
                continue
            name, title = _person_near([*context, line], context, pattern)
            if label and not name:
                name, title = label, "Press contact"  # a desk, not a person: no heading as title
            name = name or f"Press contact ({address})"
            title, company = _company(title, brand_name)
            found.append(
                Candidate(
                    full_name=name[:200],
                    title=title[:200],
                    email=address,
                    phone=phone_match.group(1).strip()[:40] if phone_match else "",
                    company=company[:200],
                    source=ContactSource.BRAND_WEBSITE,
                    source_url=page_url[:1000],
                    excerpt=" · ".join([*context, line])[:500],
                )
            )
    found.extend(_people_without_address(lines, page_url, brand_name, pattern))
    return merge_candidates(found)


def _people_without_address(
    lines: list[str], page_url: str, brand_name: str, pattern: re.Pattern[str] | None
) -> list[Candidate]:
    """ "Jane Doe, Head of Communications" (or the name and the title on two lines): listed
    only when the title names one of the role keywords."""
    people = []
    for index, line in enumerate(lines):
        if "@" in line or len(line) > 140:
            continue
        pair = split_name_title(line)
        if pair is None and index + 1 < len(lines) and len(line) <= 60:
            name = clean_person_name(line)
            following = lines[index + 1]
            if name and "@" not in following and looks_like_title(following, pattern):
                pair = (name, following)
        if pair is None or not mentions_role(pair[1], pattern):
            continue
        title, company = _company(pair[1], brand_name)
        people.append(
            Candidate(
                full_name=pair[0][:200],
                title=title[:200],
                company=company[:200],
                source=ContactSource.BRAND_WEBSITE,
                source_url=page_url[:1000],
                excerpt=" · ".join(lines[index : index + 2])[:500],
            )
        )
    return people


def merge_candidates(candidates: list[Candidate]) -> list[Candidate]:
    """One candidate per address, and per name; the same person found again fills blanks."""
    merged: list[Candidate] = []
    for candidate in candidates:
        name = normalize_name(candidate.full_name)
        for index, existing in enumerate(merged):
            same_email = bool(candidate.email) and candidate.email == existing.email
            same_name = normalize_name(existing.full_name) == name and not (
                candidate.email and existing.email
            )
            if same_email or same_name:
                blanks = ("title", "phone", "email")
                filled = {
                    field: getattr(candidate, field)
                    for field in blanks
                    if not getattr(existing, field) and getattr(candidate, field)
                }
                merged[index] = replace(existing, **filled)
                break
        else:
            merged.append(candidate)
    return merged
