"""Lexicon sentiment: VADER for English, neutral for languages it has no lexicon for."""

from pathlib import Path

import vaderSentiment

from reports.sentiment import article_sentiment, sentence_sentiment


def test_vader_ships_its_lexicon_so_nothing_is_downloaded() -> None:
    package = Path(vaderSentiment.__file__).parent
    assert (package / "vader_lexicon.txt").stat().st_size > 100_000


def test_a_positive_sentence_scores_above_zero_and_a_negative_one_below() -> None:
    assert sentence_sentiment("Sales were excellent and customers love the new range.") > 0.5
    assert sentence_sentiment("The recall was a disaster and profits collapsed.") < -0.5


def test_scores_stay_within_minus_one_and_one() -> None:
    gushing = "Great! " * 200
    assert -1.0 <= sentence_sentiment(gushing) <= 1.0
    assert -1.0 <= article_sentiment(gushing) <= 1.0


def test_empty_text_is_neutral() -> None:
    assert sentence_sentiment("") == 0.0
    assert sentence_sentiment("   ") == 0.0
    assert article_sentiment("") == 0.0


def test_languages_without_a_lexicon_are_neutral_rather_than_guessed() -> None:
    assert sentence_sentiment("Die Ergebnisse sind hervorragend.", "de") == 0.0
    assert article_sentiment("Les résultats sont excellents. Bravo !", "fr") == 0.0
    assert sentence_sentiment("A great result.", "en-GB") > 0


def test_an_article_is_the_mean_of_its_sentences_not_a_saturated_total() -> None:
    text = "Profits rose strongly. " + "The meeting was held on Tuesday. " * 9
    single = sentence_sentiment("Profits rose strongly.")
    assert article_sentiment(text) == round(single / 10, 4)
