"""The rules extractor: known brands by a multi-pattern matcher, unknown ones by corporate cues.

Known brands and their aliases are found in one pass of an Aho-Corasick automaton over a
case- and accent-folded copy of the text (same length, so offsets are the article's), built once
per set of known brands. A match counts only on word boundaries ("Gap" is not in "Singapore").

Case rules. A name is *ambiguous* when it has at most three letters or every word of it is a
common English word or first name (Apple, Target, Shell, Gap, Dove, Next, New Balance, HUGO).
An ambiguous name matches only when written at least as capitalised as registered (Apple, GAP,
BOSS, never "apple"; an all-lowercase registration needs a capital first letter). A Title-case
ambiguous name ("Apple", not "H&M" or "New Balance") carries no other evidence, so:

- at the start of a sentence or in a Title-Case line its capital is forced: it counts only with
  a corporate cue next to it ("Apple said", "Target shares", "Boots, the pharmacy chain");
- part of a longer capitalised name it is not the brand ("Big Apple", "Collared Dove",
  "Oracle of Omaha", "Amazon rainforest");
- and the brand is reported only when at least one mention in the article has a cue (the same
  cues, or another brand in the same sentence: "Visa and Mastercard").

What else counts as that cue: the name written capitalised after a lowercase word with no
capitalised word after it ("signed to Universal as a songwriter"; not after "the", not in German,
not when the article writes the phrase it starts in lowercase: "Prime Minister" beside "prime
minister"), a tracked maker's name right before it ("Philips Hue"), or the name inside a longer
tracked name elsewhere in the article ("Ring Indoor Cam"). A name inside a longer tracked name is
never reported for itself ("Google Play" is not Google); one across its end is ("Switch Lite" in
"Nintendo Switch Lite"). Names in a script without capitals ("索尼") and codes of letters and
digits ("F-35") need no cue; a form that splits a joined name ("Binge On") needs its capitals. A
single letter in a hyphenated word ("X-ray"), a name past a host's first label
("pic.twitter.com"), a sponsor's name on a venue ("Verizon Amphitheatre") and a name inside a
town's ("West Palm Beach", by the gazetteer) are not mentions.

A tracked brand only the headline names is found there by the same rules, its evidence the
headline (at no offset of the text).

A single-word name preceded by a first name is a person ("Harrison Ford"); the article is then
about that person, and the name's other bare mentions need a corporate cue too. Blocked terms
(normalised) are never reported. Everything else is in ``cues.py``.
"""

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

import ahocorasick

from reports.evidence import first_sentences, is_sentence_start, sentence_around
from reports.normalize import normalize_brand
from reports.sentiment import (
    article_label,
    article_sentiment,
    brand_sentiment,
    sentence_sentiment,
)

from . import cues, gazetteer
from .base import BrandFinding, ExtractionContext, ExtractionResult, KnownBrand
from .discovery import discover
from .variants import product_cue, written_forms
from .wordlists import COMMON_WORDS, FIRST_NAMES

MAX_MATCHES_PER_BRAND = 50  # Enough to find a cue; bounds the work on huge texts.
DISCOVERY_TEXT_LIMIT = 60_000  # Characters scanned for unknown brands (~10,000 words).
SUMMARY_CHARS = 500

_GEO_AFTER = re.compile(
    r"^\s+(?:river|rainforest|forest|basin|jungle|delta|region|county|street|road|avenue|island|"
    r"islands|beach|valley|mountains?|desert|coast|bay)\b",
    re.IGNORECASE,
)
_OF_NAME_AFTER = re.compile(r"^\s+of\s+[A-Z]")
_PREVIOUS_CAPITALISED = re.compile(r"(?<![\w\u2019'])([A-Z][\w\u2019'-]*)[ \u00a0]$")
_LOWERCASE_BEFORE = re.compile(r"(?<![\w'\u2019-])[a-z][\w'\u2019-]*[ \u00a0][\"\u201c(]?$")
_THE_BEFORE = re.compile(r"\bthe\s+$", re.IGNORECASE)
_NEXT_CAPITALISED = re.compile(r"^[ \u00a0]+[A-Z0-9]")
_COORDINATION = re.compile(r"\s*(?:,\s*(?:and\s+|or\s+)?|and\s+|or\s+|&\s+)$")
_SENTENCE_BREAK = re.compile(r"[.!?][\"'\u201d\u2019)]*\s|\n")


