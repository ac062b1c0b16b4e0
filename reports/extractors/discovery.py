"""Discovery of brands the organization does not track: capitalised names with corporate cues.

A candidate is a run of capitalised words ("Blue Bottle Coffee", "Procter & Gamble",
"Soylent S.A", "Carlsberg A/S", "eBay") that is not a person, a place or an institution. It is
reported when its cues (``cues.py``) reach ``cues.DISCOVERY_THRESHOLD``. Capitals that grammar
forces are no evidence: a single word opening a sentence ("Comparable sales rose") needs a
strong cue or a capitalised use elsewhere in the article; a determiner or common word opening a
sentence is dropped ("The", "Analysts", "Rival").

Never a brand (``gazetteer``): a weekday, a month, a single letter, a degree, a job title or
an honorific, a programming language or format, a public body or non-profit, a place, a person
(a common first name alone, a first name and a surname, a surname the article gave in full
elsewhere), a phrase of dictionary words without a strong cue ("Customer Journey"), or a
Title-Case headline's words. What the article shows also rules a name out (``_not_a_brand``)
unless a corporate cue says otherwise: the first words of an institution or a place it names
("O'Hare" of "O'Hare International Airport"), a lowercase organisation or work noun after it
("the Ennahda party", "Ghostbusters star"), a phrase it also writes in lowercase. A name that
is not a dictionary word, used with its capital inside a sentence, is a proper name the
article keeps calling by name ("proper"); an inner capital or a digit ("YouTube", "eBay",
"1Password") is the shape of a brand ("shape"). With a knowledge base
(``ExtractionContext.knowledge``), a candidate whose name it knows gets the "kb" cue and the
base's industry, website and Wikidata id; the base adds no candidates of its own.

Names: the discovered ``name`` drops a trailing legal form ("Globex Corporation" -> "Globex",
the ``surface`` keeps it) and a leading possessor ("India's Tata Motors" -> "Tata Motors"),
unless a legal form makes the whole a registered name ("Moody's Analytics Inc."). A
short form of a longer discovered name in the same article ("Brightwave" for "Brightwave
Analytics") counts as that name.
"""

import bisect
import itertools
import re
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial

from reports.evidence import is_sentence_start
from reports.normalize import LEGAL_FORMS, normalize_brand

from . import cues, discovery_model, gazetteer, places
from .discovery_features import group_features
from .lowercase_words import in_findall
from .wordlists import (
    COMMON_WORDS,
    DETERMINERS,
    INSTITUTION_WORDS,
    NOBLE_TITLES,
    PERSON_TITLES,
    PLACE_WORDS,
    STOCK_EXCHANGES,
)

_CONNECTOR_WORDS = "of|de|du|del|van|von|di|dei|della|da"
# A word character that is not Chinese, Japanese or Korean: "Appleは" is "Apple" then a word
# of another script, and "はApple" starts a name, as spaces would in English.
_W = r"[^\W\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff66-\uff9f]"
_CAP = (
    rf"(?:[A-ZÀ-ÖØ-Þ]{_W}*|[a-z]{{1,2}}[A-Z]{_W}*|\d+[A-Z][a-z]{{2,}}{_W}*)"
    rf"(?:[\u2019'&.-]{_W}+|\+[A-Z]{_W}*|/[A-Z](?!{_W}))*(?:\+(?![\w+]))?"
)  # "Me+Em", "Disney+", "Apple News+": the plus is the name's (not "C++")
_RUN = re.compile(
    rf"(?<!{_W})(?<![\u2019'&.#@-]){_CAP}(?:(?:[ \u00a0]|\s&\s|\s(?:{_CONNECTOR_WORDS})\s(?=[A-Z]))"
    rf"{_CAP}){{0,7}}(?:,?\s(?:plc|gmbh|spa|sarl|srl)\b)?"
)
_ADJECTIVE = re.compile(r"-[a-z]+$")
_TOKEN = re.compile(r"\S+")
_INSTITUTION_BEFORE = re.compile(
    r"([A-Z]\w+)\s+(?:for|of|on)\s+(?:the\s+)?(?:[A-Z][\w'\u2019-]*,?\s+(?:and\s+|&\s+)?){0,3}$"
)
_CONNECTORS = frozenset({"&", *_CONNECTOR_WORDS.split("|")})
# The cues that make a name a registered one whatever its words or where it stands: a legal
# form, a stock ticker, a trademark sign.
_REGISTERED_CUES = frozenset({"legal", "ticker", "trademark"})
# A title alone is no brand ("Mr", "the Duke"); nor is what follows an institution's word or a
# title of nobility ("Society for ...", "Duchess of Sussex"). Joined once, not per candidate.
_TITLES = PERSON_TITLES | NOBLE_TITLES
_INSTITUTION_OR_TITLE = INSTITUTION_WORDS | NOBLE_TITLES
# Words that make a body of what follows "for"/"of" ("Alliance for American Manufacturing",
# "Coalition for Better Ads", "Friends of the Earth"), though alone they may be a brand's
# ("Star Alliance"): only before the preposition. ("League of Legends" is a game.)
_BODY_BEFORE = _INSTITUTION_OR_TITLE | gazetteer.words(
    "alliance coalition campaign movement network union association federation fund trust "
    "friends partnership"
)
_POSSESSIVE = re.compile(r"(?:'s|\u2019s)$|(?<=s)['\u2019]$")


@dataclass
class Candidate:
    start: int
    end: int
    surface: str
    name: str
    cues: set[str]
    initial_single: bool = False  # One word whose capital the sentence start explains.
    possessor: bool = False  # Cut off the front of a run: "Zentrix" of "Zentrix's Orbit".
    # Not a dictionary word nor a first name: its capital inside a sentence makes it a name.
    distinctive: bool = False
    # For a one-word dictionary name: its cues, should the article use it only as a name.
    word_cues: set[str] | None = None
    key: str = field(init=False)

    def __post_init__(self) -> None:
        self.key = normalize_brand(self.name)

    entry: object | None = None  # The knowledge base's entry, when it knows the name.


