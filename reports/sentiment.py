"""Lexicon sentiment for the rules extractor: VADER with news corrections for English, neutral
elsewhere.

vaderSentiment ships its lexicon inside the wheel (``vader_lexicon.txt``), so nothing is
downloaded at run time; ``reports/news_lexicon.py`` corrects it for news prose (VADER alone
called a report of a slain police officer positive). It has no lexicon for other languages (its
own demo translates through a web service, which we never call), so non-English text scores
0.0 — neutral, not a guess.

An article's score is the mean of its sentences' praise beyond the warmth of plain reporting
and their harm, labelled with VADER's own ±0.05 cut, and a strongly negative headline decides
on its own (see ``article_sentiment``). One figure, ``PLAIN_WARMTH``, is fitted to labels, on
both splits of the real-page evaluation set (``benchmarks/extraction_eval.py``); fitted on one
split and run on the other it loses 3-5 pages of 35 (docs/benchmarks.md has the figures).
"""

from functools import lru_cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from reports.evidence import sentences
from reports.news_lexicon import NEWS_LEXICON
from reports.vader import Vader

# VADER costs roughly linear time per word; an article's tone shows in its first pages, and a
# 200,000-word text must not take seconds here.
ARTICLE_SENTENCE_LIMIT = 200
_MAX_SENTENCE_CHARS = 2_000
# Plain, neutral reporting is mildly warm under VADER ("help", "new", "best", "support"): a
# sentence's praise counts only beyond this compound score, or every product listing and
# explainer reads positive. Harm is not discounted: VADER has no such bias toward it. Chosen on
# the 80 labelled pages as the value that does best on the worse of the two splits (dev prefers
# 0.26-0.38, the old holdout 0.21-0.24; docs/benchmarks.md): one corpus's taste must not decide
# for news the app has not seen.
PLAIN_WARMTH = 0.23
# positive / negative beyond VADER's own published cut for its compound score, not a band
# fitted to our pages: fewer figures fitted to 80 pages, less to overfit.
ARTICLE_NEUTRAL_BAND = 0.05
# A headline VADER reads as strongly negative ("Son of slain officer…", "Jury finds gunman
# guilty in church shooting") says what the story is, however kind the quotes and thanks in its
# body: the article is then at least that negative. -0.5 is the customary "strong" mark on
# VADER's scale; -0.4 and -0.5 give the same labels on the evaluation set. A positive headline
# gets no such say: "Cuts", "hikes" and "Lost City" are not bad news, and upbeat headlines over
# plain reports are common ("…is announcing a new phone").
HEADLINE_VETO = -0.5
# A brand's sentence is read in its story: a brand thanked for helping a murdered officer's
# family is not in good news.
BRAND_ARTICLE_WEIGHT = 0.5


@lru_cache(maxsize=1)
def _analyzer() -> SentimentIntensityAnalyzer:
    analyzer = SentimentIntensityAnalyzer()
    analyzer.lexicon.update(NEWS_LEXICON)
    return analyzer


@lru_cache(maxsize=1)
def _vader() -> Vader:
    """VADER's compound score as the analyzer computes it, with less work (``reports.vader``)."""
    analyzer = _analyzer()
    return Vader(analyzer.lexicon, analyzer.emojis)


def _is_english(language: str) -> bool:
    code = (language or "en").strip().lower().replace("_", "-")
    return code == "en" or code.startswith("en-")


def _clamp(score: float) -> float:
    return max(-1.0, min(1.0, float(score)))


def beyond_plain(score: float) -> float:
    """A sentence's score with the warmth of plain reporting taken off its praise."""
    return max(score - PLAIN_WARMTH, 0.0) if score > 0 else score


def sentence_sentiment(sentence: str, language: str = "en") -> float:
    """VADER's compound score of one sentence (news lexicon), in -1..1; 0.0 for empty or
    non-English text."""
    return _english_sentence(sentence) if _is_english(language) else 0.0


# A finding's evidence sentence is scored when the finding is made, and again among the
# article's sentences; a small cache of the last scores answers the second time.
@lru_cache(maxsize=512)
def _english_sentence(sentence: str) -> float:
    if not sentence or not sentence.strip():
        return 0.0
    return _clamp(_vader().compound(sentence[:_MAX_SENTENCE_CHARS]))


def article_sentiment(text: str, language: str = "en", title: str = "") -> float:
    """The article's tone in -1..1: the mean of its sentences' scores (the first 200) with the
    warmth of plain reporting taken off (``beyond_plain``), or its headline's score when that
    is ``HEADLINE_VETO`` or lower and lower still. Label it with ``article_label``.

    A mean of sentences, not VADER on the whole text: VADER's compound saturates towards ±1 as a
    text grows, so a long, mildly positive article would read as ecstatic.
    """
    if not _is_english(language) or not text or not text.strip():
        return 0.0
    scores = []
    for number, (start, end) in enumerate(sentences(text)):
        if number >= ARTICLE_SENTENCE_LIMIT:
            break
        # The language was tested once above, not again for each sentence.
        scores.append(beyond_plain(_english_sentence(text[start:end])))
    if not scores:
        return 0.0
    score = sum(scores) / len(scores)
    headline = sentence_sentiment(title, language) if title and title.strip() else 0.0
    if headline <= HEADLINE_VETO:
        score = min(score, headline)
    return round(_clamp(score), 4)


def brand_sentiment(sentence_score: float, article_score: float) -> float:
    """A brand's tone: its evidence sentence's score read together with the article's.

    Its praise counts beyond the warmth of plain reporting ("the company's new phone"), as the
    article's sentences' does.

    In a negative story a brand is neutral at best: thanks and kind words around a killing are
    not good news for the brand named beside them. The reverse does not hold: a recall told in
    an upbeat article is still bad news for the brand recalled, so a negative sentence is never
    softened by its article.
    """
    blended = (1 - BRAND_ARTICLE_WEIGHT) * beyond_plain(
        sentence_score
    ) + BRAND_ARTICLE_WEIGHT * article_score
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