_FOLD = {ord(c): "'" for c in "\u2018\u2019\u201a\u201b\u2032\u02bc`\u00b4"}
_FOLD |= {ord(c): "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"}
_FOLD |= {ord(c): " " for c in "\t\n\r\f\v\u00a0\u2007\u202f"}


def fold(text: str) -> str:
    """Lowercase, quotes, dashes and spaces unified — and exactly as long as ``text``.

    Accents are kept in the text ("über" is not "Uber"); a registered "Hermès" also matches
    "Hermes" through its accent-free variant."""
    lowered = text.lower()
    if len(lowered) != len(text):  # "İ" lowercases to two characters; keep it as it is.
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    # What ``lowered.translate(_FOLD)`` gives, ten times faster: translate looks each
    # character up in the table, replace scans for one. No replacement is itself a key.
    for character, replacement in _FOLD_PAIRS:
        if character in lowered:
            lowered = lowered.replace(character, replacement)
    return lowered


_FOLD_PAIRS = tuple((chr(code), replacement) for code, replacement in _FOLD.items())


@dataclass(frozen=True)
class _Pattern:
    brand: int
    text: str
    ambiguous: bool
    needs_cue: bool  # Title-case ambiguous name: its capital is its only evidence.
    single_word: bool
    # A dictionary word: ambiguous in an article that also writes it in lowercase.
    dictionary: bool = False


def _is_ambiguous(name: str) -> bool:
    words = re.findall(r"\w+", name.lower())
    letters = sum(len(w) for w in words)
    meaningful = [w for w in words if w not in ("the", "and")]
    return letters <= 3 or all(w in COMMON_WORDS or w in FIRST_NAMES for w in meaningful)


def _dictionary_word(name: str) -> bool:
    """A one-word name a dictionary lists in lowercase ("Carrier", "Windows", "Slack")."""
    return " " not in name and gazetteer.is_common_word(name)


_PARTS = re.compile(r"[\s-]+")


def _uncased(name: str) -> bool:
    """Written in a script without capitals (Chinese, Japanese, Thai...): "索尼", "谷歌"."""
    return any(c.isalpha() for c in name) and not any(c.isupper() or c.islower() for c in name)


def _pattern(brand: int, text: str, registered: str = "") -> _Pattern:
    # A script without capitals gives the case rules nothing to read, and counting its
    # characters as letters made every two-character Chinese name "ambiguous" (needing an
    # English cue it never gets): "索尼" is as distinctive as "Sony".
    ambiguous = _is_ambiguous(text) and not (_uncased(text) and len(text.strip()) >= 2)
    # A form that splits a joined name ("Binge On" for "BingeOn", "Linked In" for "LinkedIn")
    # is made of words the name is not: it must be written with the name's capitals.
    if registered and len(_PARTS.split(text.strip())) > len(_PARTS.split(registered.strip())):
        ambiguous = True
    capitals = sum(1 for c in text if c.isupper())
    title_case = capitals <= 1 and not (capitals == 1 and not text[:1].isupper())
    # Letters and digits together ("F-35", "G4") make a code, not a word of the language:
    # its capitals are enough evidence (the case rule still applies).
    code = any(c.isdigit() for c in text) and any(c.isalpha() for c in text)
    return _Pattern(
        brand,
        text,
        ambiguous,
        ambiguous and title_case and not code,
        " " not in text.strip(),
        dictionary=not ambiguous and _dictionary_word(text),
    )