@dataclass
class Discovered:
    name: str
    candidate: Candidate  # The mention with the best evidence.
    confidence: float
    entry: object | None = None


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether ``[start, end)`` overlaps one of the sorted, non-overlapping ``spans``."""
    j = max(0, bisect.bisect_left(spans, (start, start)) - 1)
    while j < len(spans) and spans[j][0] < end:
        if start < spans[j][1]:
            return True
        j += 1
    return False


def _headline(text: str, start: int) -> bool:
    """Whether the line holding ``start`` is a Title-Case headline, whose capitals say nothing."""
    left = text.rfind("\n", 0, start) + 1
    right = text.find("\n", start)
    right = len(text) if right < 0 else right
    if right - left > _HEADLINE_MAX_CHARS:
        return False  # A paragraph: not sliced, split into words and hashed for the cache.
    return _headline_line(text[left:right])


_HEADLINE_MAX_CHARS = 160


@lru_cache(maxsize=1024)
def _headline_line(line: str) -> bool:
    if "|" in line:
        return False  # A table row: its cells are names, not a headline.
    words = re.findall(r"[^\W\d_][\w\u2019'-]*", line)
    long_words = [w for w in words if len(w) > 3]
    if len(words) < 4 or len(line) > _HEADLINE_MAX_CHARS:
        return False
    return sum(w[0].isupper() for w in long_words) >= 0.8 * max(1, len(long_words))


def _candidates(
    text: str, skip: list[tuple[int, int]], german: bool = False, inflected: bool = False
) -> tuple[list[Candidate], set[str], set[str], set[str], set[str]]:
    """Every candidate mention, the words seen capitalised inside a sentence, the words of
    people's names, the keys of the first words of institutions' and places' names
    ("o'hare" of "O'Hare International Airport"), and the common words before "of" and a place
    ("gulf" of "Gulf of Mexico"). ``inflected``: a language whose names take case endings
    ("Declana Rice", Czech)."""
    found: list[Candidate] = []
    people: set[str] = set()
    proper: set[str] = set()
    institution_heads: set[str] = set()
    place_heads: set[str] = set()
    # Each capitalised run, and the possessor cut off the front of one ("Apple" of "Apple's
    # IoT framework"), which is a name in its own right.
    runs: deque[tuple[list[tuple[int, str]], bool | None]] = deque()
    previous_end = -1
    for match in _RUN.finditer(text):
        if not _overlaps(skip, match.start(), match.end()):
            parts = _TOKEN.finditer(match.group())
            tokens = [(match.start() + m.start(), m.group(0)) for m in parts]
            if (
                runs
                and previous_end >= 0
                and text[previous_end : match.start()] == " and "
                and len(tokens) > 1
                and normalize_brand(tokens[-1][1]) in LEGAL_FORMS
                and all(gazetteer.is_common_word(w) for _, w in tokens[:-1])
            ):
                # "Moruo Mining and Construction Company": the legal form is the whole name's,
                # not "Construction Company"'s, plain words that are no name alone (but
                # "American Airlines and Zorblax Air Ltd" are two).
                tokens = [*runs.pop()[0], (previous_end + 1, "and"), *tokens]
            runs.append((tokens, None))
            previous_end = match.end()
        else:
            previous_end = -1
    while runs:
        tokens, initial_possessor = runs.popleft()
        possessor = initial_possessor is not None
        if initial_possessor is None and len(tokens) > 2:
            place_heads.update(_heads_of_place(tokens))
        run_start = tokens[0][0]
        initial = (
            is_sentence_start(text, run_start)
            or _headline(text, run_start)
            or bool(_ITEM_START.search(text, max(0, run_start - 4), run_start))
            if initial_possessor is None
            else initial_possessor
        )
        lead = ""
        # "Credit Suisse Group AG": a registered name keeps its first word, however common.
        registered = len(tokens) > 1 and (
            normalize_brand(tokens[-1][1]) in LEGAL_FORMS
            or bool(cues.legal_form_after(text, tokens[-1][0] + len(tokens[-1][1])))
        )  # ... and "Crown Equity Holdings, Inc. does not": the form after a comma.
        while len(tokens) > 1 or (tokens and initial):
            word = tokens[0][1].lower().strip(".")
            if len(tokens) > 1 and gazetteer.is_place(f"{tokens[0][1]} {tokens[1][1]}"):
                break  # "Las Vegas", "New Zealand", "El Paso": the first word is the place's.
            if not (
                (word in DETERMINERS and (initial or word == "the"))
                or (
                    initial
                    and not registered
                    and (word in COMMON_WORDS or cues.descriptor_word(word))
                )
                or word in PERSON_TITLES
            ):
                break
            lead, tokens, initial = word, tokens[1:], False
        participle = False
        while (
            len(tokens) > 1
            and tokens[0][1].lower().endswith(("ed", "ing"))
            and gazetteer.is_common_word(tokens[0][1])
            # "Ned Ludd", "Ted Sarandos": a given name, not "Updated iOS" ("ned" is a word).
            and not gazetteer.is_first_name(tokens[0][1], min_frequency=2)
        ):
            tokens, participle = tokens[1:], True  # "Updated iOS", "Growing Netflix".
        for index in range(len(tokens) - 1, 0, -1):  # "India's Tata Motors" -> "Tata Motors"
            if (
                _POSSESSIVE.search(tokens[index - 1][1])
                and not (
                    index == 1  # The possessor opens it: not "Shares of Dick's Sporting Goods".
                    and _registered_somewhere(text, [w for _, w in tokens], registered)
                )
                # "Citizen's Advice Bureau", "Children's Hospital": a word's possessive is the
                # institution's name, not an owner of it (but "NW Natural's Philanthropy Fund").
                and not (
                    tokens[-1][1].lower().strip(".,") in gazetteer.ORGANISATION_WORDS
                    and all(
                        gazetteer.is_common_word(_POSSESSIVE.sub("", w)) for _, w in tokens[:index]
                    )
                )
            ):
                runs.append((tokens[:index], initial))  # "India" is judged on its own.
                tokens, initial = tokens[index:], False
                break
        if german:  # "Passwortmanagers 1Password": a capitalised noun before a brand's name.
            shaped = next((i for i, (_, w) in enumerate(tokens) if _SHAPE.search(w)), 0)
            tokens, initial = tokens[shaped:], initial and not shaped
        for index in range(1, len(tokens)):  # "Activision Blizzard CEO Bobby Kotick"
            title = tokens[index][1].lower().strip(".,")
            if title in _TITLE_WORDS | {"the"}:
                if title != "the" and 1 <= len(tokens) - index - 1 <= 3:
                    # The words after the title are the holder's name: "Zuckerberg" later in
                    # the article is that person, not a brand.
                    people.update(_person_keys(w for _, w in tokens[index + 1 :]))
                tokens = tokens[:index]  # and "Leaves Net-a-Porter The Italian"
                break
        if (
            len(tokens) > 1
            and _ADJECTIVE.search(tokens[0][1])
            and tokens[0][1].split("-")[0].lower() not in PERSON_TITLES
        ):
            tokens, initial = tokens[1:], False  # "Kroger-owned QFC" -> "QFC"
        for size in (3, 2, 1):  # "New York GoDaddy" -> "GoDaddy"
            prefix = " ".join([w for _, w in tokens[:size]]) if len(tokens) > size else ""
            if (
                len(tokens) > size
                and gazetteer.is_place(prefix)
                and not gazetteer.is_first_name(tokens[0][1])  # "Tyler Besecker"
                and not (size == 1 and gazetteer.is_common_word(prefix))  # "Best Buy"
                # "Taiwan Semiconductor", "New York Times": a plain word is no name alone.
                and not all(gazetteer.is_common_word(w) for _, w in tokens[size:])
                and _stands_without(text, prefix, [w for _, w in tokens[size:]])
            ):
                tokens, initial = tokens[size:], False
                break
        while tokens and tokens[-1][1].lower() in _CONNECTORS:
            tokens = tokens[:-1]
        while (
            tokens
            and tokens[0][1].lower() in _CONNECTORS
            and (len(tokens) == 1 or not tokens[0][1][:1].isupper())
        ):
            tokens = tokens[1:]  # "of America" (not "De Grey Mining", "Van Heusen": names)
        if not tokens:
            continue
        words = [word for _, word in tokens]
        words[-1] = _POSSESSIVE.sub("", words[-1]) or words[-1]
        start, end = tokens[0][0], tokens[-1][0] + len(words[-1])
        headline = _headline(text, start)
        if not initial and not headline:
            proper.add(normalize_brand(" ".join(words)))
        if _person(text, start, end, words, lead, inflected):
            people.update(_person_keys(words))
            continue
        if participle and all(gazetteer.is_common_word(w) for w in words):
            continue  # "Certified Sustainable Seafood": a description, not a name.
        candidate = _candidate(text, start, end, words, lead, run_start)
        # "the Duke and Duchess of Sussex": the title's place names the people, so "the Sussex
        # brand", "a Sussex spokesperson" later are theirs, not a brand's.
        designation = next(
            (
                i + 2
                for i in range(len(words) - 2)
                if words[i + 1] == "of" and words[i].lower() in NOBLE_TITLES
            ),
            0,
        )
        if designation:
            people.update(_person_keys(words[designation:]))
        elif candidate is None and _NOBLE_OF.search(text, max(0, run_start - 30), run_start):
            people.update(_person_keys(words))  # "... of Sussex" after "the Duchess" alone
        if candidate is None and len(words) > 1 and _institution_or_place(words):
            # "O'Hare" of "Chicago O'Hare International Airport" too: a place may lead it.
            places = [0] + [i for i in (1, 2, 3) if gazetteer.is_place(" ".join(words[:i]))]
            institution_heads.update(
                normalize_brand(" ".join(words[first:size]))
                for first in places
                for size in range(first + 1, len(words))
            )
        if candidate and headline:
            candidate.cues &= _REGISTERED_CUES  # "Pills She Bought Online".
        if candidate:
            candidate.initial_single = (initial or headline) and len(words) == 1
            candidate.possessor = possessor
            if headline and len(words) > 1:
                candidate.initial_single = True  # A headline's run is no name by itself.
            found.append(candidate)
    return found, proper, people, institution_heads, place_heads


def _registered_somewhere(text: str, words: list[str], registered: bool) -> bool:
    """Whether a run with a possessive inside is a company's registered name, here or at
    another mention: "Moody's Analytics Inc." (then "a Moody's Analytics report" is the same
    name, not "Analytics"), "Dick's Sporting Goods, Inc.". Only a legal form says so: "River's
    Edge" or "India's Tata Motors" are a possessor and a name."""
    possessor = next(w for w in words if _POSSESSIVE.search(w))
    if gazetteer.is_place(_POSSESSIVE.sub("", possessor)):
        return False  # "India's Tata Motors Ltd": a country's company, named without it.
    return registered or _registered_elsewhere(text, tuple(words))


