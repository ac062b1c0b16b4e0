"""Discovery of brands the organization does not track: capitalised names with corporate cues.

A candidate is a run of capitalised words ("Blue Bottle Coffee", "Procter & Gamble",
"Soylent S.A", "Carlsberg A/S", "eBay") that is not a person, a place or an institution. It is
reported when its cues (``cues.py``) reach ``cues.DISCOVERY_THRESHOLD``. Capitals that grammar
forces are no evidence: a single word opening a sentence ("Comparable sales rose") needs a
strong cue or a capitalised use elsewhere in the article; a determiner or common word opening a
sentence is dropped ("The", "Analysts", "Rival").

Names: the discovered ``name`` drops a trailing legal form ("Globex Corporation" -> "Globex",
the ``surface`` keeps it) and a leading possessor ("India's Tata Motors" -> "Tata Motors"). A
short form of a longer discovered name in the same article ("Brightwave" for "Brightwave
Analytics") counts as that name.
"""

import bisect
import re
from dataclasses import dataclass, field

from reports.evidence import is_sentence_start
from reports.normalize import LEGAL_FORMS, normalize_brand

from . import cues
from .wordlists import (
    COMMON_WORDS,
    DETERMINERS,
    INSTITUTION_WORDS,
    PERSON_TITLES,
    PLACE_WORDS,
    STOCK_EXCHANGES,
)

_CAP = r"(?:[A-ZÀ-ÖØ-Þ]\w*|[a-z]{1,2}[A-Z]\w*)(?:[\u2019'&./-]\w+)*"
_RUN = re.compile(
    rf"(?<![\w\u2019'&.-]){_CAP}(?:(?:[ \u00a0]|\s&\s|\s(?:of|de|du|del|van|von)\s(?=[A-Z]))"
    rf"{_CAP}){{0,5}}(?:,?\s(?:plc|gmbh|spa|sarl|srl)\b)?"
)
_ADJECTIVE = re.compile(r"-[a-z]+$")
_INSTITUTION_BEFORE = re.compile(r"([A-Z]\w+)\s+(?:for|of|on)\s+(?:the\s+)?$")
_CONNECTORS = frozenset({"&", "of", "de", "du", "del", "van", "von"})
_POSSESSIVE = re.compile(r"(?:'s|\u2019s)$|(?<=s)['\u2019]$")


@dataclass
class Candidate:
    start: int
    end: int
    surface: str
    name: str
    cues: set[str]
    initial_single: bool = False  # One word whose capital the sentence start explains.
    key: str = field(init=False)

    def __post_init__(self) -> None:
        self.key = normalize_brand(self.name)