@dataclass(frozen=True)
class _Tracked:
    """What a set of known brands costs to prepare, prepared once for every article."""

    automaton: ahocorasick.Automaton | None
    # The normalised names and aliases: discovery leaves them to the known matcher.
    keys: frozenset[str]


# The last set prepared, by identity: an analysis run passes one context (one tuple) for all
# its articles, and hashing a tuple of a thousand brands for the lru_cache costs ~1 ms a time.
_last_tracked: tuple[tuple[KnownBrand, ...], _Tracked] | None = None


def _tracked(known: tuple[KnownBrand, ...]) -> _Tracked:
    global _last_tracked
    last = _last_tracked  # One read: another thread may replace it meanwhile.
    if last is not None and last[0] is known:
        return last[1]
    tracked = _prepare(known)
    _last_tracked = (known, tracked)
    return tracked


@lru_cache(maxsize=16)
def _prepare(known: tuple[KnownBrand, ...]) -> _Tracked:
    keys = frozenset(normalize_brand(n) for b in known for n in (b.name, *b.aliases))
    return _Tracked(_automaton(known), keys)


def _automaton(known: tuple[KnownBrand, ...]) -> ahocorasick.Automaton | None:
    table: dict[str, list[_Pattern]] = {}
    for index, brand in enumerate(known):
        for registered in (brand.name, *brand.aliases):
            for variant in written_forms(registered):
                table.setdefault(fold(variant), []).append(_pattern(index, variant, registered))
    if not table:
        return None
    automaton = ahocorasick.Automaton()
    for key, patterns in table.items():
        automaton.add_word(key, (len(key), tuple(patterns)))
    automaton.make_automaton()
    return automaton


@dataclass
class _Mention:
    pattern: _Pattern
    start: int
    end: int
    forced: bool
    cues: set[str] = field(default_factory=set)
    person: bool = False  # "Mr. Lauren", "Tory Burch said": the person behind the name.
    # A Title-case common word capitalised mid-sentence with no capitalised word either side.
    standalone: bool = False
    # Inside a longer tracked name ("Ring" in "Ring Indoor Cam"): not reported for itself (the
    # news writes "Google Play" without meaning Google), but it says what the word is here.
    nested: bool = False

    @property
    def confidence(self) -> float:
        if self.person:
            return 0.6
        if self.pattern.needs_cue:
            return 0.9 if self.cues - {"co_brand"} else 0.75 if self.cues else 0.7
        return 0.9 if not self.pattern.ambiguous or self.cues else 0.85


def _case_ok(pattern: _Pattern, surface: str) -> bool:
    if not pattern.ambiguous:
        return True
    if surface == pattern.text and not gazetteer.is_common_word(surface):
        return True  # Registered in lowercase and written so: "npm", "tmux".
    if len(surface) != len(pattern.text) or not any(c.isupper() for c in pattern.text):
        return surface[:1].isupper()
    return all(s.isupper() for p, s in zip(pattern.text, surface, strict=True) if p.isupper())


def _forced_capitals(text: str, start: int) -> bool:
    if is_sentence_start(text, start):
        return True
    left, right = sentence_around(text, start, start)
    words = re.findall(r"[^\W\d_][\w\u2019'-]*", text[left:right])
    return len(words) >= 4 and sum(w[0].isupper() for w in words) >= 0.7 * len(words)