@lru_cache(maxsize=64)  # Pages, not names: a small cache keeps few texts alive.
def _registered_elsewhere(text: str, words: tuple[str, ...]) -> bool:
    """``_registered_somewhere`` at the other mentions: cached, since a page names "Apple's
    Vision Pro" many times (a string's hash is computed once, so the key is cheap)."""
    last = _POSSESSIVE.sub("", words[-1]) or words[-1]  # "Moody's Analytics' forecast"
    spaced = r"\s+".join(re.escape(w) for w in (*words[:-1], last))
    # The possessive's apostrophe, straight or curly, whichever the other mention uses.
    whole = re.compile(re.sub(r"\\?['\u2019]", "['\u2019]", spaced) + r"(?![\w-])")
    # Each mention found by its first letters with str.find, then matched where it starts.
    stem = re.split(r"['\u2019]", words[0])[0]
    at = text.find(stem)
    while at >= 0:
        mention = whole.match(text, at)
        if (
            mention
            and not (at and (text[at - 1].isalnum() or text[at - 1] in "_-"))
            and cues.legal_form_after(text, mention.end())
        ):
            return True
        at = text.find(stem, at + 1)
    return False


def _person_keys(words: Iterable[str]) -> set[str]:
    """The keys a person's name words match later: "zitt-james" and "zitt james" (the key of
    "Zitt-James" said alone)."""
    return {form for w in words for form in (w.lower(), normalize_brand(w)) if form}


def _stands_without(text: str, prefix: str, rest: list[str]) -> bool:
    """Whether a place before a name is only where the name is: "New York GoDaddy" (a brand's
    shape, or "GoDaddy" alone elsewhere), not part of it ("Cambridge Analytica", every time)."""
    if any(_SHAPE.search(w) for w in rest):
        return True
    name = " ".join(rest)
    alone = len(re.findall(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text))
    return alone > len(re.findall(rf"{re.escape(prefix)}\s+{re.escape(name)}(?![\w-])", text))


_NOBLE_OF = re.compile(
    r"\b(?:" + "|".join(sorted(NOBLE_TITLES)) + r")(?:es|s)?\s+of\s+(?:the\s+)?$", re.IGNORECASE
)
_SAINT_BEFORE = re.compile(r"(?<![\w.])St\.\s+$")
# Lee "Faker" Sang-hyeok, Earvin "Magic" Johnson: one word in quotes between a person's given
# name and surname is a nickname (a player's handle), and the person later goes by it alone.
_NICKNAME_BEFORE = re.compile(r"(?<![\w.])[A-Z][\w.'\u2019-]*\s+[\"\u201c\u2018']$")
_NICKNAME_AFTER = re.compile(r"[\"\u201d\u2019']\s+[A-Z][a-z]")
# "Kenneth R. Lowe": a first name and a middle initial before the word make it a surname.
_FIRST_AND_INITIAL = re.compile(r"(?<![\w.])([A-Z][a-z]+)\s+[A-Z]\.\s+$")


def _person(
    text: str, start: int, end: int, words: list[str], lead: str, inflected: bool = False
) -> bool:
    if cues.looks_like_person(text, start, end, words, lead):
        return True
    # _FIRST_AND_INITIAL, _SAINT_BEFORE and _INITIALS_BEFORE all end in a full stop and then
    # only whitespace up to the name ("$" may also stand before a last newline: whitespace
    # too), inside the last 30 characters. Where the last of those that is not whitespace is
    # no full stop (most names), none of the three can match: their searches, each retried
    # at every position of its window, are skipped. (``\s`` is ``str.isspace``, as rstrip.)
    stop_before = text[max(0, start - 30) : start].rstrip().endswith(".")
    initial = (
        _FIRST_AND_INITIAL.search(text, max(0, start - 30), start)
        if stop_before and len(words) == 1
        else None
    )
    if initial and (
        gazetteer.is_first_name(initial.group(1))
        or not gazetteer.is_common_word(initial.group(1))  # "Steny H. Hoyer"
    ):
        return True
    if (
        len(words) == 1
        # The anchored match first: it fails at its first character unless a quote follows.
        and _NICKNAME_AFTER.match(text, end)
        and _NICKNAME_BEFORE.search(text, max(0, start - 30), start)
    ):
        return True  # A nickname: "Faker" of Lee "Faker" Sang-hyeok, and "Faker" alone later.
    if stop_before and _SAINT_BEFORE.search(text, max(0, start - 8), start):
        return True  # "St. Mark's Square", "St. Paul": a saint's name or a place's.
    if stop_before and len(words) == 1 and _INITIALS_BEFORE.search(text, max(0, start - 12), start):
        return True  # "N. K. Jemisin": a person's initials.
    if inflected and len(words) == 2 and gazetteer.is_inflected_first_name(words[0]):
        return True  # "Declana Rice", "Declanem Ricem": Declan in the Czech genitive.
    if "-" in words[0] and words[0].split("-")[0].lower() in PERSON_TITLES:
        return True  # "President-elect Trump".
    if _cited_author(text, start, end, words):
        return True  # "Ruskin KJ, Hueske-Kraus D.": authors in a reference list.
    if len(words) == 2 and _SURNAME_SHAPE.match(words[1]) and words[0][1:].islower():
        return True  # "Rolfe McCartney", "Sean O'Brien".
    # "Blake Snyder", "Giuseppe Pedrazzini": a given name and a capitalised surname.
    return (
        2 <= len(words) <= 3
        and gazetteer.is_first_name(words[0])
        and all(w[:1].isupper() and not w.isupper() for w in words)
        and not any(normalize_brand(w) in LEGAL_FORMS for w in words)
    )


