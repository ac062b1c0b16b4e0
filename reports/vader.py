"""VADER's compound score, computed as ``SentimentIntensityAnalyzer.polarity_scores`` computes it,
with less work per sentence (issue #16's rules-only throughput).

The package's own method was a quarter of a rules-only analysis: it rebuilds the text one
character at a time to replace emoji, lowercases every word of the sentence again for each
lexicon word and each of the three words before it, and computes the pos / neu / neg shares the
app never reads. Here the words are lowercased once, a sentence with no emoji skips the
rebuild, only words of the lexicon go through the valence rules (every other word scores 0
there too), and only the compound score is computed.

The rules, their order and their float arithmetic are the package's (vaderSentiment 3.3.2),
quirks included (the "but" rule finds each score by value; "no" looks back three words), so the
scores are the same to the last bit: ``tests/reports/test_vader.py`` compares the two on the
real pages' sentences and on generated ones.
"""

import math
import string
from itertools import compress

from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    C_INCR,
    N_SCALAR,
    NEGATE,
    SPECIAL_CASES,
)

_NEGATE = frozenset(NEGATE)
_SO_THIS = ("so", "this")


class Vader:
    """The compound score of a text under an analyzer's lexicon and emoji table (the dicts are
    shared, not copied: the analyzer is configured before this is built)."""

    def __init__(self, lexicon: dict[str, float], emojis: dict[str, str]) -> None:
        self.lexicon = lexicon
        self.emojis = emojis
        # polarity_scores tests one character at a time, so only one-character keys can match.
        self._emoji_chars = frozenset(key for key in emojis if len(key) == 1)
        if any(key.isascii() for key in self._emoji_chars):
            raise ValueError("an ASCII emoji key would defeat the isascii() short cut")

    def compound(self, text: str) -> float:
        """``polarity_scores(text)["compound"]``."""
        if not text.isascii() and not self._emoji_chars.isdisjoint(text):
            text = self._describe_emoji(text)
        text = text.strip()
        punctuation = string.punctuation
        # The package's words are these tokens with ASCII punctuation stripped from their ends
        # (SentiText._strip_punc_if_word: a word of two characters or fewer once stripped was
        # likely an emoticon, ":)", kept whole). The rules read a word's case only through
        # isupper(), which punctuation (uncased) does not change, so ``words`` are the tokens.
        words = text.split()
        if not words:
            return 0.0
        if text.isascii():
            # ASCII lowercasing changes only A-Z, neither spaces nor punctuation: the lowered
            # text's tokens, stripped, are the package's lowered words.
            lower = [s if len(s := t.strip(punctuation)) > 2 else t for t in text.lower().split()]
        else:
            # One lower() for all the stripped words: a word holds no space and lowercases to
            # none, and a space ends a Greek final sigma's context as the end of a word does.
            stripped = [s if len(s := t.strip(punctuation)) > 2 else t for t in words]
            lower = " ".join(stripped).lower().split(" ")
        lexicon = self.lexicon
        count = len(words)
        hits = list(compress(range(count), map(lexicon.__contains__, lower)))
        if not hits:
            return 0.0  # every word scores 0: the sum is 0, and so is its normalised score
        capitals = sum(map(str.isupper, words))
        cap_differential = 0 < count - capitals < count
        sentiments: list[float] = [0] * count
        for i in hits:
            word = lower[i]
            if word in BOOSTER_DICT:
                continue
            if i < count - 1 and word == "kind" and lower[i + 1] == "of":
                continue
            sentiments[i] = self._valence(words, lower, i, cap_differential)
        if "but" in lower:
            sentiments = _but_check(lower.index("but"), sentiments)
        total = float(sum(sentiments))
        emphasis = _punctuation_emphasis(text)
        if total > 0:
            total += emphasis
        elif total < 0:
            total -= emphasis
        return round(_normalize(total), 4)

    def _describe_emoji(self, text: str) -> str:
        """polarity_scores' emoji rewrite: each emoji becomes its description."""
        emojis = self.emojis
        out = []
        previous_space = True
        for character in text:
            if character in emojis:
                if not previous_space:
                    out.append(" ")
                out.append(emojis[character])
                previous_space = False
            else:
                out.append(character)
                previous_space = character == " "
        return "".join(out)

    def _valence(self, words: list[str], lower: list[str], i: int, cap_differential: bool):
        """SentimentIntensityAnalyzer.sentiment_valence for a word of the lexicon."""
        lexicon = self.lexicon
        word = lower[i]
        valence = lexicon[word]
        if word == "no" and i != len(words) - 1 and lower[i + 1] in lexicon:
            valence = 0.0
        if (
            (i > 0 and lower[i - 1] == "no")
            or (i > 1 and lower[i - 2] == "no")
            or (i > 2 and lower[i - 3] == "no" and lower[i - 1] in ["or", "nor"])
        ):
            valence = lexicon[word] * N_SCALAR
        if cap_differential and words[i].isupper():
            if valence > 0:
                valence += C_INCR
            else:
                valence -= C_INCR
        for start_i in range(0, 3):
            before = i - (start_i + 1)
            if i > start_i and lower[before] not in lexicon:
                s = _scalar_inc_dec(words[before], lower[before], valence, cap_differential)
                if start_i == 1 and s != 0:
                    s = s * 0.95
                if start_i == 2 and s != 0:
                    s = s * 0.9
                valence = valence + s
                valence = _negation_check(valence, lower, start_i, i)
                if start_i == 2:
                    valence = _special_idioms_check(valence, lower, i)
        return _least_check(valence, lower, i, lexicon)


