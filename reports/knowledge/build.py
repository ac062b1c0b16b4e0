"""Merge the sources' records into knowledge entries and decide how each written form matches.

One entry per Wikidata id (NSI lists a chain once per category and region); a listed company
from pytickersymbols joins the NSI entry that has its name, or stands alone. Every written form
gets a normalised key and one of three fates, with the reason kept in the table:

- matched case-insensitively ("Netflix", "eBay": not an English word);
- matched only as written, capitalised ("Apple", "Shell", "The North Face": every word of it
  is a common English word, so "apple" or "shell" in lowercase is the fruit or the shell);
- not matched at all (``EXCLUSION_REASONS``): too short, no letters, a common word written in
  lowercase, a name the source calls generic, a common first name, or a form that a
  better-known entry also has. ``lookup`` still finds excluded forms, except the first two.
"""

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from outbound.validators import validate_public_url
from reports.knowledge import wordlists
from reports.knowledge.sources import NSI, TICKERS, SourceData, SourceRecord
from reports.normalize import LEGAL_FORMS, normalize_brand

ONE_CHARACTER = "a single character"
TOO_SHORT = "two characters"
NO_LETTERS = "no letters"
LOWERCASE_WORD = "a common English word in lowercase"
GENERIC = "a generic name (NSI genericWords)"
FIRST_NAME = "a common first name"
TAKEN = "the form of a better-known entry"
EXCLUSION_REASONS = (
    ONE_CHARACTER,
    TOO_SHORT,
    NO_LETTERS,
    LOWERCASE_WORD,
    GENERIC,
    FIRST_NAME,
    TAKEN,
)
# Reasons that make a form useless even for looking a name up ("BP" is still linked).
UNLOOKABLE = frozenset({ONE_CHARACTER, NO_LETTERS})

_KIND_ORDER = ("government", "ngo", "brand", "operator", "other")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass
class FormPlan:
    name: str
    key: str
    case_sensitive: bool = False
    ambiguous: bool = False
    excluded: str = ""


@dataclass
class EntryPlan:
    name: str
    wikidata_id: str
    kind: str
    category: str
    industry: str
    website: str
    description: str
    sources: set[str]
    weight: int
    forms: list[FormPlan] = field(default_factory=list)

    @property
    def key(self) -> str:
        return normalize_brand(self.name)

    @property
    def source(self) -> str:
        return "+".join(sorted(self.sources))


def _merge_nsi(records: list[SourceRecord]) -> dict[str, tuple[EntryPlan, list[str]]]:
    grouped: dict[str, list[SourceRecord]] = {}
    for record in records:
        grouped.setdefault(record.wikidata_id, []).append(record)
    entries: dict[str, tuple[EntryPlan, list[str]]] = {}
    for qid, group in grouped.items():
        main = max(group, key=lambda r: r.weight)
        kinds = {r.kind for r in group}
        forms = [form for r in group for form in r.forms]
        entries[qid] = (
            EntryPlan(
                name=main.name,
                wikidata_id=qid,
                kind=next(kind for kind in _KIND_ORDER if kind in kinds or kind == "other"),
                category=main.category,
                industry=main.industry or next((r.industry for r in group if r.industry), ""),
                website=main.website,
                description=main.description,
                sources={NSI},
                weight=sum(r.weight for r in group),
            ),
            forms,
        )
    return entries


def _checked_website(url: str) -> str:
    """The website, or "" for one the app must never fetch: not http(s), with credentials,
    or a private address written as such. No DNS (tens of thousands of entries load at
    once): linking a brand to its entry checks the name as well (brand_link_knowledge)."""
    if not url:
        return ""
    try:
        validate_public_url(url, resolve=False)
    except ValidationError:
        return ""
    return url