# An author as reference lists write one: a surname and up to three initials, then a comma,
# a full stop or "et al".
_CITED = re.compile(r"[A-Z][\w'\u2019-]+\s[A-Z]{1,3}(?:[,.;]|\s+et\s+al\b)")


def _cited_author(text: str, start: int, end: int, words: list[str]) -> bool:
    """A surname with initials among other such names ("Ruskin KJ, Hueske-Kraus D."): one
    alone proves nothing ("Ford GT,"), a list of them is a citation."""
    if len(words) != 2 or not re.fullmatch(r"[A-Z]{1,3}", words[1]):
        return False
    if normalize_brand(words[1]) in LEGAL_FORMS or not _CITED.match(text, start):
        return False
    return len(_CITED.findall(text, max(0, start - 80), min(len(text), end + 80))) >= 2


def _heads_of_place(tokens: list[tuple[int, str]]) -> set[str]:
    """The common words before "of" and a place ("Gulf" of "Gulf of Mexico", "National Bank"
    of "National Bank of Ukraine"): a place's or a body's name cut short, when the article
    uses it alone ("entered the Gulf", "the head of the National Bank")."""
    words = [w for _, w in tokens]
    if "of" not in words[1:-1]:
        return set()
    at = words.index("of", 1)
    head, rest = words[:at], words[at + 1 :]
    rest = rest[1:] if rest[0].lower() == "the" else rest
    if not rest or not all(gazetteer.is_common_word(w) for w in head):
        return set()
    if not (gazetteer.is_place(" ".join(rest)) or all(w.lower() in PLACE_WORDS for w in rest)):
        return set()
    return {normalize_brand(" ".join(head))}


# An organisation's name and its initials in brackets: "Immigration, Refugees and Citizenship
# Canada (IRCC)", "the Massachusetts Institute of Technology (MIT)".
_NAME_BEFORE_BRACKET = re.compile(
    r"((?:[A-Z][\w'\u2019.&-]*,?\s+(?:(?:of|for|and|on|the|&)\s+)*){1,8})\($"
)


def _initials_of_a_body(text: str, group: list["Candidate"]) -> bool:
    """An acronym the article introduces in brackets after an institution's or a public
    body's name: the body's initials, not a brand ("the Federal Reserve Board (FRB)")."""
    for candidate in group:
        if candidate.start < 2 or text[candidate.start - 1] != "(":
            continue
        surface = candidate.surface
        if not _ACRONYM_LIKE.match(surface) or sum(map(str.isupper, surface)) < 2:
            return False
        found = _NAME_BEFORE_BRACKET.search(text, max(0, candidate.start - 160), candidate.start)
        if found:
            written = [w.strip(",") for w in found.group(1).split()]
            words = [w for w in written if w.lower() not in _CONNECTORS | {"the", "for", "on"}]
            return (
                len(words) > 1
                and (
                    _institution_or_place(words)
                    or words[-1].lower() in _PROGRAMME_WORDS
                    # "Immigration, Refugees and Citizenship Canada": a country's department is
                    # named by plain words and the country (not "Bank of America (BofA)", "Royal
                    # Bank of Canada (RBC)", "Air Canada (AC)": brands).
                    or (
                        len(words) > 2
                        and written[-2].lower() != "of"
                        and gazetteer.is_place(words[-1])
                        and all(gazetteer.is_common_word(w) for w in words[:-1])
                    )
                )
            )
    return False


# A programme's initials are no brand: "the Healthcare Advancement Program (H-CAP)".
_PROGRAMME_WORDS = gazetteer.words("program programme initiative")


_ACRONYM_LIKE = re.compile(r"^[A-Z][A-Za-z&-]{1,7}$")


def _institution_or_place(words: Sequence[str]) -> bool:
    return _institution_or_place_of(tuple(words))


# Cached as _word_verdict is, for the same reason: a function of the words and fixed lists.
@lru_cache(maxsize=8192)
def _institution_or_place_of(words: tuple[str, ...]) -> bool:
    lowered = [w.lower().strip(".") for w in words]
    return (
        all(w in PLACE_WORDS for w in lowered)
        or any(w in INSTITUTION_WORDS for w in lowered)
        or lowered[0] in STOCK_EXCHANGES
        or gazetteer.is_organisation(words)
        or gazetteer.is_place(" ".join(words))
        or gazetteer.is_people(words[0])
        or (
            len(words) == 1
            and "-" in words[0]
            and all(places.is_place_word(p) for p in lowered[0].split("-"))
        )
    )


# What ranks things opens a heading, not a name, when a plural follows ("Top AI Companies",
# "Best Budget Laptops", "Top Robotics"; not "Best Buy", "Top Gear").
_RANKING_WORDS = gazetteer.words("top best worst biggest largest")
_TOWN_COMMA_BEFORE = re.compile(r"[A-Z][\w.'\u2019-]*,\s$")
# A name's lowercase particles after its first capitalised word: what follows is the end of a
# person's or a place's name ("Oscar de la Renta", "Ludwig van der Rohe"); the run of
# capitals stops at them ("de" joins only a capital: "Banco de Chile" stays whole).
_PARTICLE_BEFORE = re.compile(
    r"(?<![\w.])[A-Z][a-z]+\s+(?:(?:de|da|di|du|del|van|von|der|den|la|le|dos|das|al|el|bin|ibn)"
    r"\s+){1,3}$"
)
# Words that open a sentence or close a list as themselves: "Plus, the idea was ...", "Movies
# New to Netflix, Amazon and More". Written in capitals they may be a name ("MORE", a retailer).
_FUNCTION_WORDS = gazetteer.words("more plus also yes no other others much many")


def _list_heading(lowered: list[str]) -> bool:
    """A ranking's heading: a ranking word, then words ending in a plural ("Top AI
    Companies", "Top Robotics")."""
    last = lowered[-1]
    return (
        len(lowered) > 1
        and lowered[0] in _RANKING_WORDS
        and last.endswith("s")
        and not last.endswith("ss")
    )