def _match(
    text: str,
    start: int,
    end: int,
    pattern: _Pattern,
    english: bool,
    brand: KnownBrand,
    maker_ends: frozenset[int] = frozenset(),
    nouns_capitalised: bool = False,
) -> _Mention | None:
    """The mention if ``text[start:end]`` can be ``pattern`` here; None when a rule says no.
    ``maker_ends`` are where other tracked names end: a name right after one is its product."""
    surface = text[start:end]
    if not _case_ok(pattern, surface):
        return None
    mention = _Mention(pattern, start, end, forced=False)
    previous = _PREVIOUS_CAPITALISED.search(text, max(0, start - 40), start)
    if _VENUE_AFTER.match(text, end) or _in_place_name(text, start, end, previous):
        return None  # "Verizon Amphitheatre", "West Palm Beach": a venue or a town.
    if pattern.single_word and previous and previous.group(1).lower() in FIRST_NAMES:
        mention.person = True  # "Harrison Ford"; remembered to shadow the other mentions.
        return mention
    if pattern.needs_cue:
        mention.forced = _forced_capitals(text, start)
        after = text[end : end + 40]
        if _GEO_AFTER.match(after) or _OF_NAME_AFTER.match(after):
            return None
        if previous and previous.end(1) in maker_ends:
            # "Philips Hue", "Nintendo Switch Lite", "Ford Focus Electric": a tracked maker's
            # name before it says this is the product, not a longer other name.
            mention.cues.add("maker")
        elif (
            english
            and previous
            and not mention.forced
            and not is_sentence_start(text, previous.start(1))
        ):
            return None  # "Big Apple", "Collared Dove".
        # After a lowercase word, before no capitalised one: the writer capitalised it
        # mid-sentence ("signed to Universal as a songwriter"). Not in German, which
        # capitalises every noun, nor after "the", which makes a place of it ("home to the
        # Amazon"); a list item ("- Apple") has no sentence around it to tell.
        mention.standalone = (
            not mention.forced
            and not nouns_capitalised
            and _LOWERCASE_BEFORE.search(text, max(0, start - 30), start) is not None
            and not _NEXT_CAPITALISED.match(after)
            and not _THE_BEFORE.search(text, max(0, start - 5), start)
        )
        if _common_phrase(text, start, end):
            return None  # "Prime Minister" where the article also writes "prime minister".
    mention.cues |= cues.context_cues(text, start, end, include_said=True)
    within = sentence_around(text, start, end) if mention.forced else (0, len(text))
    if pattern.ambiguous and product_cue(
        text, start, end, name=brand.name, industry=brand.industry, within=within
    ):
        mention.cues.add("product")  # "Apple's new iPhone", "Shell's oil output".
    if not pattern.single_word:
        first_name = pattern.text.split()[0].lower() in FIRST_NAMES
        mention.person = cues.person_context(text, start, end, first_name=first_name)
    return mention


def _in_address(text: str, start: int, end: int) -> bool:
    """Part of a web address or a handle: "pic.twitter.com", "@windows"."""
    before, after = text[max(0, start - 2) : start], text[end : end + 2]
    return (
        before[-1:] in ("/", "@")
        or (before[-1:] == "." and before[:1].isalnum())
        or after[:1] == "/"
        or (after[:1] == "." and after[1:].isalnum())
    )


_NEXT_WORD = re.compile(r"[ \u00a0]+([A-Z][a-z]+)\b")


def _common_phrase(text: str, start: int, end: int) -> bool:
    """The name and the capitalised word after it are a phrase the article writes in
    lowercase elsewhere: "Prime Minister" next to "the deputy prime minister"."""
    following = _NEXT_WORD.match(text, end)
    if not following:
        return False
    phrase = f"{text[start:end]}{following.group(0)}".lower()
    at = text.find(phrase)  # A plain scan: a regular expression per mention costs more.
    while at >= 0:
        after = at + len(phrase)
        if not (at and text[at - 1].isalnum()) and not text[after : after + 1].isalnum():
            return True
        at = text.find(phrase, at + 1)
    return False


# A sponsor's name on a building is the building's: "Verizon Amphitheatre", "Ak-Chin Pavilion".
_VENUE_AFTER = re.compile(
    r"(?:[ \u00a0]+[A-Z][\w'-]*){0,2}[ \u00a0]+(?:Amphitheat(?:re|er)|Arena|Stadium|Pavilion|"
    r"Coliseum|Ballpark|Speedway|Velodrome)\b"
)
_NEXT_NAME_WORDS = re.compile(r"(?:[ \u00a0]+[A-Z][\w'-]*){1,2}")


