"""Evidence quotes: find a quote in the article text, and cut the sentence around a mention.

An LLM rarely copies a quote byte for byte: it straightens curly quotes, turns an en dash into
a hyphen, joins lines, changes case or drops the middle of a sentence ("... "). ``locate_evidence``
forgives exactly those differences and nothing else, and always answers with offsets into the
ORIGINAL text, so the page can highlight the quote where the reader sees it.
"""

import bisect
import re
from collections.abc import Iterator

from reports.boilerplate import is_boilerplate

MAX_EVIDENCE_CHARS = 300

# Characters that differ between the article and a model's copy of it, mapped to one spelling.
_EQUIVALENT = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u02bc`\u00b4", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033«»", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
    "…": "...",
}
_INVISIBLE = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|…|\[\.\.\.\]|\[…\])\s*")
_QUOTE_CHARS = "\"'\u201c\u201d\u2018\u2019«» "
_MIN_FRAGMENT = 12

# Words after which a full stop does not end a sentence ("Mr. Lauren", "Dr. Martens", "Oct. 14").
_ABBREVIATIONS = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sr",
        "jr",
        "st",
        "mt",
        "sen",
        "rep",
        "gov",
        "gen",
        "col",
        "capt",
        "lt",
        "sgt",
        "rev",
        "hon",
        "inc",
        "corp",
        "co",
        "ltd",
        "bros",
        "vs",
        "etc",
        "no",
        "nos",
        "fig",
        "approx",
        "est",
        "dept",
        "univ",
        "ave",
        "rd",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "e.g",
        "i.e",
        "u.s",
        "u.k",
        "u.n",
        "a.m",
        "p.m",
    }
)
_CLOSERS = "\"'\u201d\u2019)]»"


def _normalized_with_map(text: str, *, fold_case: bool) -> tuple[str, list[int]]:
    """``text`` with equivalent characters unified and whitespace runs collapsed, plus the
    original index of every character of the result."""
    out: list[str] = []
    index: list[int] = []
    previous_space = True  # Also drops leading whitespace.
    for i, ch in enumerate(text):
        if ch in _INVISIBLE:
            continue
        if ch.isspace():
            if not previous_space:
                out.append(" ")
                index.append(i)
                previous_space = True
            continue
        previous_space = False
        replacement = _EQUIVALENT.get(ch, ch)
        if fold_case:
            replacement = replacement.lower()
        for piece in replacement:
            out.append(piece)
            index.append(i)
    if out and out[-1] == " ":
        out.pop()
        index.pop()
    return "".join(out), index


class _Haystack:
    """The article text normalised once per case mode, for several searches."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._cache: dict[bool, tuple[str, list[int]]] = {}

    def find(self, evidence: str, start_at: int = 0) -> tuple[int, int] | None:
        for fold_case in (False, True):
            if fold_case not in self._cache:
                self._cache[fold_case] = _normalized_with_map(self._text, fold_case=fold_case)
            haystack, index = self._cache[fold_case]
            needle, _ = _normalized_with_map(evidence, fold_case=fold_case)
            if not needle:
                return None
            offset = bisect.bisect_left(index, start_at)
            position = haystack.find(needle, offset)
            if position >= 0:
                return index[position], index[position + len(needle) - 1] + 1
        return None


def locate_evidence(text: str, evidence: str) -> tuple[int, int] | None:
    """Offsets ``(start, end)`` of ``evidence`` in ``text``, or None when it is not there.

    Tolerates whitespace, curly/straight quotes, dash variants and, as a fallback, case; an
    evidence with "..." in it matches when its pieces occur in order (the span covers them all).
    Surrounding quote marks the model may have added are ignored.
    """
    if not text or not evidence or not evidence.strip():
        return None
    exact = text.find(evidence)
    if exact >= 0:
        return exact, exact + len(evidence)
    haystack = _Haystack(text)
    for candidate in (evidence, evidence.strip(_QUOTE_CHARS)):
        found = haystack.find(candidate)
        if found:
            return found
    fragments = [f.strip(_QUOTE_CHARS) for f in _ELLIPSIS.split(evidence.strip(_QUOTE_CHARS))]
    fragments = [f for f in fragments if f]
    if len(fragments) < 2 or sum(len(f) for f in fragments) < _MIN_FRAGMENT:
        return None
    start = end = 0
    for number, fragment in enumerate(fragments):
        found = haystack.find(fragment, end)
        if not found:
            return None
        if number == 0:
            start = found[0]
        end = found[1]
    return start, end


_MAYBE_END = re.compile(r"[.!?\n]")


def _ends_sentence(text: str, i: int) -> bool:
    """Whether the punctuation at ``text[i]`` closes a sentence."""
    ch = text[i]
    if ch == "\n":
        return True
    if ch not in ".!?":
        return False
    j = i + 1
    while j < len(text) and text[j] in _CLOSERS:
        j += 1
    if j < len(text) and not text[j].isspace():
        return False  # "3.5", "Amazon.com", "U.S."
    if ch == ".":
        k = i
        while k > 0 and (text[k - 1].isalpha() or text[k - 1] == "."):
            k -= 1
        word = text[k:i].lower()
        initial = len(word) == 1 and text[k].isupper() and (k == 0 or text[k - 1] in " (\"'")
        if word in _ABBREVIATIONS or initial:
            return False  # "Mr. Lauren", "J. Smith"; but "H&M." ends a sentence.
        nxt = j
        while nxt < len(text) and text[nxt] in " \t":
            nxt += 1
        if nxt < len(text) and text[nxt].islower():
            return False  # "Gap Inc. raised"
    return True


def is_sentence_start(text: str, i: int) -> bool:
    """Whether ``text[i]`` is the first word of a sentence (after any opening quote), where a
    capital letter says nothing about the word."""
    j = i - 1
    while j >= 0 and text[j] in " \t\u00a0\"'\u201c\u2018([«":
        j -= 1
    while j >= 0 and text[j] in _CLOSERS:
        j -= 1
    if j < 0 or text[j] in "\r\n":
        return True
    return text[j] in ".!?" and _ends_sentence(text, j)


def sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence containing ``text[start:end]``, at most ~300 characters around the span."""
    start = max(0, min(start, len(text)))
    end = max(start, min(end, len(text)))
    # Only a full stop, "!", "?" or a newline can end a sentence (``_ends_sentence``): jump
    # between those instead of testing every character, which was most of the time spent.
    # The scans look at most 4 * MAX_EVIDENCE_CHARS + 1 characters each way.
    reach = 4 * MAX_EVIDENCE_CHARS + 1
    floor = left = max(0, start - reach)
    before = start
    while (stop := max(text.rfind(c, floor, before) for c in ".!?\n")) >= 0:
        if _ends_sentence(text, stop):
            left = stop + 1
            break
        before = stop
    while left < start and text[left] in _CLOSERS and left > 0 and text[left - 1] in ".!?":
        left += 1  # The closing quote of the previous sentence: 'ground." Gap said'.
    right, _ = _right_end(text, end)
    while left < right and text[left].isspace():
        left += 1
    while right > left and text[right - 1].isspace():
        right -= 1
    if right - left > MAX_EVIDENCE_CHARS:
        left, right = _window(text, left, right, start, end)
    return left, right


def _right_end(text: str, end: int) -> tuple[int, int]:
    """Where the sentence holding ``end`` ends, its closing punctuation and quotes included
    (trailing spaces not yet trimmed), and the index of the character that ended it (-1 when
    none did within reach)."""
    right = min(len(text), end + 4 * MAX_EVIDENCE_CHARS + 1)
    stop = -1
    for match in _MAYBE_END.finditer(text, end, right):
        if _ends_sentence(text, match.start()):
            right = stop = match.start()
            break
    if right < len(text) and text[right] in ".!?":
        right += 1
        while right < len(text) and text[right] in _CLOSERS:
            right += 1
    return right, stop


def _window(text: str, left: int, right: int, start: int, end: int) -> tuple[int, int]:
    """A ~300-character slice of the sentence ``[left, right)`` that keeps the span, cut at
    spaces so no word is split."""
    if end - start >= MAX_EVIDENCE_CHARS:
        return start, end
    room = MAX_EVIDENCE_CHARS - (end - start)
    new_left = max(left, start - room // 2)
    new_right = min(right, new_left + (end - new_left) + (room - (start - new_left)))
    new_left = max(left, min(new_left, new_right - MAX_EVIDENCE_CHARS))
    if new_left > left:
        space = text.find(" ", new_left, start)
        new_left = space + 1 if space >= 0 else start
    if new_right < right:
        space = text.rfind(" ", end, new_right)
        new_right = space if space >= 0 else end
    return new_left, new_right


def sentences(text: str) -> Iterator[tuple[int, int]]:
    """The ``(start, end)`` of every non-empty sentence, in order: each one's end as
    ``sentence_around(text, start, start)`` finds it."""
    position = 0
    length = len(text)
    previous_stop = -1  # What ended the sentence before, when its end was that stop's.
    while position < length:
        while position < length and text[position].isspace():
            position += 1
        if position >= length:
            return
        # ``sentence_around`` scans back from ``position`` for the sentence's left edge, which
        # only matters when the sentence is too long and cut (``_window``). That scan meets
        # nothing but spaces and closing quotes before the previous sentence's stop, which
        # ends a sentence, so the edge is past that stop (and never before the scan's floor):
        # when the end is within MAX_EVIDENCE_CHARS of that bound, nothing is cut, and the
        # scan is skipped (most sentences; otherwise the general path decides).
        right, stop = _right_end(text, position)
        while text[right - 1].isspace():  # ``text[position]`` is not a space: it stops there.
            right -= 1
        bound = max(previous_stop + 1, position - 4 * MAX_EVIDENCE_CHARS - 1, 0)
        if right - bound > MAX_EVIDENCE_CHARS:
            trimmed = right
            _, right = sentence_around(text, position, position)
            stop = stop if right == trimmed else -1
        previous_stop = stop
        right = max(right, position + 1)
        yield position, right
        position = right


_STOPS = frozenset(".!?\u2026:;\u3002\uff01\uff1f") | frozenset(_CLOSERS)


def first_sentences(text: str, count: int = 2, max_chars: int = 500) -> str:
    """The first ``count`` sentences of the story, whitespace collapsed, cut at a word within
    ``max_chars``; disclosures, cookie and subscription prompts, bylines and photo credits are
    skipped (``reports.boilerplate``), so "" when nothing else is there."""
    parts: list[str] = []
    for start, end in sentences(text):
        if is_boilerplate(text[start:end]):
            continue
        parts.append(text[start:end])
        if len(parts) >= count or sum(len(p) for p in parts) >= max_chars:
            break
    # A heading line has no full stop: give it one, or it runs into the next sentence.
    parts = [p if p.rstrip()[-1:] in _STOPS else f"{p.rstrip()}." for p in parts[:-1]] + parts[-1:]
    summary = " ".join(" ".join(parts).split())
    if len(summary) > max_chars:
        summary = summary[: max_chars - 1].rsplit(" ", 1)[0] + "\u2026"
    return summary
