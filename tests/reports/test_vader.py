"""``reports.vader`` scores exactly as vaderSentiment's own ``polarity_scores`` (same lexicon with
the news corrections), to the last bit, on real pages' sentences and on generated ones built to
reach every rule: negations, "no", "least", "but", boosters and dampeners, "kind of", idioms,
capitals, "!" and "?", emoticons and emoji.

The whole real-page set (63,882 sentences, titles and paragraphs) gave no difference either
(docs/benchmarks.md, rules-only throughput, session 12); a sample of it runs here.
"""

# ruff: noqa: S311 - seeded generators make test inputs, not secrets.

import random

import pytest
from vaderSentiment.vaderSentiment import BOOSTER_DICT, NEGATE, SPECIAL_CASES

from reports.evidence import sentences
from reports.sentiment import _analyzer, _vader
from reports.vader import Vader

_PIECES = [
    "but", "BUT", "But", "no", "No", "not", "never", "so", "this", "without", "doubt", "least",
    "LEAST", "at", "very", "VERY", "kind", "of", "kind of", "sort of", "or", "nor", "isn't",
    "don't", "ain't", "the", "shit", "bomb", "bad ass", "yeah right", "to die for", "bus stop",
    "cut the mustard", "GOOD", "bad", "good!", "great,", "'good'", "(good)", "kinda", "barely",
    "just enough", "extremely", "FRIGGIN", "!", "?", "!!", "???", "?!?!", ":)", ":D", "(:",
    ":-(", "\U0001f600", "\U0001f494", "\u00a9", "\u00ae", "\u2764\ufe0f", "x", ".", ",", "-",
    "--", "a", "I", "OK", "\u0130stanbul", "\u212a", "\u039f\u0394\u039f\u03a3", "\u03a3", "  ",
    "\n", "\t", "\u00a0",
]  # fmt: skip


def _sentence(rng: random.Random, lexicon: list[str]) -> str:
    words = []
    for _ in range(rng.randint(0, 14)):
        word = rng.choice(_PIECES) if rng.random() < 0.6 else rng.choice(lexicon)
        words.append(word.upper() if rng.random() < 0.1 else word)
    return rng.choice([" ", " ", "", "  "]).join(words)


def _same(text: str) -> tuple[float, float]:
    return _analyzer().polarity_scores(text)["compound"], _vader().compound(text)


@pytest.mark.parametrize("seed", range(4))
def test_generated_sentences_score_the_same_to_the_last_bit(seed: int) -> None:
    rng = random.Random(seed)
    lexicon = sorted(_analyzer().lexicon) + sorted(BOOSTER_DICT) + sorted(SPECIAL_CASES)
    lexicon += NEGATE
    for _ in range(5_000):
        text = _sentence(rng, lexicon)
        old, new = _same(text)
        assert repr(new) == repr(old), text


def test_the_but_rule_keeps_the_package_quirk_of_finding_scores_by_value() -> None:
    # "admirable" halved before "but" equals "ability": the package finds the score of
    # "ability" (after "but") at the place of "admirable" and halves it again there, leaving
    # "ability" without its 1.5 times.
    assert _analyzer().lexicon["admirable"] * 0.5 == _analyzer().lexicon["ability"]
    text = "admirable but ability"
    old, new = _same(text)
    assert repr(new) == repr(old)
    assert new != 0.0


def test_real_pages_sentences_score_the_same() -> None:
    from benchmarks.real_pages import label_files, load_pages

    ids = {path.parent.name for path in label_files()[::40]}
    pages = [page for page in load_pages(ids=ids) if page.text]
    assert len(pages) >= 8
    compared = 0
    for page in pages:
        texts = [page.title, page.text[:2_000], *page.text.split("\n")]
        texts += [page.text[start:end] for start, end in sentences(page.text)]
        for text in texts:
            old, new = _same(text)
            assert repr(new) == repr(old), text
            compared += 1
    assert compared > 500


def test_emoji_become_their_descriptions_as_in_the_package() -> None:
    texts = ["I \u2764 it", "\u00a9 2024 Acme", "so sad\U0001f622", "\U0001f600\U0001f600 great"]
    for text in texts:
        old, new = _same(text)
        assert repr(new) == repr(old), text
    assert _vader().compound("I \u2764 it") > 0


def test_an_ascii_emoji_key_is_refused() -> None:
    with pytest.raises(ValueError, match="ASCII"):
        Vader({}, {"x": "letter x"})


def test_every_idiom_scores_the_same_wherever_it_stands_around_a_lexicon_word() -> None:
    """The idiom check returns early unless the word, or the one two before it, is an idiom's
    word (``_IDIOM_WORDS``): each idiom and multi-word booster, at each place around a scored
    word, must score as the package scores it."""
    from reports import vader

    keys = [k for k in (*SPECIAL_CASES, *BOOSTER_DICT) if " " in k]
    assert {w for k in keys for w in k.split(" ")} == vader._IDIOM_WORDS
    assert {"kiss", "death", "heart", "kind", "of"} <= vader._IDIOM_WORDS
    compared = 0
    for key in keys:
        for scored in ("good", "bad", "heart", "die", "GREAT"):
            for gap in range(5):
                for filler in ("x", "the", "very"):
                    words = [filler] * gap
                    for text in (
                        " ".join([key, *words, scored, "ok"]),
                        " ".join(["so", scored, *words, key]),
                        " ".join(["we", "had", *words, key, scored]),
                    ):
                        old, new = _same(text)
                        assert repr(new) == repr(old), text
                        compared += 1
    assert compared > 2_000