@dataclass
class Discovered:
    name: str
    candidate: Candidate  # The mention with the best evidence.
    confidence: float


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether ``[start, end)`` overlaps one of the sorted, non-overlapping ``spans``."""
    j = max(0, bisect.bisect_left(spans, (start, start)) - 1)
    while j < len(spans) and spans[j][0] < end:
        if start < spans[j][1]:
            return True
        j += 1
    return False


def _candidates(text: str, skip: list[tuple[int, int]]) -> tuple[list[Candidate], set[str]]:
    """Every candidate mention, and the words seen capitalised inside a sentence."""
    found: list[Candidate] = []
    people: set[str] = set()
    proper: set[str] = set()
    for match in _RUN.finditer(text):
        run_start = match.start()
        if _overlaps(skip, run_start, match.end()):
            continue
        tokens = [(run_start + m.start(), m.group(0)) for m in re.finditer(r"\S+", match.group())]
        initial = is_sentence_start(text, run_start)
        lead = ""
        while len(tokens) > 1 or (tokens and initial):
            word = tokens[0][1].lower().strip(".")
            if not (
                (word in DETERMINERS and (initial or word == "the"))
                or (initial and (word in COMMON_WORDS or cues.descriptor_word(word)))
                or word in PERSON_TITLES
            ):
                break
            lead, tokens, initial = word, tokens[1:], False
        for index in range(len(tokens) - 1, 0, -1):  # "India's Tata Motors" -> "Tata Motors"
            if _POSSESSIVE.search(tokens[index - 1][1]):
                tokens, initial = tokens[index:], False
                break
        while tokens and tokens[-1][1].lower() in _CONNECTORS:
            tokens = tokens[:-1]
        while tokens and tokens[0][1].lower() in _CONNECTORS:
            tokens = tokens[1:]
        if not tokens:
            continue
        words = [word for _, word in tokens]
        words[-1] = _POSSESSIVE.sub("", words[-1]) or words[-1]
        start, end = tokens[0][0], tokens[-1][0] + len(words[-1])
        if not initial:
            proper.update(w.lower() for w in words)
        if cues.looks_like_person(text, start, end, words, lead):
            people.update(w.lower() for w in words)
            continue
        candidate = _candidate(text, start, end, words, lead, run_start, people)
        if candidate:
            candidate.initial_single = initial and len(words) == 1
            found.append(candidate)
    return found, proper


def _candidate(
    text: str,
    start: int,
    end: int,
    words: list[str],
    lead: str,
    run_start: int,
    people: set[str],
) -> Candidate | None:
    lowered = [w.lower().strip(".") for w in words]
    if _ADJECTIVE.search(words[-1]):
        return None  # "Oakland-based", "London-listed": an adjective, not a name.
    legal = len(words) > 1 and normalize_brand(words[-1]) in LEGAL_FORMS
    if not legal and (
        all(w in PLACE_WORDS for w in lowered)
        or any(w in INSTITUTION_WORDS for w in lowered)
        or (len(words) == 1 and lowered[0] in people)
        or lowered[0] in STOCK_EXCHANGES
    ):
        return None
    institution = _INSTITUTION_BEFORE.search(text, max(0, run_start - 40), run_start)
    if institution and institution.group(1).lower() in INSTITUTION_WORDS and not legal:
        return None  # "Office for National Statistics", "Society for the Protection of Birds".
    found = cues.context_cues(text, start, end, before_at=run_start)
    if legal:
        found.add("legal")
    if lead and cues.descriptor_word(lead):
        found.add("descriptor")  # "Rival Superdrug" at the start of a sentence.
    if all(w in COMMON_WORDS for w in lowered):
        found &= cues.STRONG  # "Real Beauty", "Coffee bean prices": only strong cues count.
    name = _without_legal_form(words) if legal else " ".join(words)
    return Candidate(start, end, text[start:end], name, found)


def _without_legal_form(words: list[str]) -> str:
    kept = list(words)
    while len(kept) > 1 and normalize_brand(kept[-1]) in LEGAL_FORMS:
        kept.pop()
        while len(kept) > 1 and kept[-1] in ("&", "and", ","):
            kept.pop()
    return " ".join(kept).rstrip(",")


def discover(text: str, *, skip: list[tuple[int, int]], known_keys: set[str]) -> list[Discovered]:
    """The unknown brands of ``text``, best evidence first per brand.

    ``skip`` are spans already claimed by known brands; ``known_keys`` are normalised names the
    organization tracks, which only the known matcher reports.
    """
    candidates, proper = _candidates(text, sorted(skip))
    groups: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        if not candidate.key or candidate.key in known_keys:
            continue
        if candidate.initial_single and not (
            candidate.cues & cues.STRONG or candidate.key in proper
        ):
            continue  # "Operating profit fell": the capital is the sentence's.
        groups.setdefault(candidate.key, []).append(candidate)
    for key in sorted(groups, key=len):  # "Brightwave" joins "Brightwave Analytics".
        longer = next((k for k in groups if k != key and k.startswith(key + " ")), None)
        if longer:
            groups[longer].extend(groups.pop(key))
    results = []
    for group in groups.values():
        kinds = set().union(*(c.cues for c in group))
        if not kinds:
            continue
        if len(group) > 1:
            kinds.add("repeated")
        score = cues.confidence(kinds)
        if score < cues.DISCOVERY_THRESHOLD:
            continue
        best = max(group, key=lambda c: (cues.confidence(c.cues), len(c.key), -c.start))
        results.append(Discovered(best.name, best, score))
    return results