def _scalar_inc_dec(word: str, word_lower: str, valence, cap_differential: bool):
    scalar = 0.0
    if word_lower in BOOSTER_DICT:
        scalar = BOOSTER_DICT[word_lower]
        if valence < 0:
            scalar *= -1
        if word.isupper() and cap_differential:
            if valence > 0:
                scalar += C_INCR
            else:
                scalar -= C_INCR
    return scalar


def _negated(word: str) -> bool:
    return word in _NEGATE or "n't" in word


def _negation_check(valence, lower: list[str], start_i: int, i: int):
    if start_i == 0 and _negated(lower[i - 1]):
        valence = valence * N_SCALAR
    if start_i == 1:
        if lower[i - 2] == "never" and (lower[i - 1] == "so" or lower[i - 1] == "this"):
            valence = valence * 1.25
        elif lower[i - 2] == "without" and lower[i - 1] == "doubt":
            pass
        elif _negated(lower[i - 2]):
            valence = valence * N_SCALAR
    if start_i == 2:
        if (lower[i - 3] == "never" and lower[i - 2] in _SO_THIS) or lower[i - 1] in _SO_THIS:
            valence = valence * 1.25
        elif lower[i - 3] == "without" and (lower[i - 2] == "doubt" or lower[i - 1] == "doubt"):
            pass
        elif _negated(lower[i - 3]):
            valence = valence * N_SCALAR
    return valence


# Words of the idioms and the boosters of several words ("kind of", "kiss of death"): a
# sequence below can be one of them only if all its words are among these.
_IDIOM_WORDS = frozenset(
    word for key in (*SPECIAL_CASES, *BOOSTER_DICT) if " " in key for word in key.split(" ")
)


def _special_idioms_check(valence, lower: list[str], i: int):
    # Each sequence tested below holds ``lower[i]`` or ``lower[i - 2]``: when neither is an
    # idiom's word, none can match and the valence is returned as it came (most calls; the
    # seven strings were built for nothing).
    if lower[i] not in _IDIOM_WORDS and lower[i - 2] not in _IDIOM_WORDS:
        return valence
    onezero = f"{lower[i - 1]} {lower[i]}"
    twoonezero = f"{lower[i - 2]} {lower[i - 1]} {lower[i]}"
    twoone = f"{lower[i - 2]} {lower[i - 1]}"
    threetwoone = f"{lower[i - 3]} {lower[i - 2]} {lower[i - 1]}"
    threetwo = f"{lower[i - 3]} {lower[i - 2]}"
    for sequence in (onezero, twoonezero, twoone, threetwoone, threetwo):
        if sequence in SPECIAL_CASES:
            valence = SPECIAL_CASES[sequence]
            break
    if len(lower) - 1 > i:
        zeroone = f"{lower[i]} {lower[i + 1]}"
        if zeroone in SPECIAL_CASES:
            valence = SPECIAL_CASES[zeroone]
    if len(lower) - 1 > i + 1:
        zeroonetwo = f"{lower[i]} {lower[i + 1]} {lower[i + 2]}"
        if zeroonetwo in SPECIAL_CASES:
            valence = SPECIAL_CASES[zeroonetwo]
    for n_gram in (threetwoone, threetwo, twoone):
        if n_gram in BOOSTER_DICT:
            valence = valence + BOOSTER_DICT[n_gram]
    return valence


def _least_check(valence, lower: list[str], i: int, lexicon: dict[str, float]):
    if i > 1 and lower[i - 1] not in lexicon and lower[i - 1] == "least":
        if lower[i - 2] != "at" and lower[i - 2] != "very":
            valence = valence * N_SCALAR
    elif i > 0 and lower[i - 1] not in lexicon and lower[i - 1] == "least":
        valence = valence * N_SCALAR
    return valence


def _but_check(bi: int, sentiments: list) -> list:
    """The contrastive "but": scores before it halved, after it 1.5 times. As in the package,
    each score is found again by value (``index``), so equal scores all land on the first."""
    for sentiment in sentiments:
        si = sentiments.index(sentiment)
        if si < bi:
            sentiments.pop(si)
            sentiments.insert(si, sentiment * 0.5)
        elif si > bi:
            sentiments.pop(si)
            sentiments.insert(si, sentiment * 1.5)
    return sentiments


def _punctuation_emphasis(text: str) -> float:
    ep_count = min(text.count("!"), 4)
    ep_amplifier = ep_count * 0.292
    qm_count = text.count("?")
    qm_amplifier = 0
    if qm_count > 1:
        qm_amplifier = qm_count * 0.18 if qm_count <= 3 else 0.96
    return ep_amplifier + qm_amplifier


def _normalize(score: float, alpha: int = 15) -> float:
    norm_score = score / math.sqrt((score * score) + alpha)
    if norm_score < -1.0:
        return -1.0
    if norm_score > 1.0:
        return 1.0
    return norm_score
