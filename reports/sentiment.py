"""Lexicon sentiment for the rules extractor: VADER with news corrections for English, neutral
elsewhere.

vaderSentiment ships its lexicon inside the wheel (``vader_lexicon.txt``), so nothing is
downloaded at run time; ``reports/news_lexicon.py`` corrects it for news prose (VADER alone
called a report of a slain police officer positive). It has no lexicon for other languages (its
own demo translates through a web service, which we never call), so non-English text scores
0.0 — neutral, not a guess.

The article score is calibrated on the development split of the real-page evaluation set
(``benchmarks/extraction_eval.py --split dev``): see ``article_sentiment``.
"""

from functools import lru_cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from reports.evidence import sentences
from reports.news_lexicon import NEWS_LEXICON

# VADER costs roughly linear time per word; an article's tone shows in its first pages, and a
# 200,000-word text must not take seconds here.
ARTICLE_SENTENCE_LIMIT = 200
_MAX_SENTENCE_CHARS = 2_000
# Plain, neutral reporting still averages about +0.12 per sentence under VADER ("help", "new",
# "best"): the article's mean is measured from there, or every product listing reads positive.
NEUTRAL_BASELINE = 0.12
# The headline says what the story is about ("Son of slain officer…", "Attack stokes fears"),
# where the body may be mostly quotes of condolence and help.
TITLE_WEIGHT = 0.2
# An article is positive or negative only beyond this: a mean over dozens of sentences moves
# less than one sentence's score, and within ±0.1 of the baseline the dev split is neutral.
ARTICLE_NEUTRAL_BAND = 0.1
# A brand's sentence is read in its story: a brand thanked for helping a murdered officer's
# family is not in good news.
BRAND_ARTICLE_WEIGHT = 0.5


@lru_cache(maxsize=1)
def _analyzer() -> SentimentIntensityAnalyzer:
    analyzer = SentimentIntensityAnalyzer()
    analyzer.lexicon.update(NEWS_LEXICON)
    return analyzer


def _is_english(language: str) -> bool:
    code = (language or "en").strip().lower().replace("_", "-")
    return code == "en" or code.startswith("en-")


def _clamp(score: float) -> float:
    return max(-1.0, min(1.0, float(score)))


def sentence_sentiment(sentence: str, language: str = "en") -> float:
    """VADER's compound score of one sentence (news lexicon), in -1..1; 0.0 for empty or
    non-English text."""
    if not _is_english(language) or not sentence or not sentence.strip():
        return 0.0
    return _clamp(_analyzer().polarity_scores(sentence[:_MAX_SENTENCE_CHARS])["compound"])


def article_sentiment(text: str, language: str = "en", title: str = "") -> float:
    """The article's tone in -1..1: its sentences' mean (the first 200) less the neutral
    baseline, blended with its title's score. Label it with ``ARTICLE_NEUTRAL_BAND``.

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
    body = sum(scores) / len(scores) - NEUTRAL_BASELINE
    headline = sentence_sentiment(title, language) if title and title.strip() else None
    score = body if headline is None else TITLE_WEIGHT * headline + (1 - TITLE_WEIGHT) * body
    return round(_clamp(score), 4)


def brand_sentiment(sentence_score: float, article_score: float) -> float:
    """A brand's tone: its evidence sentence's score read together with the article's.

    In a negative story a brand is neutral at best: thanks and kind words around a killing are
    not good news for the brand named beside them. The reverse does not hold: a recall told in
    an upbeat article is still bad news for the brand recalled, so a negative sentence is never
    softened by its article.
    """
    blended = (1 - BRAND_ARTICLE_WEIGHT) * sentence_score + BRAND_ARTICLE_WEIGHT * article_score
    if article_score <= -ARTICLE_NEUTRAL_BAND:
        blended = min(blended, 0.0)
    if sentence_score < 0:
        blended = min(blended, sentence_score)
    return round(_clamp(blended), 4)


def article_label(score: float) -> str:
    """positive / neutral / negative for an ``article_sentiment`` score."""
    if score >= ARTICLE_NEUTRAL_BAND:
        return "positive"
    if score <= -ARTICLE_NEUTRAL_BAND:
        return "negative"
    return "neutral"