# The tests of _candidate that read only the words, asked once per distinct words: a page
# names the same things again and again, and pages share names ("Apple", "Google"), so most
# candidates are answered from the cache (session 16: about 3 in 4 on the real pages). Exact:
# every test below reads the words and this module's and the gazetteer's fixed lists only
# (never the text or the position), and the rejections come before any test of the text in
# _candidate, so asking them first, or from the cache, returns what the inline tests returned.
@lru_cache(maxsize=8192)
def _word_verdict(words: tuple[str, ...]) -> tuple[list[str], bool, bool, bool] | None:
    """None when the words alone make no candidate; otherwise the lowered words (shared:
    read-only), whether the last word is a legal form, whether a word has a brand's shape,
    and whether every word is a dictionary word."""
    lowered = [w.lower().strip(".") for w in words]
    if _ADJECTIVE.search(words[-1]):
        return None  # "Oakland-based", "London-listed": an adjective, not a name.
    legal = len(words) > 1 and normalize_brand(words[-1]) in LEGAL_FORMS
    if not legal and _institution_or_place(words):
        return None
    if len(words) == 1 and lowered[0] in _TITLES:
        return None  # "Mr" of "Mr. Burton": the run stops at the full stop; "the Duke".
    if gazetteer.junk_category(words) or any(_CONTRACTION.search(w) for w in words):
        return None  # A weekday, a degree, "I've".
    if len(words) == 1 and _PLURAL_ACRONYM.match(words[0]) and not legal:
        return None  # "TVs", "PCs", "SUVs": a kind of thing, counted.
    if all(normalize_brand(w) in LEGAL_FORMS for w in words) or any("_" in w for w in words):
        return None  # "Inc" of "Dräger, Inc."; "Director_Oh", an identifier.
    shaped = any(_SHAPE.search(w) for w in words)  # "YouTube", "eBay", "1Password".
    plain_words = all(w in COMMON_WORDS or gazetteer.is_common_word(w) for w in lowered if w != "&")
    return lowered, legal, shaped, plain_words


def _candidate(
    text: str,
    start: int,
    end: int,
    words: list[str],
    lead: str,
    run_start: int,
) -> Candidate | None:
    verdict = _word_verdict(tuple(words))
    if verdict is None:
        return None  # Rejected for its words alone: see _word_verdict.
    lowered, legal, shaped, plain_words = verdict
    if _INDEX_AFTER.match(text, end) or places.after_house_number(text, start):
        return None  # "S&P 500 index"; "2134 Caldwell Place", an address.
    if lowered[-1] in _INDEX_NAMES and _NUMBER_AFTER.match(text, end):
        return None  # "the S&P 500 is up", "the FTSE 100 fell": a market index.
    if not legal and places.shown_as_place(text, start, end):
        return None  # "Athens, Clanton, Falkville and Madison", "the towns of Amalfi".
    if len(words) > 1 and lowered[-1] in _WORK_WORDS:
        return None  # "Global DevSecOps Survey": a title, not a brand.
    if _list_heading([lead, *lowered] if lead else lowered):
        return None  # "Top AI Companies" ("Companies" is no legal form there): a heading.
    if (
        len(words) == 1
        and lowered[0] in gazetteer.STATE_ABBREVIATIONS
        and text.startswith(".", end)
        and _TOWN_COMMA_BEFORE.search(text, max(0, start - 40), start)
    ):
        return None  # "Hopkinton, Mass.-based EMC": a US state as the news abbreviates it.
    if _PARTICLE_BEFORE.search(text, max(0, start - 40), start):
        return None  # "Renta" of "Oscar de la Renta", "Janeiro" of "Rio de Janeiro".
    if len(words) == 1 and lowered[0] in _FUNCTION_WORDS and not words[0].isupper():
        return None  # "Netflix, Amazon and More", "Plus, the idea": a word, never a name.
    if start and text[start - 1] in _OPENING_QUOTES and _opens_quoted_title(text, end):
        return None  # "'Showtime at the Apollo.'": the first word of a quoted title.
    institution = _INSTITUTION_BEFORE.search(text, max(0, run_start - 40), run_start)
    if institution and institution.group(1).lower() in _BODY_BEFORE and not legal:
        # "Office for National Statistics", "Society for the Protection of Birds", "the Duke
        # and Duchess of Sussex".
        return None
    found = cues.context_cues(text, start, end, before_at=run_start)
    if cues.use_noun_after(text, end):
        found.add("use_noun")  # "Android devices", "Windows users".
    if legal:
        found.add("legal")
    if lead and cues.descriptor_word(lead):
        found.add("descriptor")  # "Rival Superdrug" at the start of a sentence.
    if shaped:
        found.add("shape")  # "YouTube", "eBay", "1Password".
    if plain_words:
        if cues.name_goes_on(text, end):
            return None  # "activist group Fight for $15": the first word of a longer name.
        strong = found & cues.STRONG
        if len(words) == 1 and words[0].isupper():
            # "of ANY brand, it is DELICIOUS": a word in capitals is emphasis; only a legal
            # form, a ticker or a trademark sign makes it a name.
            strong &= _REGISTERED_CUES
        candidate = Candidate(start, end, text[start:end], " ".join(words), strong)
        # "Real Beauty", "Customer Journey": only strong cues count, unless the article
        # treats the word as a name throughout ("Twitch", never "twitch"): see discover().
        if len(words) == 1 and not gazetteer.is_first_name(words[0], min_frequency=2):
            candidate.word_cues = found
        return candidate
    elif len(words) == 1 and gazetteer.is_first_name(words[0], min_frequency=2):
        found &= cues.STRONG  # "Kristen", "Malachi": a first name alone is a person.
    elif not (
        len(words) == 1
        and (_ACRONYM.match(words[0]) or (words[0][:1].islower() and not _SHAPE.search(words[0])))
    ):  # ("iPad", "eBay": a lowercase first letter in a brand's shape is a name)
        # Acronyms ("SQL", "NCAA") and lowercase-led words need a cue of their own.
        name = _without_legal_form(words) if legal else " ".join(words)
        candidate = Candidate(start, end, text[start:end], name, found)
        candidate.distinctive = True
        return candidate
    name = _without_legal_form(words) if legal else " ".join(words)
    return Candidate(start, end, text[start:end], name, found)


# An inner capital after a lowercase letter ("YouTube", "eBay"), or letters and digits mixed
# ("1Password", "3M"): how brands are written, not how words or names are.
_SHAPE = re.compile(
    r"^(?:[a-z]{1,3}[A-Z][A-Za-z]+|[A-Z][a-z]+[A-Z][a-z]+|\d+[A-Za-z]{2,}"
    r"|[A-Z]{1,3}&[A-Z]{1,3}|[A-Z]{2,}[A-Z][a-z]{2,}|[A-Z][a-z]+[A-Z]{2,})$"
)  # also "AT&T", "NBCUniversal", "DirecTV"
_ACRONYM = re.compile(r"^[A-Z0-9&.]+s?$")
_PLURAL_ACRONYM = re.compile(r"^[A-Z]{2,5}s$")
_INDEX_AFTER = re.compile(r"\s+\d+\s+[Ii]ndex\b")
_NUMBER_AFTER = re.compile(r"\s+\d{2,4}\b")
_INDEX_NAMES = gazetteer.words("s&p ftse nikkei dax cac stoxx kospi sensex nifty topix hsi")
_INITIALS_BEFORE = re.compile(r"(?<![\w.])(?:[A-Z]\.\s){2,3}$")
_CONTRACTION = re.compile(r"['\u2019](?:ve|ll|re|d|m|t)$", re.IGNORECASE)
# A last word that makes the name a work, an event or a law, not a brand.
_WORK_WORDS = gazetteer.words(
    """survey report study index awards award conference summit festival week day act law
    bill prize cup championship series initiative program programme mission campaign"""
)


_OPENING_QUOTES = frozenset('"\u201c\u2018')
# The rest of a quotation after its first name: up to seven words, then the closing quote.
_QUOTED_REST = re.compile(r"(?:\s+[\w'\u2019&.-]+){1,7}?[.,!?]?[\"\u201d\u2019]")
_QUOTED_WORD = re.compile(r"[\w&-]+")
# The words a title leaves in lowercase ("at the", "of", "to"), not "and"/"or" alone: "“Apple
# and Google”" lists two names.
_TITLE_SMALL_WORDS = gazetteer.words("a an the at of in on for to with from by into over")


