"""Whether an article writes one word in lowercase, without listing every lowercase word it has.

Discovery asks a yes-or-no question of a few names per article ("does the text also write
'hummus' in lowercase?"). Listing the article's lowercase words with ``pattern.findall`` ran a
lookaround pattern over the whole text (~0.15 ms an article each, a few % of a rules-only
analysis); looking only where the word occurs (``str.find``, then the same pattern at that
place) gives the same answer for a handful of words far faster.
"""

import re

_LETTERS = re.compile(r"[a-z]+")


def in_findall(pattern: re.Pattern[str], text: str, word: str) -> bool:
    """``word in set(pattern.findall(text))``, for a ``pattern`` made of a lookbehind that
    refuses a preceding ``[a-z]`` (a negative one holding ``\\w``, or a positive one of
    non-letters), then ``[a-z]+``, then lookaheads.

    Such a match is a whole run of ASCII lowercase letters. A match that ``findall`` reports at
    ``p`` is what ``pattern.match(text, p)`` finds (the lookbehind sees the text before ``p``),
    and no earlier match can cover ``p``: it would end in a letter at ``p - 1``, which the
    lookbehind refuses. So the word is in the list exactly when it is matched where it occurs.
    """
    if not _LETTERS.fullmatch(word):
        return False  # Only runs of a-z are ever matched ("" and "new york" never are).
    at = text.find(word)
    while at >= 0:
        match = pattern.match(text, at)
        if match is not None and match.end() == at + len(word):
            return True
        at = text.find(word, at + 1)
    return False