def _in_place_name(text: str, start: int, end: int, previous: re.Match[str] | None) -> bool:
    """Part of a longer capitalised name the gazetteer knows as a place: "West Palm Beach",
    "Palm Springs". Only looked up when a capitalised word is next to the name."""
    following = _NEXT_NAME_WORDS.match(text, end)
    if not previous and not following:
        return False
    before = [previous.group(1)] if previous and not is_sentence_start(text, start) else []
    after = following.group(0).split() if following else []
    name = text[start:end]
    for head in (before, []):
        for count in range(len(after), -1, -1):
            words = [*head, name, *after[:count]]
            if len(words) > 1 and gazetteer.is_place(" ".join(words)):
                return True
    return False


def _hyphen_compound(text: str, start: int, end: int) -> bool:
    before, after = text[max(0, start - 2) : start], text[end : end + 2]
    return (len(before) == 2 and before[1] == "-" and before[0].isalnum()) or (
        len(after) == 2 and after[0] == "-" and after[1].isalnum()
    )


def _inside_host(text: str, start: int) -> bool:
    """Past the first label of a host name: "pic.twitter.com" (a slash may list brands:
    "iOS/Android")."""
    before = text[max(0, start - 2) : start]
    return len(before) == 2 and before[1] == "." and before[0].isalnum()


def _as_word(pattern: _Pattern) -> _Pattern:
    capitals = sum(1 for c in pattern.text if c.isupper())
    return replace(pattern, ambiguous=True, needs_cue=capitals <= 1, dictionary=False)


def _joined(neighbour: str, edge: str) -> bool:
    """Whether ``neighbour`` continues the word ``edge`` ends or starts ("Gap" in "Singapore").
    Japanese and Chinese put no spaces between words: a Latin name next to them, or a name in
    those scripts, has its boundary there ("App Storeおよび")."""
    return neighbour.isalnum() and ord(neighbour) < _CJK and ord(edge) < _CJK


_CJK = 0x2E80


def _known_mentions(
    text: str, context: ExtractionContext, english: bool, nouns_capitalised: bool = False
) -> list[_Mention]:
    automaton = _tracked(context.known_brands).automaton
    if automaton is None or not text:
        return []
    folded = fold(text)
    raw: list[tuple[int, int, tuple[_Pattern, ...]]] = []
    seen: dict[int, int] = {}
    for last, (length, patterns) in automaton.iter(folded):
        start, end = last - length + 1, last + 1
        if (start > 0 and _joined(folded[start - 1], folded[start])) or (
            end < len(folded) and _joined(folded[end], folded[end - 1])
        ):
            continue
        if end - start == 1 and _hyphen_compound(folded, start, end):
            continue  # "GPT-X", "X-ray": a letter of a compound word.
        if _inside_host(folded, start):
            continue  # "pic.twitter.com", "/google/": part of someone else's address.
        brand = patterns[0].brand
        if seen.get(brand, 0) >= MAX_MATCHES_PER_BRAND:
            continue
        seen[brand] = seen.get(brand, 0) + 1
        raw.append((start, end, patterns))
    # "shattering windows", "look forward": the article uses the brand's name as a word, so
    # there it is as ambiguous as "Apple" ("Windows" then needs its capital and a cue).
    as_word = {
        p.brand
        for s, e, ps in raw
        if text[s:e].islower() and not _in_address(text, s, e)
        for p in ps
        if p.dictionary
    }
    raw = [
        (s, e, tuple(_as_word(p) if p.dictionary and p.brand in as_word else p for p in ps))
        for s, e, ps in raw
    ]
    ends = frozenset(e for _, e, _ in raw)
    accepted: list[_Mention] = []
    for start, end, patterns in raw:
        for pattern in patterns:
            brand = context.known_brands[pattern.brand]
            mention = _match(
                text, start, end, pattern, english, brand, ends - {end}, nouns_capitalised
            )
            if mention:
                accepted.append(mention)
                break
    accepted.sort(key=lambda m: (m.start, m.start - m.end))
    chosen: list[_Mention] = []
    nested: list[_Mention] = []
    for mention in accepted:  # Leftmost-longest, no overlaps.
        if not chosen or mention.start >= chosen[-1].end:
            chosen.append(mention)
        elif mention.pattern.brand != chosen[-1].pattern.brand:
            nested.append(mention)
    # A tracked name across the end of a longer one names that brand too: "Switch Lite" in
    # "Nintendo Switch Lite". One inside a longer one ("Ring" in "Ring Indoor Cam") is kept
    # as a nested mention: evidence for the brand's other mentions, never reported alone.
    for mention in nested:
        overlapping = [c for c in chosen if c.start < mention.end and mention.start < c.end]
        if any(c.pattern.brand == mention.pattern.brand for c in overlapping):
            continue
        if all(c.start <= mention.start and mention.end <= c.end for c in overlapping):
            mention.nested = True
        mention.cues.add("maker")
        chosen.append(mention)
    chosen.sort(key=lambda m: (m.start, m.start - m.end))
    return chosen


