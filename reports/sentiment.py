"""Lexicon sentiment for the rules extractor: VADER for English, neutral elsewhere.

vaderSentiment ships its lexicon inside the wheel (``vader_lexicon.txt``), so nothing is
downloaded at run time. It has no lexicon for other languages (its own demo translates through a
web service, which we never call), so non-English text scores 0.0 — neutral, not a guess.
"""

from functools import lru_cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from reports.evidence import sentences

# VADER costs roughly linear time per word; an article's tone shows in its first pages, and a
# 200,000-word text must not take seconds here.
ARTICLE_SENTENCE_LIMIT = 200
_MAX_SENTENCE_CHARS = 2_000


@lru_cache(maxsize=1)
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def _is_english(language: str) -> bool:
    code = (language or "en").strip().lower().replace("_", "-")
    return code == "en" or code.startswith("en-")


def sentence_sentiment(sentence: str, language: str = "en") -> float:
    """VADER's compound score of one sentence, in -1..1; 0.0 for empty or non-English text."""
    if not _is_english(language) or not sentence or not sentence.strip():
        return 0.0
    score = _analyzer().polarity_scores(sentence[:_MAX_SENTENCE_CHARS])["compound"]
    return max(-1.0, min(1.0, float(score)))


def article_sentiment(text: str, language: str = "en") -> float:
    """The mean compound score of the article's sentences (the first 200), in -1..1.

    A mean of sentences, not VADER on the whole text: VADER's compound saturates towards ±1 as a
    text grows, so a long, mildly positive article would read as ecstatic.
    """
    if not _is_english(language) or not text or not text.strip():
        return 0.0
    scores = []
    for number, (start, end) in enumerate(sentences(text)):
        if number >= ARTICLE_SENTENCE_LIMIT:
            break
        scores.append(sentence_sentiment(text[start:end], language))
    if not scores:
        return 0.0
    return round(sum(scores) / len(scores), 4)
