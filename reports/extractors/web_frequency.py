"""How often a name is written on the web, per language: ``wordfreq``'s small word lists.

Discovery's ``local_word`` feature reads it (``discovery_features``): on a page not in English,
a name whose every word is frequent in the page's language and rare in English ("Netz",
"Industrie", "Vor" on a German page, where every noun is capitalised; "Casa" in Portuguese) is
that language's ordinary word, as the English dictionary tells "Current" or "Journey" apart.
The knowledge base lists many such words as shops somewhere (a car dealer "Netz"); before this
the scorer could not tell them from "Mastercard" on the same page, and so trusted neither.
(Measured and dropped, session 18: how often English text writes a name that is no dictionary
word, as a cue of fame — "Google" 4.9, "Sputnik" 2.8 — earned a weight of -0.07 and changed
nothing: the base's own weight already says it.)

``wordfreq`` (pinned in requirements.txt; Robyn Speer's word frequencies from Wikipedia,
subtitles, news, books and web text, frozen in 2021) ships its lists inside the package: the
small ones cover words with a frequency of one in a million and more (Zipf 3), ≈ 11 ms to load
for a language, ≈ 1 µs a look-up. A missing or broken package is logged once and every
frequency is 0: discovery then scores as it did without these features.
"""

import logging
from functools import cache, lru_cache

from celery.exceptions import SoftTimeLimitExceeded

logger = logging.getLogger(__name__)

# Languages whose words wordfreq splits by a dictionary of its own (Japanese needs MeCab, not
# installed): frequencies are read for alphabetic languages only.
_NOT_SPACED = frozenset({"ja", "zh", "ko", "th", "my", "km", "lo"})
# A local word: this frequent in the page's language (one in 300,000 words) ...
LOCAL_ZIPF = 3.5
# ... and at least ten times as frequent there as in English ("Google" is frequent in both).
LOCAL_MARGIN = 1.0


@cache
def _languages() -> frozenset[str]:
    try:
        from wordfreq import available_languages

        return frozenset(available_languages("small")) - _NOT_SPACED
    except SoftTimeLimitExceeded:
        raise  # A job's time limit, not a broken package (see gazetteer._load).
    except Exception:
        logger.warning("Discovery runs without word frequencies: wordfreq failed to load.")
        return frozenset()


@lru_cache(maxsize=16384)
def zipf(text: str, language: str = "en") -> float:
    """The Zipf frequency (log10 of uses per billion words) of ``text`` in ``language``; 0.0
    for a word under one in a million, a language wordfreq has no list of, or no package."""
    if language not in _languages():
        return 0.0
    from wordfreq import zipf_frequency

    try:
        return zipf_frequency(text, language, wordlist="small")
    except SoftTimeLimitExceeded:
        raise
    except Exception:  # A corrupt list: the name is treated as unknown, the extractor runs on.
        logger.warning("wordfreq could not read %r in %s.", text, language, exc_info=True)
        return 0.0


def local_word(words: list[str], language: str) -> bool:
    """Every word of the name is an ordinary word of the page's language, not English's."""
    if language == "en" or language not in _languages():
        return False
    return all(
        (here := zipf(w, language)) >= LOCAL_ZIPF and here - zipf(w) >= LOCAL_MARGIN for w in words
    )