def _coordinated(text: str, mention: _Mention, anchors: list[_Mention]) -> bool:
    """Listed with another brand: "Puma and New Balance", "Gucci, Prada or Dior"."""
    return any(
        (0 <= a.start - mention.end <= 6 and _COORDINATION.match(text, mention.end, a.start))
        or (0 <= mention.start - a.end <= 6 and _COORDINATION.match(text, a.end, mention.start))
        for a in anchors
    )


def _same_sentence(text: str, a: _Mention, b: _Mention) -> bool:
    left, right = sorted((a, b), key=lambda m: m.start)
    if right.start - left.end > 300:
        return False
    return not _SENTENCE_BREAK.search(text, left.end, right.start)


_LIST_LINE = re.compile(r"[ \t]*(?:\||[-*\u2022]\s|\d+[.)]\s)")


def _list_block(text: str, position: int) -> tuple[int, int] | None:
    """The run of table rows or list items around ``position``, or None outside one."""
    line_start = text.rfind("\n", 0, position) + 1
    if not _LIST_LINE.match(text, line_start):
        return None
    left = line_start
    while left > 0:
        previous = text.rfind("\n", 0, left - 1) + 1
        if not _LIST_LINE.match(text, previous):
            break
        left = previous
    right = text.find("\n", position)
    while right != -1 and _LIST_LINE.match(text, right + 1):
        right = text.find("\n", right + 1)
    return left, len(text) if right == -1 else right


def _listed_with(text: str, mention: _Mention, anchors: list[_Mention]) -> bool:
    """A row of a table or an item of a list that also names another brand."""
    block = _list_block(text, mention.start)
    return bool(block) and any(
        block[0] <= a.start < block[1] and a.pattern.brand != mention.pattern.brand for a in anchors
    )