def _opens_quoted_title(text: str, end: int) -> bool:
    """Whether the quotation a name opens goes on as a title does: capitalised words and the
    small words titles leave in lowercase, a capitalised word last ("'Showtime at the
    Apollo.'", "'Fight for Your Right'"); not speech ("'Amazon is great,' she said")."""
    rest = _QUOTED_REST.match(text, end)
    if rest is None:
        return False
    words = _QUOTED_WORD.findall(rest.group())
    small = [w for w in words if not w[:1].isupper()]
    return bool(small) and all(w in _TITLE_SMALL_WORDS for w in small) and words[-1][:1].isupper()


def _without_legal_form(words: list[str]) -> str:
    kept = list(words)
    while len(kept) > 1 and normalize_brand(kept[-1]) in LEGAL_FORMS:
        kept.pop()
        while len(kept) > 1 and kept[-1] in ("&", "and", ","):
            kept.pop()
    return " ".join(kept).rstrip(",")


ORGANISATION_KINDS = frozenset({"government", "ngo"})
LISTED_CONFIDENCE = 0.9
# A title inside a capitalised run ends the company's name and starts a person's.
_TITLE_WORDS = frozenset(
    {"ceo", "cfo", "cto", "coo", "cmo", "cio", "ciso", "cso", "cpo", "evp", "svp", "vp"}
    | {"chief", "founder", "co-founder", "cofounder"}
    | {"president", "chairman", "chairwoman", "spokesperson", "spokesman", "spokeswoman"}
    | {"superintendent", "director", "secretary", "commissioner", "governor", "mayor", "senator"}
)
_SURNAME_SHAPE = re.compile(r"^(?:Mc|Mac|O['\u2019])[A-Z][a-z]+$")
_POSSESSIVE_AFTER = re.compile(r"['\u2019]s\b")
# A list item's marker: "- Share on Twitter", "+ Added Banners + Added Slime Block".
_ITEM_START = re.compile(r"(?:(?:^|\n)[ \t]*[-+*\u2022|]|\s[+*\u2022])[ \t]*$")
# A word in lowercase, not a part of a web address, an e-mail or a handle ("pic.twitter.com",
# "apple.com/ipad", "@nike"): there the name is written in lowercase as addresses are.
_LOWER_WORD = re.compile(r"(?<![\w'\u2019@#./-])[a-z]+(?![\w/@-]|\.\w)")
_LIST_GAP = re.compile(r"^(?:,\s*(?:and\s+|or\s+)?|\s+(?:and|or|&)\s+|\s*/\s*)$")


def _written_alone(text: str, name: str) -> bool:
    """Whether ``name`` stands in ``text`` without an "'s" and with no capitalised word after."""
    return bool(
        re.search(rf"(?<![\w'\u2019]){re.escape(name)}(?!['\u2019]s\b)(?!\w)(?!\s+[A-Z])", text)
    )


def _word_used_as_name(key: str, group: list[Candidate], lowercase: Callable[[str], bool]) -> bool:
    """A dictionary word the article writes only as a name, twice inside sentences: "Twitch
    generated $2 billion ... over half of Twitch users"; not "Windows" beside "windows"."""
    if key.endswith("s") or len(key) < 3 or any(_plain_word(c) for c in group):
        return False  # "Teams", "Covid", "ST. LOUIS": plurals, modern words, capitals.
    if not all(c.word_cues is not None for c in group):
        return False
    inside = [c for c in group if not c.initial_single]
    with_cue = any(c.word_cues for c in inside)
    forms = {key, key + "s", key + "es"}
    return len(inside) >= (2 if with_cue else 3) and not any(map(lowercase, forms))


def _short_capitals(surface: str) -> bool:
    """ "OS", "EVO", "MIT", "PLUS": initials and words in capitals, which Japanese text uses for
    terms as much as for names."""
    return surface.isupper() and len(surface) <= 4


def _plain_word(candidate: Candidate) -> bool:
    surface = candidate.surface
    return surface.isupper() or surface.lower() in gazetteer.MODERN_WORDS


def _mark_listed(text: str, candidates: list[Candidate]) -> None:
    """Names listed together are alike: "Facebook, Google and KickStarter". A name next to a
    distinctive or known one in a list gets the co-brand cue."""
    ordered = sorted(candidates, key=lambda c: c.start)
    for left, right in itertools.pairwise(ordered):
        if right.start - left.end > 8 or not _LIST_GAP.match(text[left.end : right.start]):
            continue
        for one, other in ((left, right), (right, left)):
            if other.distinctive or "kb" in other.cues:
                one.cues.add("co_brand")


_INFLECTED_LANGUAGES = frozenset(
    {"cs", "sk", "pl", "sl", "hr", "sr", "bs", "ru", "uk", "be", "bg", "lt", "lv", "fi", "hu"}
)
# A word written in lowercase in running text ("saying hummus."), not in an address or a handle.
_PROSE_LOWER = re.compile(r"(?<=[\s(\"\u201c\u2018])[a-z]+(?=[\s,;:!?)\"\u201d\u2019]|\.(?!\w))")
# Cues that say "company" whatever else the name is: a surname or an institution's first word
# with one of them is still a brand ("Abbott shares fell", "Dell Inc.").
_CORPORATE = cues.STRONG | {"verb", "corporate_noun", "product", "ticker"}


def _not_a_brand(
    text: str,
    key: str,
    group: list[Candidate],
    people: set[str],
    institution_heads: set[str],
) -> bool:
    """Names the article itself shows are a person's, an institution's or a work's, unless a
    corporate cue says otherwise."""
    kinds = set().union(*(c.cues for c in group))
    brand_entry = any(
        c.entry is not None and getattr(c.entry, "kind", "brand") == "brand" for c in group
    )
    if (
        " " in key
        and not brand_entry
        and not kinds & _REGISTERED_CUES
        and cues.written_in_lowercase(text, group[0].name)
    ):
        return True  # "Certified Sustainable Seafood label" beside "sustainable-seafood".
    if kinds & _CORPORATE:
        return False
    if " " not in key and key in people:
        return True  # "Jones" after "Leslie Jones", "Abbott" after "Tony Abbott's office".
    if key in _PROGRAMMING_WORDS and _shows_code(text):
        return True  # "GoのWebAssembly", "Rust" beside code: languages, not the base's brands.
    if key in institution_heads and all(map(gazetteer.is_common_word, key.split())):
        return True  # "House" of "the House Science Committee", even a word the base lists.
    if brand_entry:
        return False
    if _IDENTIFIER.match(group[0].name) and _shows_code(text):
        return True  # "FatalFailure", "PostalAddress" on a page with code: a type's name.
    if 2 <= len(group[0].name.split()) <= 3 and _surname_speaks(text, group[0].name.split()):
        return True  # "Piyum Moghadam, a consultant ... Moghadam said": a person's surname.
    if key in institution_heads:
        return True  # "O'Hare" of "O'Hare International Airport", "IAB Tech Lab" of its Board.
    if any(cues.in_code(text, c.start, c.end) for c in group):
        return True  # "AttributeSet attrs", "the IOUtils interface": a name in code.
    return any(cues.organisation_or_work_after(text, c.end) for c in group)


