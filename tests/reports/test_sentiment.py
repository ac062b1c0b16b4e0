"""Lexicon sentiment: VADER with news corrections for English, neutral for languages it has no
lexicon for."""

from pathlib import Path

import vaderSentiment

from reports.extractors.base import ExtractionContext, KnownBrand
from reports.extractors.rules import RulesExtractor
from reports.sentiment import (
    ARTICLE_NEUTRAL_BAND,
    HEADLINE_VETO,
    PLAIN_WARMTH,
    article_label,
    article_sentiment,
    beyond_plain,
    brand_sentiment,
    sentence_sentiment,
)


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


def test_an_article_is_the_mean_of_its_sentences_praise_beyond_plain_warmth() -> None:
    text = "Profits rose strongly. " + "The meeting was held on Tuesday. " * 9
    single = sentence_sentiment("Profits rose strongly.")
    assert single > PLAIN_WARMTH
    assert article_sentiment(text) == round((single - PLAIN_WARMTH) / 10, 4)


def test_warmth_up_to_that_of_plain_reporting_counts_as_nothing_and_harm_counts_in_full() -> None:
    assert beyond_plain(PLAIN_WARMTH / 2) == 0.0
    assert beyond_plain(0.0) == 0.0
    assert (
        beyond_plain(0.9) == round(0.9 - PLAIN_WARMTH, 10)
        or abs(beyond_plain(0.9) - (0.9 - PLAIN_WARMTH)) < 1e-9
    )
    assert beyond_plain(-0.3) == -0.3


def test_text_without_a_sentiment_word_is_neutral() -> None:
    # Measuring from a baseline subtracted from every sentence would call plain facts bad news.
    text = "The meeting was held on Tuesday in Leeds. " * 12
    assert article_sentiment(text, "en", "Council meets on Tuesday") == 0.0
    assert label(("Council meets on Tuesday", text)) == "neutral"


# Shaped like the evaluation set's pl-aol-com page: a killing told through the kindness after it.
CRIME_REPORT = (
    "Son of slain police officer given teddy bears made from his father's uniforms",
    "The son of a slain St. Louis County police officer was given teddy bears made from his "
    "father's uniforms. Officer Blake Snyder was shot in October while responding to a call in "
    "Green Park. A local seamstress offered to help and sewed the bears with love. The family "
    'thanked her for the kind gift, and friends shared the photos on Facebook. "It means the '
    'world to us," his widow said. The suspect was charged with murder and is being held '
    "without bail.",
)
RESULTS_BEAT = (
    "Acme shares jump as quarterly profit beats forecasts",
    "Acme reported record quarterly revenue on Thursday, beating analysts' expectations. "
    "Profit rose 18 percent thanks to strong demand for its new headphones. The chief "
    "executive said customers love the redesigned range and the company raised its forecast "
    "for the year. Investors welcomed the news and analysts praised the improved margins.",
)
PRODUCT_LISTING = (
    "Motorola announces the Moto G7 at Mobile World Congress",
    "Motorola is announcing a new phone at Mobile World Congress in Barcelona. The Moto G7 "
    "has a 6.2-inch display, 4 GB of memory and a 3,000 mAh battery. It will be sold in "
    "Europe from March in black and white. The phone runs Android 9 and has a fingerprint "
    "reader on the back. Prices start at 249 euros. The company will share more details "
    "at its press event on Sunday.",
)


# Shaped like the evaluation set's feature pages (a product feature, a review): praise spread
# thinly over plain description. The old method (sentence mean less 0.12, headline at 0.2, band
# ±0.1) called this neutral; most of the holdout's positive pages were read that way.
FEATURE = (
    "Inside the Surface Studio: the engineering beneath the floating screen",
    "The Surface Studio is a desktop computer built around a 28-inch screen on a pair of chrome "
    "arms. Pull the screen toward you and it folds down to 20 degrees, like a drafting table. The "
    "hinge is the clever part: a set of springs carries the weight, so the screen moves with one "
    "finger. The display has 13.5 million pixels and a 3:2 ratio. Colours are accurate out of "
    "the box, which designers will appreciate. The computer itself sits in the base, with a "
    "quad-core processor and an Nvidia graphics card. Microsoft also made a dial, the Surface "
    "Dial, that rests on the screen and opens menus. Artists who tried it said drawing on it "
    "feels natural and precise. It ships in December and costs 2,999 dollars.",
)
HOW_TO = (
    "How to back up your phone before you travel",
    "Open the Settings app and tap your name at the top of the screen. Choose iCloud, then "
    "iCloud Backup. Turn on the switch and tap Back Up Now while the phone is on Wi-Fi. The first "
    "backup can take an hour. On Android, open Settings, then System, then Backup. Pick your "
    "Google account and tap Back up now. Check the date of the last backup before you leave, and "
    "keep the phone charging while it runs. If you are short of storage, you can free up space "
    "by deleting old videos first.",
)


def label(article: tuple[str, str]) -> str:
    title, text = article
    return article_label(article_sentiment(text, "en", title))


def test_a_crime_report_is_negative_though_its_people_help_and_thank() -> None:
    assert label(CRIME_REPORT) == "negative"


def test_a_results_beat_is_positive() -> None:
    assert label(RESULTS_BEAT) == "positive"


def test_a_plain_product_listing_is_neutral() -> None:
    assert label(PRODUCT_LISTING) == "neutral"


def test_a_feature_with_praise_spread_thinly_over_description_is_positive() -> None:
    assert label(FEATURE) == "positive"


