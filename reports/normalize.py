"""The normalised key of a brand name: one spelling for entity resolution and blocked terms.

``normalize_brand("The Coca-Cola Company")`` and ``normalize_brand("coca cola")`` are both
``"coca cola"``. The key ignores case, accents, punctuation, ®/™/©, apostrophes
(``McDonald's`` = ``McDonalds``), a leading "the" and trailing legal forms (Inc., Ltd, GmbH,
S.A., Co., plc, ...), stripped repeatedly (``Acme Co., Ltd.`` -> ``acme``). ``&`` reads as
"and", so ``Ben & Jerry's`` = ``Ben and Jerry's``.

Conservative on purpose: only legal forms go. Words such as "Group", "Holdings", "Brands" or
"International" stay, because "Acme Group" and "Acme" may be different companies (a holding and
one of its brands) and merging them wrongly is worse than leaving them for a fuzzy match or a
user's merge. A name made only of a legal form ("Co", "AG") keeps it rather than become empty.
"""

import re
import unicodedata
from functools import lru_cache

# Legal forms, as tokens after normalisation: dotted abbreviations are joined first
# ("S.A." -> "sa", "S.p.A." -> "spa", "L.L.C." -> "llc") and "A/S" becomes "as".
LEGAL_FORMS = frozenset(
    {
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "companies",
        "ltd",
        "limited",
        "llc",
        "llp",
        "lp",
        "plc",
        "gmbh",
        "ag",
        "kg",
        "kgaa",
        "se",
        "sa",
        "sas",
        "sarl",
        "srl",
        "sl",
        "spa",
        "bv",
        "nv",
        "ab",
        "as",
        "asa",
        "oy",
        "oyj",
        "kk",
        "pty",
        "pte",
        "bhd",
        "sdn",
    }
)

# Letters NFKD does not decompose into a base letter plus a mark.
_SPECIAL_LETTERS = str.maketrans(
    {"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ł": "l", "Ł": "L"}
    | {"đ": "d", "Đ": "D", "\u0131": "i", "þ": "th", "ð": "d"}
)
_MARKS = str.maketrans("", "", "®™©℠")
_APOSTROPHES = re.compile(r"['\u2019\u2018\u02bc`\u00b4]")
# "s.a." / "s.p.a" / "l.l.c." -> joined letters; not inside a longer word ("amazon.com").
_DOTTED = re.compile(r"(?<![\w.])[a-z](?:\.[a-z])+\.?(?!\w)")
_SLASHED_FORM = re.compile(r"(?<!\w)a/s(?!\w)")
_NON_WORD = re.compile(r"[\W_]+")


def _strip_accents(value: str) -> str:
    if value.isascii():
        return value  # Nothing to decompose nor strip; most names are plain ASCII.
    decomposed = unicodedata.normalize("NFKD", value.translate(_SPECIAL_LETTERS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# The rules extractor asks for the same few thousand keys over and over (every word of every
# capitalised run, every tracked mention, each article's blocked terms: ~200 calls an article,
# most of them repeats); the key depends on the name alone, so a bounded cache returns it.
@lru_cache(maxsize=1 << 16)
def normalize_brand(name: str) -> str:
    """The key two spellings of one brand share; ``""`` for a name with no letters or digits."""
    if name.isascii() and name.replace(" ", "").isalnum():
        # ASCII letters, digits and spaces: no mark, accent, apostrophe, "&", "/", "." nor
        # other punctuation for the steps below to act on ("Tata Motors", most names).
        tokens = name.lower().split()
    else:
        value = _strip_accents(name.translate(_MARKS)).casefold()
        value = _APOSTROPHES.sub("", value)
        value = value.replace("&", " and ").replace("+", " and ")
        if "/" in value:  # Both need their punctuation: skip the regular expressions without.
            value = _SLASHED_FORM.sub("as", value)
        if "." in value:
            value = _DOTTED.sub(lambda m: m.group(0).replace(".", ""), value)
        tokens = _NON_WORD.sub(" ", value).split()
    if len(tokens) > 1 and tokens[0] == "the":
        tokens = tokens[1:]
    while len(tokens) > 1 and tokens[-1] in LEGAL_FORMS:
        tokens.pop()
        if len(tokens) > 1 and tokens[-1] == "and":  # "Levi Strauss & Co."
            tokens.pop()
    return " ".join(tokens)


def normalize_term(term: str) -> str:
    """Blocked terms use the brand key, so blocking "Apple Inc." also blocks "apple"."""
    return normalize_brand(term)