# Programming languages named by a word (the technology list leaves them out: "Go", "Rust" and
# "Swift" are also words or names), which a page with code means as languages.
_PROGRAMMING_WORDS = gazetteer.words("go golang rust swift ruby dart julia elm crystal nim zig")
# Two or more capitalised words run together, nothing else: how code names its types and
# states ("FatalFailure", "PostalAddress", "ServiceWorkers").
_IDENTIFIER = re.compile(r"^[A-Z][a-z]+(?:[A-Z][a-z]+)+$")
# A line of code: a statement's end, a block's start, an arrow or a declaration keyword.
_CODE_LINE = re.compile(
    r"^\s*(?:def|fn|func|function|class|import|public|private|const|let|var|return|#include)"
    r"\s.*$|^.*(?:[)\]'\"\w]\s*;|[)\w]\s*\{|=>|->)\s*$",
    re.MULTILINE,
)


@lru_cache(maxsize=64)  # Pages, not names, and only asked for a few names of a page.
def _shows_code(text: str) -> bool:
    """Whether the page shows code: three different lines of it."""
    lines: set[str] = set()
    for match in _CODE_LINE.finditer(text):
        lines.add(match.group().strip())
        if len(lines) >= 3:
            return True
    return False


# A person's surname alone is what speaks or is described later: "Moghadam said", "Lutz, who".
_SPEAKS_AFTER = re.compile(
    r"\s+(?:said|says|told|added|wrote|explained|admitted|recalled|noted)\b|,\s+who\b"
)
_SURNAME_TITLE_BEFORE = re.compile(r"(?:Mr|Mrs|Ms|Dr)\.?\s+$")


def _surname_speaks(text: str, words: list[str]) -> bool:
    """Whether the last word of a name of two or three words is used alone as people's
    surnames are, later in the article: "Moghadam said", "Mr. Moghadam" (a company is called
    by its first word: "Caribou Biosciences", then "Caribou said")."""
    last = words[-1]
    if not last[:1].isupper() or not last[1:].islower():
        return False
    at = text.find(last)
    while at >= 0:
        end = at + len(last)
        alone = (at == 0 or not text[at - 1].isalnum()) and not (
            end < len(text) and text[end].isalnum()
        )
        if (
            alone
            and not text[max(0, at - len(words[-2]) - 1) : at].startswith(words[-2])
            and (
                _SPEAKS_AFTER.match(text, end)
                or _SURNAME_TITLE_BEFORE.search(text, max(0, at - 5), at)
            )
        ):
            return True
        at = text.find(last, end)
    return False


def _split_at_known_maker(text: str, candidate: Candidate, knowledge: object) -> list[Candidate]:
    """ "Apple AirPods", "Google Stadia": a maker the base knows, then its product, are two
    names (the labels and a reader count both), unless the base knows the whole run."""
    words = candidate.surface.split()
    if len(words) < 2 or knowledge.lookup(candidate.name) is not None:  # type: ignore[attr-defined]
        return [candidate]
    for size in range(len(words) - 1, 0, -1):
        maker = " ".join(words[:size])
        entry = knowledge.lookup(maker)  # type: ignore[attr-defined]
        if entry is None or getattr(entry, "kind", "brand") != "brand":
            continue
        plain = any(gazetteer.is_common_word(w) or gazetteer.is_first_name(w) for w in words[:size])
        if plain and not _SHAPE.search(words[size]):
            return [candidate]  # "General Motors Cruise", "Jack Daniels"; but "Apple AirPods".
        product = " ".join(words[size:])
        if knowledge.lookup("".join(words)) is not None or re.search(  # type: ignore[attr-defined]
            rf"(?<!\w){re.escape(''.join(words))}(?!\w)", text
        ):
            return [candidate]  # "Exxon Mobil", also written (or known) as "ExxonMobil".
        # A plain word the base happens to list is no product: "Safeway Cargo".
        known_product = (
            len(product) > 3
            and not all(gazetteer.is_common_word(w) for w in words[size:])
            and knowledge.lookup(product) is not None  # type: ignore[attr-defined]
        )
        if not (_SHAPE.search(words[size]) or known_product):
            return [candidate]  # "Activision Blizzard", "PlayStation VR": one name.
        rest_at = candidate.start + candidate.surface.index(words[size], len(maker))
        parts = [
            _candidate(
                text,
                candidate.start,
                candidate.start + len(maker),
                words[:size],
                "",
                candidate.start,
            ),
            _candidate(text, rest_at, candidate.end, words[size:], "", rest_at),
        ]
        return [part for part in parts if part is not None] or [candidate]
    return [candidate]


def _led_by_known_brand(name: str, knowledge: object | None) -> bool:
    """ "Apple Watch", "Fossil Hybrid HR": a name whose first words are a brand the knowledge
    base knows (not a plain word) is that maker's product or line."""
    words = name.split()
    if knowledge is None or len(words) < 2:
        return False
    for size in range(min(3, len(words) - 1), 0, -1):
        entry = knowledge.lookup(" ".join(words[:size]))  # type: ignore[attr-defined]
        if entry is not None and getattr(entry, "kind", "brand") == "brand":
            return not all(gazetteer.is_common_word(w) for w in words[:size])
    return False


_TITLE_POSSESSIVE = re.compile(r"['\u2019]s\b")