def test_a_how_to_is_neutral() -> None:
    assert label(HOW_TO) == "neutral"


def test_plain_vader_would_have_called_the_crime_report_positive() -> None:
    # What the news corrections are for: without them the kind words outweigh the killing.
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from reports.evidence import sentences

    plain = SentimentIntensityAnalyzer()
    text = CRIME_REPORT[1]
    scores = [plain.polarity_scores(text[a:b])["compound"] for a, b in sentences(text)]
    assert sum(scores) / len(scores) > 0


def test_news_words_vader_lacks_score_negative_and_names_score_nothing() -> None:
    assert sentence_sentiment("The officer was slain.") < 0
    assert sentence_sentiment("Hundreds of workers go on strike over layoffs.") < 0
    assert sentence_sentiment("Amazon and United Airlines shares were traded on Monday.") == 0.0
    assert sentence_sentiment("Social Security payments rise with interest rates.") == 0.0


def test_a_brand_thanked_in_a_crime_report_is_not_in_good_news() -> None:
    title, text = CRIME_REPORT
    sentence = (
        "The family thanked her for the kind gift, and friends shared the photos on Facebook."
    )
    own = sentence_sentiment(sentence)
    assert own > 0  # Read alone, the sentence is warm.
    assert brand_sentiment(own, article_sentiment(text, "en", title)) <= 0


def test_a_brand_named_with_the_warmth_of_plain_reporting_in_a_plain_story_is_neutral() -> None:
    own = sentence_sentiment("Motorola says the phone comes with a free case.")
    assert 0.05 < own <= PLAIN_WARMTH  # "free": VADER's praise, a listing's plain fact.
    title, text = PRODUCT_LISTING
    assert abs(brand_sentiment(own, article_sentiment(text, "en", title))) < 0.05


def test_a_brand_in_good_news_stays_positive() -> None:
    title, text = RESULTS_BEAT
    own = sentence_sentiment("Acme reported record quarterly revenue, beating expectations.")
    assert brand_sentiment(own, article_sentiment(text, "en", title)) > 0.05


def test_a_brand_in_bad_news_of_its_own_stays_negative_in_an_upbeat_article() -> None:
    title, text = RESULTS_BEAT
    own = sentence_sentiment("Globex recalled its heaters after two fires.")
    assert own < 0
    assert brand_sentiment(own, article_sentiment(text, "en", title)) < 0


def test_the_article_label_has_a_neutral_band_either_side_of_zero() -> None:
    assert article_label(ARTICLE_NEUTRAL_BAND) == "positive"
    assert article_label(ARTICLE_NEUTRAL_BAND - 0.01) == "neutral"
    assert article_label(0.0) == "neutral"
    assert article_label(-ARTICLE_NEUTRAL_BAND + 0.01) == "neutral"
    assert article_label(-ARTICLE_NEUTRAL_BAND) == "negative"


def test_a_strongly_negative_headline_makes_the_article_negative_whatever_its_body() -> None:
    text = RESULTS_BEAT[1]
    headline = "Acme staff killed in factory blast"
    assert sentence_sentiment(headline) <= HEADLINE_VETO
    assert label((headline, text)) == "negative"
    assert label(RESULTS_BEAT) == "positive"


def test_a_mildly_negative_or_a_positive_headline_does_not_decide() -> None:
    # "Cuts" in a headline about film releases, "ban" in a policy story: not a verdict alone.
    text = PRODUCT_LISTING[1]
    mild = "Workers go on strike at O'Hare"
    assert HEADLINE_VETO < sentence_sentiment(mild) < 0
    assert article_sentiment(text, "en", mild) == article_sentiment(text, "en", "")
    upbeat = "Motorola's great new phone is a win"
    assert sentence_sentiment(upbeat) > 0.5
    assert label((upbeat, text)) == "neutral"


def test_the_rules_extractor_calls_the_crime_report_and_the_brand_in_it_negative_or_neutral() -> (
    None
):
    title, text = CRIME_REPORT
    context = ExtractionContext(known_brands=(KnownBrand(brand_id=1, name="Facebook"),))
    result = RulesExtractor().extract(text=text, title=title, language="en", context=context)

    assert result.sentiment_label == "negative" and result.sentiment_score < 0
    [facebook] = [f for f in result.brands if f.name == "Facebook"]
    assert sentence_sentiment(facebook.evidence) > 0  # Its own sentence is warm...
    assert facebook.sentiment <= 0  # ...but it is named in a story about a killing.


def test_the_rules_extractor_calls_a_results_beat_positive_for_the_brand_too() -> None:
    title, text = RESULTS_BEAT
    context = ExtractionContext(known_brands=(KnownBrand(brand_id=1, name="Acme"),))
    result = RulesExtractor().extract(text=text, title=title, language="en", context=context)

    assert result.sentiment_label == "positive"
    [acme] = [f for f in result.brands if f.name == "Acme"]
    assert acme.sentiment > 0.05


def test_a_sentence_scored_twice_is_scored_once_and_the_cache_is_bounded() -> None:
    """A finding's evidence is scored again among the article's sentences: the second time
    comes from a small cache, never from a growing one."""
    from reports.sentiment import _english_sentence, _vader

    info = _english_sentence.cache_info()
    assert info.maxsize is not None and info.maxsize <= 4096
    sentence = "Globex shares collapsed after a damning fraud report, a terrible blow."
    first = sentence_sentiment(sentence)
    hits = _english_sentence.cache_info().hits
    assert sentence_sentiment(sentence) == first == _vader().compound(sentence) < 0
    assert _english_sentence.cache_info().hits == hits + 1