def _valid_by_brand(text: str, mentions: list[_Mention]) -> dict[int, list[_Mention]]:
    """Apply the brand-level rules: person shadowing and corroboration of ambiguous names."""
    by_brand: dict[int, list[_Mention]] = {}
    for mention in mentions:
        by_brand.setdefault(mention.pattern.brand, []).append(mention)
    anchors = [m for m in mentions if not m.person and not m.pattern.needs_cue and not m.nested]
    valid: dict[int, list[_Mention]] = {}
    for brand, group in by_brand.items():
        shadowed = any(m.person and m.pattern.single_word for m in group)
        # "Ring Indoor Cam" in the article: its bare "Ring" is the company.
        maker = any(m.nested for m in group)
        kept = []
        for m in group:
            if m.nested or (m.person and m.pattern.single_word):
                continue
            if maker and m.pattern.needs_cue:
                m.cues.add("maker")
            if shadowed and m.pattern.single_word and not m.cues - {"said"}:
                continue
            if m.pattern.needs_cue and not m.cues:
                if m.standalone:
                    m.cues.add("capitalised")  # "tracked using Mint.", "signed to Universal"
                elif m.forced and _coordinated(text, m, anchors):
                    m.cues.add("co_brand")  # "Puma and New Balance are investing".
                elif not m.forced and any(_same_sentence(text, m, a) for a in anchors):
                    m.cues.add("co_brand")
                elif _listed_with(text, m, anchors):
                    m.cues.add("co_brand")  # "| Apple | iPhone 16 |" among other brands' rows.
            if m.pattern.needs_cue and m.forced and not m.cues:
                continue  # "Apple growers": the sentence capitalised it.
            kept.append(m)
        if kept and all(m.pattern.needs_cue and not m.cues for m in kept):
            continue  # An ambiguous name with no corporate cue anywhere in the article.
        if kept:
            valid[brand] = kept
    return valid


def _finding(text: str, language: str, start: int, end: int, **fields: object) -> BrandFinding:
    """A finding for the name at ``text[start:end]``, its sentence as the evidence."""
    left, right = sentence_around(text, start, end)
    evidence = text[left:right]
    return BrandFinding(
        surface=text[start:end],
        evidence=evidence,
        start=left,
        end=right,
        sentiment=round(sentence_sentiment(evidence, language), 4),
        source="rules",
        **fields,  # type: ignore[arg-type]
    )


def _tracked_mentions(
    text: str, language: str, context: ExtractionContext, blocked: set[str]
) -> list[_Mention]:
    """The tracked names' mentions in ``text`` (the article's text or its headline), blocked
    terms left out. German and Luxembourgish capitalise every noun, so there a capital
    mid-sentence says nothing."""
    english = (language or "en").lower().startswith("en")
    nouns_capitalised = (language or "").lower()[:2] in ("de", "lb")
    return [
        m
        for m in _known_mentions(text, context, english, nouns_capitalised)
        if normalize_brand(text[m.start : m.end]) not in blocked
    ]


