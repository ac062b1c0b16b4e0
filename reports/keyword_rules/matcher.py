"""Matching compiled keyword-rule queries against an article's words.

An article is folded (accents stripped, case folded) and split into words once; each word's
positions are indexed, so a term costs one dictionary lookup and a phrase or NEAR a walk over
the (few) positions of its words, whatever the article's length.
"""

import re
import unicodedata
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field

WORD = re.compile(r"\w+")
# Accents only (the Combining Diacritical Marks block), not every combining mark: the vowel
# signs of Indic scripts are combining too, and removing them would change the words.
ACCENTS = re.compile("[\u0300-\u036f]+")
# Title words and text words are numbered apart by more than any NEAR distance, so neither a
# phrase nor a NEAR ever joins the end of the title to the start of the text.
TITLE_GAP = 10_000

Span = tuple[int, int]  # [start, end) in word positions


def fold(text: str) -> str:
    """Accent-free, case-folded: "Citroën" and "CITROEN" match each other."""
    if text.isascii():  # Most English text: nothing to decompose (10x faster).
        return text.casefold()
    return ACCENTS.sub("", unicodedata.normalize("NFKD", text)).casefold()


def words(text: str) -> list[str]:
    return WORD.findall(fold(text))


@dataclass
class Document:
    """One article's title and text, indexed by word."""

    positions: dict[str, list[int]] = field(default_factory=dict)
    _prefix_cache: dict[str, list[int]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_article(cls, title: str, text: str) -> "Document":
        positions: defaultdict[str, list[int]] = defaultdict(list)
        for offset, part in ((0, title), (TITLE_GAP, text)):
            for index, word in enumerate(words(part), offset):
                positions[word].append(index)
        return cls(positions=dict(positions))

    def word_positions(self, word: str, prefix: bool) -> list[int]:
        if not prefix:
            return self.positions.get(word, [])
        if word not in self._prefix_cache:
            found: list[int] = []
            for key, places in self.positions.items():
                if key.startswith(word):
                    found.extend(places)
            self._prefix_cache[word] = sorted(found)
        return self._prefix_cache[word]


def near_spans(left: list[Span], right: list[Span], distance: int) -> list[Span]:
    """Spans covering a left and a right match with at most ``distance`` words between them,
    in either order."""
    if not left or not right:
        return []
    starts = [start for start, _ in right]  # Spans come sorted by start.
    # A right span ending within reach of the left one starts at most this far before it.
    reach = distance + max(end - start for start, end in right)
    found: set[Span] = set()
    for l_start, l_end in left:
        first = bisect_left(starts, l_start - reach)
        for r_start, r_end in right[first:]:
            if r_start > l_end + distance:
                break
            gap = r_start - l_end if r_start >= l_end else l_start - r_end
            if gap <= distance:
                found.add((min(l_start, r_start), max(l_end, r_end)))
    return sorted(found)
