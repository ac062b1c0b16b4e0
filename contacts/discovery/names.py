"""Small text heuristics the providers share: is this a person's name, a job title, a role
keyword, the brand? Deliberately conservative: a missed suggestion costs less than junk (or a
stranger's data) stored as one."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable

from contacts.identity import normalize_name

_TAG = re.compile(r"<[^>]{0,200}>")
_SPACE = re.compile(r"\s+")
# Letters (any script), with the apostrophes, hyphens and dots that names carry.
_NAME_TOKEN = re.compile(r"^[^\W\d_](?:[^\W\d_]|['\u2019.\-])*$")
_PARTICLES = frozenset(
    {"van", "von", "der", "den", "de", "du", "da", "di", "del", "della", "la", "le", "bin", "al"}
)
# Words that make a "name" a heading, a company or a job title instead of a person.
_NOT_NAME_WORDS = frozenset(
    """
    about account all and brand brands business careers center centre chief ceo cfo cmo cco
    communication communications company contact contacts corporate coo cto department
    director directors editor email events executive for global group head home inc
    international investor investors jobs kit latest lead limited linkedin llc ltd gmbh
    management manager marketing media members more news newsroom of office officer our page
    partner partners people policy pr president press privacy profile profiles public read
    relations releases room sales search see services sign site social sponsor spokesperson
    stories story support team terms the to top us view vice vp welcome who with you your
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
# Words that say a line is a job title even when it has none of the organization's keywords.
_TITLE_WORDS = re.compile(
    r"\b(head|director|manager|officer|lead|chief|vp|vice[ -]president|president|coordinator|"
    r"specialist|executive|spokes(?:person|woman|man)|strategist|associate|editor|advisor|"
    r"adviser|consultant|partner|founder|cmo|cco|ceo|evp|svp)\b",
    re.IGNORECASE,
)
# Degrees and post-nominals written after a comma: "Jane Doe, PhD, MCIPR".
_POSTNOMINAL = re.compile(r"^(?:[A-Z][A-Za-z.]{1,8}\.?)$")


def plain_text(value: str) -> str:
    """Search results carry HTML (``<strong>`` highlights) and entities: text only, one line."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub("", value or ""))).strip()


def _strip_symbols(value: str) -> str:
    # Emoji, pictographs and decorations people put in their display names.
    kept = (ch for ch in value if unicodedata.category(ch)[0] in "LNPZ" or ch in "'\u2019")
    return _SPACE.sub(" ", "".join(kept)).strip()


def clean_person_name(value: str) -> str | None:
    """``value`` as a person's name ("Jane Doe", "Zoë van der Berg"), or None if it is not one.

    Two to five name-like words, at least two capitalised, no digits, none of the words that
    mark a heading, a company or a job title. Post-nominals after a comma are dropped."""
    text = _strip_symbols(plain_text(value))
    text = re.sub(r"\([^)]*\)", " ", text)  # "(she/her)", "(Smith)"
    head, *rest = [part.strip() for part in text.split(",")]
    if rest and not all(_POSTNOMINAL.match(word) for part in rest for word in part.split()):
        return None  # "Doe, Jane" or "Jane Doe, Head of PR": not a bare name
    tokens = head.split()
    if not 2 <= len(tokens) <= 5:
        return None
    capitalised = 0
    for token in tokens:
        if not _NAME_TOKEN.match(token) or token.strip(".").casefold() in _NOT_NAME_WORDS:
            return None
        if token[0].isupper():
            capitalised += 1
        elif token.casefold() not in _PARTICLES:
            return None
    if capitalised < 2:
        return None
    return " ".join(tokens)


def keyword_pattern(keywords: Iterable[str]) -> re.Pattern[str] | None:
    """One regex matching any role keyword as a whole word. Short all-capital keywords ("PR")
    match only in capitals, so "pr" inside ordinary text does not count."""
    parts = []
    keywords = list(keywords)
    if any(keyword.strip().casefold() == "pr" for keyword in keywords):
        keywords.append("public relations")  # what "PR" stands for in titles
    for keyword in keywords:
        keyword = keyword.strip()
        if not keyword:
            continue
        escaped = re.escape(keyword)
        parts.append(escaped if keyword.isupper() and len(keyword) <= 3 else f"(?i:{escaped})")
    if not parts:
        return None
    return re.compile(r"(?<![\w])(?:" + "|".join(parts) + r")(?![\w])")


def mentions_role(text: str, pattern: re.Pattern[str] | None) -> bool:
    return bool(text) and pattern is not None and pattern.search(text) is not None


def looks_like_title(text: str, pattern: re.Pattern[str] | None) -> bool:
    """A short line that reads as a job title (a role keyword or a title word in it)."""
    text = text.strip()
    if not 2 <= len(text) <= 100 or "@" in text:
        return False
    return mentions_role(text, pattern) or _TITLE_WORDS.search(text) is not None


def mentions_brand(text: str, brand_name: str) -> bool:
    """The brand's name appears in ``text`` as whole words (case- and accent-insensitive)."""
    wanted = normalize_name(brand_name)
    if not wanted or not text:
        return False
    haystack = normalize_name(text)
    return re.search(r"(?<!\w)" + re.escape(wanted) + r"(?!\w)", haystack) is not None