class RulesExtractor:
    name = "rules"

    def extract(
        self, *, text: str, title: str, language: str, context: ExtractionContext
    ) -> ExtractionResult:
        text = text or ""
        blocked = {normalize_brand(t) for t in context.blocked_terms} | set(context.blocked_terms)
        mentions = _tracked_mentions(text, language, context, blocked)
        findings: list[BrandFinding] = []
        claimed: list[tuple[int, int]] = []
        for brand_index, group in _valid_by_brand(text, mentions).items():
            brand = context.known_brands[brand_index]
            if normalize_brand(brand.name) in blocked:
                continue
            best = max(group, key=lambda m: (m.confidence, -m.start))
            score = min(0.99, best.confidence + (0.05 if len(group) > 1 else 0.0))
            claimed.extend((m.start, m.end) for m in group)
            findings.append(
                _finding(
                    text,
                    language,
                    best.start,
                    best.end,
                    name=brand.name,
                    confidence=round(score, 2),
                    industry=brand.industry,
                    brand_id=brand.brand_id,
                )
            )
        findings.extend(self._in_title(title, language, context, findings, blocked))
        findings.extend(self._discovered(text, title, language, context, claimed, blocked))
        findings.sort(key=lambda f: f.start)
        score = article_sentiment(text, language, title)
        for finding in findings:
            finding.sentiment = brand_sentiment(finding.sentiment, score)
        return ExtractionResult(
            summary=first_sentences(text, 2, SUMMARY_CHARS) or " ".join((title or "").split()),
            topic="",
            sentiment_score=score,
            sentiment_label=article_label(score),
            language=language,
            brands=findings,
            extractor=self.name,
        )

    def _in_title(
        self,
        title: str,
        language: str,
        context: ExtractionContext,
        found: list[BrandFinding],
        blocked: set[str],
    ) -> list[BrandFinding]:
        """Tracked brands the headline names and the text does not ("Grupa Lotos. Nowym
        prezesem..." over a text that says "the company"). The same rules as in the text, so a
        common word in a Title-Case headline still needs a cue. The evidence is the title, at
        no offset of the text (start = end = 0: nothing to highlight there)."""
        title = " ".join((title or "").split())
        if not title or not context.known_brands:
            return []
        mentions = _tracked_mentions(title, language, context, blocked)
        have = {f.brand_id for f in found}
        findings = []
        for brand_index, group in _valid_by_brand(title, mentions).items():
            brand = context.known_brands[brand_index]
            if brand.brand_id in have or normalize_brand(brand.name) in blocked:
                continue
            best = max(group, key=lambda m: (m.confidence, -m.start))
            findings.append(
                BrandFinding(
                    name=brand.name,
                    surface=title[best.start : best.end],
                    evidence=title,
                    start=0,
                    end=0,
                    # Named once, in a line written to draw readers: a little less sure.
                    confidence=round(best.confidence - 0.1, 2),
                    sentiment=round(sentence_sentiment(title, language), 4),
                    industry=brand.industry,
                    brand_id=brand.brand_id,
                    source="rules",
                )
            )
        return findings

    def _discovered(
        self,
        text: str,
        title: str,
        language: str,
        context: ExtractionContext,
        claimed: list[tuple[int, int]],
        blocked: set[str],
    ) -> list[BrandFinding]:
        known_keys = _tracked(context.known_brands).keys
        findings = []
        for found in discover(
            text[:DISCOVERY_TEXT_LIMIT],
            skip=claimed,
            known_keys=known_keys | blocked,
            knowledge=context.knowledge,
            language=language or "en",
            title=title or "",
        ):
            best = found.candidate
            entry = found.entry
            if context.confirmed_only and entry is None:
                continue
            findings.append(
                _finding(
                    text,
                    language,
                    best.start,
                    best.end,
                    name=found.name,
                    confidence=found.confidence,
                    industry=_industry(getattr(entry, "industry", ""), context),
                    wikidata_id=getattr(entry, "wikidata_id", "") or "",
                    website=getattr(entry, "website", "") or "",
                )
            )
        return findings


def _industry(industry: str, context: ExtractionContext) -> str:
    """The knowledge base's industry when the organization's taxonomy has it."""
    if not industry or (context.industries and industry not in context.industries):
        return ""
    return industry


def merge_findings(llm: list[BrandFinding], rules: list[BrandFinding]) -> list[BrandFinding]:
    """The LLM's findings plus every known brand the rules found and the LLM missed.

    A rules finding is a duplicate of an LLM finding with the same ``brand_id``, or whose
    normalised name or surface equals the LLM finding's name or surface; the LLM's finding
    (and its evidence) is kept, completed with the known brand's id, canonical name and
    industry. Brands the rules discovered (no ``brand_id``) are not added: the LLM judges
    unknown names better than cues do.
    """
    merged = [replace(f) for f in llm]
    for finding in rules:
        if finding.brand_id is None:
            continue
        keys = {normalize_brand(finding.name), normalize_brand(finding.surface)} - {""}
        twin = next(
            (
                f
                for f in merged
                if f.brand_id == finding.brand_id
                or keys & {normalize_brand(f.name), normalize_brand(f.surface)}
            ),
            None,
        )
        if twin is None:
            merged.append(replace(finding))
        elif twin.brand_id is None:
            twin.brand_id = finding.brand_id
            twin.name = finding.name
            twin.industry = twin.industry or finding.industry
    return merged