def discover(
    text: str,
    *,
    skip: list[tuple[int, int]],
    known_keys: set[str] | frozenset[str],
    knowledge: object | None = None,
    language: str = "en",
    collect: list[tuple[str, list[float]]] | None = None,
    title: str = "",
) -> list[Discovered]:
    """The unknown brands of ``text``, best evidence first per brand.

    ``skip`` are spans already claimed by known brands; ``known_keys`` are normalised names the
    organization tracks, which only the known matcher reports. ``knowledge`` is an optional
    knowledge index (``find(text)`` / ``lookup(name)``).
    """
    # Training collects every name unscored, so it needs no model (it makes one).
    scorer = discovery_model.model() if collect is None else None
    if scorer is None and collect is None:
        return []  # No scorer (logged): nothing is discovered; tracked brands still are.
    skip = sorted(skip)
    code = language.lower().split("-")[0]
    candidates, proper, people, institution_heads, place_heads = _candidates(
        text, skip, code == "de", code in _INFLECTED_LANGUAGES
    )
    # The knowledge base confirms candidates the text offers; it does not add its own. Taking
    # every name of its 30,000 as a candidate (named as the base names it) was measured on the
    # dev pages: precision 0.85 -> 0.44 ("Tuesday Morning", "Coop", "New York", "X" for
    # Twitter); as confirmation only, F1 0.56 -> 0.61 at precision 0.83 (docs/brand-finding.md).
    if knowledge is not None:
        candidates = [
            part for c in candidates for part in _split_at_known_maker(text, c, knowledge)
        ]
    kept = []
    for candidate in candidates:
        entry = knowledge.lookup(candidate.name) if knowledge is not None else None  # type: ignore[attr-defined]
        if entry is None and knowledge is not None and _POSSESSIVE_AFTER.match(text, candidate.end):
            # "Lowe's" is the name, not "Lowe" plus a possessive.
            whole = candidate.name + text[candidate.end : candidate.end + 2]
            entry = knowledge.lookup(whole)  # type: ignore[attr-defined]
            # But "Smith's book" after "Zadie Smith" is the person's, though the base lists a
            # "Smith's" (a grocer), as it does "Mike's", "Aaron's", "Carter's"; and so is
            # "Carter's fight" beside "Carter said": a name written alone too has a possessive
            # (a "Macy's" or a "Moody's" never loses its "'s"; "Levi Strauss" is a longer
            # name, not "Levi" alone). Asked only of names the base has with an "'s".
            if entry is not None and (
                candidate.key in people or _written_alone(text, candidate.name)
            ):
                entry = None
            if entry is not None:
                candidate.name, candidate.key = whole, normalize_brand(whole)
                candidate.end += 2
        if entry is not None:
            if getattr(entry, "kind", "brand") in ORGANISATION_KINDS:
                continue
            candidate.entry = entry
            # A base name that is also a word, a first name or an initialism ("Guess",
            # "Security", "Rice", "Mr") confirms nothing: it needs a cue of its own.
            names = candidate.name.split()
            weak = len(candidate.key) <= 2 or all(
                gazetteer.is_common_word(w) or gazetteer.is_first_name(w, min_frequency=2)
                for w in names
            )
            candidate.cues.add("kb_weak" if weak else "kb")
            if candidate.word_cues and "use_noun" in candidate.word_cues:
                # A word the base knows, then a noun of use: "Windows users", "Apple devices",
                # "its Prime subscription" (not "Favorite apps?", "These apps": no base name).
                candidate.cues.add("use_noun")
        kept.append(candidate)
    if not language.lower().startswith("de"):
        _mark_listed(text, kept)  # In German every noun is capitalised, so "distinctive".
    # Whether the article writes a word in lowercase, looked at only where the word occurs.
    lowercase = partial(in_findall, _LOWER_WORD, text)
    groups: dict[str, list[Candidate]] = {}
    for candidate in kept:
        if not candidate.key or candidate.key in known_keys:
            continue
        if candidate.entry is None and " " not in candidate.name and candidate.key in people:
            continue  # "Snyder" after "Blake Snyder", "Zitt-James" after "Naomi Zitt-James".
        groups.setdefault(candidate.key, []).append(candidate)
    prose_lowercase = partial(in_findall, _PROSE_LOWER, text)
    # The title's words, a possessive's "'s" dropped ("Dropbox's ATF" names Dropbox).
    title_words = f" {normalize_brand(_TITLE_POSSESSIVE.sub('', title))} " if title else ""
    # Each key's word prefixes ("brightwave" of "brightwave analytics"), the longer keys in
    # the groups' order: a pass over every group for every key was quadratic in the names.
    # Groups are only ever removed below, so the first remaining one is the first in order.
    extensions: dict[str, list[str]] = {}
    for longer_key in groups:
        for space in (i for i, ch in enumerate(longer_key) if ch == " "):
            extensions.setdefault(longer_key[:space], []).append(longer_key)
    for key in sorted(groups, key=len):  # "Brightwave" joins "Brightwave Analytics".
        longer = next((k for k in extensions.get(key, ()) if k in groups), None)
        # Not when the short name is the article's usual one: "Twitter" (39 times) does not
        # join "Twitter Rules" (twice).
        if (
            longer
            and key not in place_heads  # "the Gulf" is no mention of "Gulf of Mexico Corp".
            and all(c.entry is None for c in groups[key])
            and len(groups[key]) <= len(groups[longer])
        ):
            groups[longer].extend(groups.pop(key))
    # "Social Quant is a Tampa-based start-up" after "Social Quant, LLC": the sentence start
    # dropped the registered name's common first word, and "Quant" is that name's.
    registered_tails: dict[str, str] = {}
    for longer_key, group in groups.items():
        if " " in longer_key and any("legal" in c.cues for c in group):
            registered_tails.setdefault(longer_key.rsplit(" ", 1)[1], longer_key)
    for key in [k for k in groups if k in registered_tails]:
        if all(c.entry is None for c in groups[key]) and gazetteer.is_common_word(key):
            groups[registered_tails[key]].extend(groups.pop(key))
    # German capitalises every noun: there a capital inside a sentence proves nothing.
    nouns_capitalised = language.lower().startswith("de")
    # The dictionary and the name lists are English: elsewhere a capital inside a sentence is
    # a name, but not necessarily a brand ("Součka", an inflected Czech surname).
    english = language.lower().startswith("en") or not language
    cjk = code in ("ja", "zh", "ko")
    results = []
    for key, group in groups.items():
        if not nouns_capitalised and _word_used_as_name(key, group, lowercase):
            for candidate in group:
                candidate.cues |= candidate.word_cues or set()
                candidate.cues.add("proper")
        kinds = set().union(*(c.cues for c in group))
        if (
            english
            and key in proper
            and any(c.distinctive for c in group)
            and not prose_lowercase(key)  # "set to “Hummus”" beside "saying hummus".
        ):
            kinds.add("proper")  # "Facebook" used by name inside a sentence.
        elif cjk and any(c.entry is not None and not _short_capitals(c.surface) for c in group):
            kinds.add("proper")  # A known name in Latin letters amid Japanese or Chinese.
        kb_weak = "kb_weak" in kinds
        if kb_weak:
            kinds.discard("kb_weak")
            # A word in capitals listed beside a brand is no more: "GNU/Linux".
            listed = "co_brand" if all(c.surface.isupper() for c in group) else ""
            if kinds - {"repeated", "shape", listed} or "proper" in kinds:
                kinds.add("kb")
        if all(c.initial_single for c in group) and not (kinds & cues.STRONG or "kb" in kinds):
            continue  # "Operating profit fell": the capital is the sentence's.
        if not kinds & _REGISTERED_CUES and (
            key in place_heads or _initials_of_a_body(text, group)
        ):
            # "the Gulf" beside "the Gulf of Mexico", "the National Bank" beside "the National
            # Bank of Ukraine"; "(MIT)" after "Massachusetts Institute of Technology": a
            # place's or a body's name.
            continue
        if not kinds:
            continue
        if len(group) > 1:
            kinds.add("repeated")
        best = max(group, key=lambda c: (c.entry is not None, cues.confidence(c.cues), -c.start))
        name = best.name
        if (
            best.entry is None
            and len(group) > 1  # Once, "FromSoftware's work" says nothing of the name.
            and all(_POSSESSIVE_AFTER.match(text, c.end) for c in group)
            and not all(c.possessor for c in group)
        ):  # Always "Sotheby's": the name has the "'s" (not "Zentrix's Orbit" every time).
            name += text[best.end : best.end + 2]
        features = group_features(
            text,
            key,
            group,
            kinds,
            kb_weak=kb_weak,
            kb_maker=_led_by_known_brand(name, knowledge),
            not_a_brand=_not_a_brand(text, key, group, people, institution_heads),
            language=language,
            in_title=f" {key} " in title_words,
        )
        if scorer is None:  # Training (benchmarks/train_discovery.py): every name, unscored.
            collect.append((name, features))  # type: ignore[union-attr]
            continue
        score = scorer.confidence(features)
        if "ticker" in kinds:
            # A stock-exchange listing ("(NASDAQ: GLBX)") makes a company by the labelling
            # guide, and the labelled pages hold too few to weigh it: it is not left to the fit.
            score = max(score, LISTED_CONFIDENCE)
        if score < scorer.threshold:
            continue
        entry = next((c.entry for c in group if c.entry is not None), None)
        results.append(Discovered(name, best, score, entry))
    return results