def merge(sources: list[SourceData]) -> list[tuple[EntryPlan, list[str]]]:
    """Entries with their raw written forms: NSI's by Wikidata id, then each other source's
    records joined to the entry that already has one of their names, or added alone."""
    for source in sources:
        for record in source.records:
            record.website = _checked_website(record.website)
    nsi_records = [r for s in sources if s.name == NSI for r in s.records]
    merged = list(_merge_nsi(nsi_records).values())
    by_key: dict[str, int] = {}
    for index, (entry, forms) in sorted(enumerate(merged), key=lambda p: -p[1][0].weight):
        for form in [entry.name, *forms]:
            by_key.setdefault(normalize_brand(form), index)
    for source in (s for s in sources if s.name != NSI):
        for record in source.records:
            keys = [normalize_brand(form) for form in record.forms]
            index = next((by_key[k] for k in keys if k in by_key), None)
            if index is not None:
                entry, forms = merged[index]
                entry.sources.add(source.name)
                entry.weight += record.weight
                if source.name == TICKERS:
                    # The index lists' industries describe the company; NSI's describe one of
                    # its outlets (Amazon's lockers are filed under parcel_locker).
                    entry.industry = record.industry or entry.industry
                    if entry.kind == "operator":  # a listed company is a business
                        entry.kind = "brand"
                entry.website = entry.website or record.website
                forms.extend(record.forms)
                continue
            entry = EntryPlan(
                name=record.name,
                wikidata_id="",
                kind="brand",
                category=record.category,
                industry=record.industry,
                website=record.website,
                description="",
                sources={source.name},
                weight=record.weight,
            )
            merged.append((entry, list(record.forms)))
            for key in keys:
                by_key.setdefault(key, len(merged) - 1)
    return merged


def _without_legal_form(form: str) -> str:
    """ "The Estée Lauder Companies" -> "Estée Lauder", "Netflix, Inc." -> "Netflix": how news
    writes a company the sources list under its legal name. "" when nothing is dropped."""
    tokens = form.split()
    if len(tokens) > 1 and tokens[0].lower() == "the":
        tokens = tokens[1:]
    while len(tokens) > 1 and normalize_brand(tokens[-1]) in LEGAL_FORMS | {"and", ""}:
        tokens.pop()
    short = " ".join(tokens).rstrip(",")
    return short if short != form else ""


def _acronym(form: str) -> bool:
    letters = [ch for ch in form if ch.isalpha()]
    return len(letters) <= 5 and form.isupper()


def _exclusion(form: str, key: str, generic: list[re.Pattern[str]]) -> str:
    if not _LETTER.search(key):
        return NO_LETTERS
    length = len(key.replace(" ", ""))
    if length == 1:
        return ONE_CHARACTER
    if length == 2:
        return TOO_SHORT
    if form == form.lower() and wordlists.all_common_words(key):
        return LOWERCASE_WORD
    if any(pattern.search(key) for pattern in generic):
        return GENERIC
    if " " not in key and key in wordlists.first_names():
        return FIRST_NAME
    return ""


def plan(sources: list[SourceData]) -> list[EntryPlan]:
    """The entries to store, each with its written forms decided."""
    generic = [
        re.compile(pattern, re.IGNORECASE) for s in sources for pattern in s.generic_patterns
    ]
    entries: list[EntryPlan] = []
    owner: dict[str, int] = {}  # form key -> index of the heaviest entry that has it
    merged = sorted(merge(sources), key=lambda pair: -pair[0].weight)
    for index, (entry, raw_forms) in enumerate(merged):
        seen: set[str] = set()
        raws = [entry.name, *raw_forms]
        for raw in [*raws, *(_without_legal_form(raw) for raw in raws)]:
            form = " ".join(raw.split())[:300]
            if not form or form in seen:
                continue
            seen.add(form)
            key = normalize_brand(form)[:300]
            excluded = _exclusion(form, key, generic)
            if not excluded and owner.setdefault(key, index) != index:
                excluded = TAKEN
            entry.forms.append(
                FormPlan(
                    name=form,
                    key=key,
                    # Acronyms match as written too: "INC" is a party, "Inc" a legal form.
                    case_sensitive=wordlists.all_common_words(key) or _acronym(form),
                    ambiguous=wordlists.is_ambiguous(key),
                    excluded=excluded,
                )
            )
        entries.append(entry)
    return entries
