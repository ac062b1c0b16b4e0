"""What the article shows is a place: names the gazetteer lacks, told by their company.

A small town ("Clanton") is in no gazetteer, but a list of places it stands in, "the towns of
X", "X, a town on the border" or a house number before it ("2134 Caldwell Place") say what it
is. Used by discovery (``discovery._candidate``) to drop such names before any cue counts.
"""

import re

from . import gazetteer
from .wordlists import PLACE_WORDS

_PLACE_NOUNS = (
    r"(?:town|city|village|hamlet|suburb|island|region|province|county|district|state|"
    r"neighbou?rhood|municipality|commune)s?"
)
_PLACE_BEFORE = re.compile(
    rf"\b{_PLACE_NOUNS}\s+of\s+(?:[A-Z][\w'\u2019-]*(?:\s[A-Z][\w'\u2019-]*)*"
    r"(?:,\s*|\s+(?:and|or)\s+))*$"
)
_PLACE_AFTER = re.compile(
    rf"(?:\s+[a-z]{{1,3}}\s+[A-Z][\w'\u2019-]*)?,\s+(?:a|the)\s+(?:[a-z]+\s+){{0,2}}{_PLACE_NOUNS}\b"
)
_LIST_LEFT = re.compile(
    r"([A-Z][\w'\u2019-]*(?:\s[A-Z][\w'\u2019-]*){0,3})(?:,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+)$"
)
_LIST_RIGHT = re.compile(
    r"(?:,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+)([A-Z][\w'\u2019-]*(?:\s[A-Z][\w'\u2019-]*){0,3})"
)


def _listed_among_places(text: str, start: int, end: int) -> bool:
    """Whether the name is an item of a list whose other items are mostly places: the list
    tells what a small town the gazetteer lacks is."""
    others: list[str] = []
    at = start
    while (
        len(others) < 8
        and _may_end(text, max(0, at - 60), at, _LIST_ENDS)
        and (left := _LIST_LEFT.search(text, max(0, at - 60), at))
    ):
        others.append(left.group(1))
        at = left.start()
    at = end
    while len(others) < 16 and (right := _LIST_RIGHT.match(text, at)):
        others.append(right.group(1))
        at = right.end()
    places = sum(gazetteer.is_place(item) for item in others)
    return len(others) >= 2 and places * 3 >= len(others) * 2


# How a match of ``_LIST_LEFT`` / ``_PLACE_BEFORE`` can end, spaces aside: both are anchored at
# the end of their window, so a window ending otherwise ("... said Clanton") need not be
# searched position by position. The words need a space after them, a comma does not.
_LIST_ENDS = ("and", "or")
_PLACE_ENDS = ("and", "or", "of")


def _may_end(text: str, left: int, right: int, words: tuple[str, ...]) -> bool:
    """Whether ``text[left:right]``, trailing spaces stripped, ends with a comma, or with one of
    ``words`` followed by a space: a necessary condition for a match (``$`` also matches before
    a final newline, a space stripped here too)."""
    window = text[left:right]
    stripped = window.rstrip()
    return stripped.endswith(",") or (len(stripped) < len(window) and stripped.endswith(words))


def is_place_word(word: str) -> bool:
    """A place or a place word, as the parts of "Asia-Pacific" are."""
    return word in PLACE_WORDS or gazetteer.is_place(word)


_HOUSE_NUMBER = re.compile(r"(?<![\w.,$])\d{1,5}\s+$")


def after_house_number(text: str, start: int) -> bool:
    """ "2134 Caldwell Place": a number right before the name makes it an address."""
    return bool(_HOUSE_NUMBER.search(text, max(0, start - 8), start))


def shown_as_place(text: str, start: int, end: int) -> bool:
    """Listed among places, or named as "the towns of X" / "X, a town on ..."."""
    return (
        _listed_among_places(text, start, end)
        or (
            _may_end(text, max(0, start - 80), start, _PLACE_ENDS)
            and bool(_PLACE_BEFORE.search(text, max(0, start - 80), start))
        )
        or bool(_PLACE_AFTER.match(text, end))
    )
