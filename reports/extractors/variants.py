"""The written forms of a brand name, and the words that say a common-word name is the company.

``written_forms("The Coca-Cola Company")`` is every way an article writes that brand: with and
without the article and the legal form ("Coca-Cola"), hyphen, space and joined forms
("Coca Cola", "CocaCola"), "&" as "and" ("H and M"), a camel-case name spaced ("Pay Pal"),
accents dropped, and a plural for distinctive single words ("Teslas"). Possessives ("Google's")
and slash-joined lists ("PlayStation/Xbox") need no form of their own: the matcher stops at
the apostrophe or the slash. The same forms let the LLM's evidence check accept a quote that
writes the brand differently from its canonical name.

``product_cue`` says whether the words around a mention are about the company: its known
products (Apple near "iPhone", Amazon near "Prime"), or its industry's vocabulary (Shell near
"oil", Target near "stores"). An "apple" next to "orchard" gets no such cue.
"""

import re
import unicodedata
from functools import lru_cache

from reports.normalize import LEGAL_FORMS

from . import gazetteer
from .wordlists import COMMON_WORDS

# Words a company's registered name carries that the news leaves out: "Lenovo Group" is
# "Lenovo". Only when what remains is distinctive (not a common word).
_CORPORATE_TAILS = frozenset(
    {
        "group",
        "holding",
        "holdings",
        "international",
        "corporation",
        "company",
        "technologies",
        "brands",
        "worldwide",
        "global",
    }
)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z][a-z])")
_SEPARATORS = re.compile(r"[\s-]+")


def _without_accents(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def _common(word: str) -> bool:
    return word.lower() in COMMON_WORDS or gazetteer.is_common_word(word)


# Short and long spellings of one legal form: "News Corp" is also "News Corporation".
_LEGAL_SPELLINGS = {
    "corp": "Corporation",
    "corporation": "Corp",
    "inc": "Incorporated",
    "co": "Company",
    "ltd": "Limited",
    "limited": "Ltd",
}


def _shorter_names(name: str) -> set[str]:
    """The name without a leading "The", trailing legal forms or a corporate tail."""
    found = {name}
    words = name.split()
    other = _LEGAL_SPELLINGS.get(words[-1].lower().rstrip("."), "") if len(words) > 1 else ""
    if other:
        found.add(" ".join([*words[:-1], other]))
    if len(words) > 1 and words[0].lower() == "the":
        words = words[1:]
        found.add(" ".join(words))
    trimmed = list(words)
    while len(trimmed) > 1 and (
        re.sub(r"[^\w]", "", trimmed[-1].lower()) in LEGAL_FORMS or trimmed[-1] in ("&", ",")
    ):
        trimmed.pop()
        trimmed[-1] = trimmed[-1].rstrip(",")
    # "Shell" for "Shell plc" (a curated common-word brand, matched with the care "Apple"
    # gets), but not "News" for "News Corp": a dictionary word the matcher knows nothing of.
    curated = len(trimmed) == 1 and trimmed[0].lower() in COMMON_WORDS
    if trimmed == words or curated or not all(_common(w) for w in trimmed):
        found.add(" ".join(trimmed))
    if len(trimmed) > 1 and trimmed[-1].lower() in _CORPORATE_TAILS:
        rest = " ".join(trimmed[:-1])
        if len(rest) >= 4 and not all(_common(w) for w in trimmed[:-1]):
            found.add(rest)
    return {f for f in found if f}


@lru_cache(maxsize=4096)
def written_forms(name: str) -> frozenset[str]:
    """Every written form of ``name`` worth matching, the name itself included."""
    name = " ".join(name.split())
    if not name:
        return frozenset()
    forms: set[str] = set()
    for base in _shorter_names(name):
        base = base.rstrip(".") or base
        forms.update((base, _without_accents(base)))
        if "&" in base:
            tight = re.sub(r"\s*&\s*", "&", base)
            forms.update((tight, tight.replace("&", " & "), tight.replace("&", " and ")))
        camel = _CAMEL.sub(" ", base)
        if camel != base and " " not in base:
            forms.update((camel, camel.replace(" ", "-")))
        parts = [p for p in _SEPARATORS.split(base) if p]
        if len(parts) > 1 and all(p.isalnum() for p in parts):
            forms.update((" ".join(parts), "-".join(parts)))
            if sum(len(p) for p in parts) >= 5:
                forms.add("".join(parts))
        plural_tail = len(parts) > 1 and parts[-1].endswith("s") and not parts[-1].endswith("ss")
        if plural_tail and not all(p.lower() in COMMON_WORDS for p in parts[:-1]):
            forms.add(base[:-1])  # "Gilead Science" for "Gilead Sciences".
        if (
            " " not in base
            and base.replace("-", "").isalpha()
            and len(base) >= 4
            and base[-1].lower() != "s"
            and base.lower() not in COMMON_WORDS
            and not gazetteer.is_common_word(base)
        ):
            forms.add(base + "s")  # "Teslas", "iPhones"
    return frozenset(f for f in forms if f.strip())


# What the company's own products and business are called, for the common-word brands the news
# writes most. Lowercased words; a mention has a product cue when one is near it.
KNOWN_PRODUCTS: dict[str, frozenset[str]] = {
    key: frozenset(words.split())
    for key, words in {
        "apple": "iphone iphones ipad ipads mac macs macbook imac ios macos airpods watchos "
        "siri itunes icloud app vision cupertino",
        "amazon": "prime aws alexa kindle echo marketplace e-commerce bezos jassy sellers "
        "warehouses fulfillment",
        "shell": "oil gas lng petrol refinery refineries upstream downstream energy fuel barrels",
        "target": "stores shoppers retailer minneapolis aisles",
        "gap": "old navy banana republic athleta stores apparel retailer",
        "visa": "mastercard payments payment card cards cardholders transactions fintech",
        "oracle": "database cloud software java ellison",
        "meta": "facebook instagram whatsapp zuckerberg threads",
        "next": "retailer clothing fashion",
        "boots": "pharmacy walgreens chemist stores",
        "corona": "beer lager brewer ab inbev constellation",
        "dove": "soap unilever beauty shampoo deodorant",
        "subway": "sandwich sandwiches franchise restaurants",
        "mint": "budgeting app intuit",
        "square": "payments block dorsey sellers",
        "ford": "mustang f-150 vehicles trucks dealers",
        "puma": "sneakers trainers sportswear adidas nike",
        "jaguar": "land rover cars vehicles",
        "mustang": "ford",
        "express": "stores apparel retailer",
        "guess": "jeans apparel retailer",
        "coach": "handbags tapestry",
    }.items()
}

# Each industry of the default taxonomy, the words that place a mention in that business.
INDUSTRY_WORDS: dict[str, frozenset[str]] = {
    key: frozenset(words.split())
    for key, words in {
        "automotive": "car cars vehicle vehicles ev evs electric dealers dealership models "
        "suv sedan trucks",
        "banking & finance": "bank banking payments payment card cards loans lender fintech",
        "beauty & personal care": "beauty skincare cosmetics shampoo soap fragrance",
        "consumer electronics": "smartphone smartphones phone phones laptop laptops tablet "
        "devices device chip chips headphones tv",
        "energy & utilities": "oil gas energy petrol fuel refinery power utility lng",
        "entertainment & media": "streaming subscribers series film films studio music",
        "fashion & apparel": "fashion clothing apparel stores collection retailer jeans",
        "food & beverage": "beer drinks drink brewer restaurants menu snacks",
        "hospitality & travel": "hotels hotel airline flights travel bookings",
        "retail & e-commerce": "stores store shoppers retailer e-commerce online sales checkout",
        "software & internet": "software app apps cloud platform users online ai search",
        "telecommunications": "mobile network broadband carrier subscribers 5g",
        "transportation & logistics": "rides drivers delivery deliveries logistics freight",
    }.items()
}
_WORD = re.compile(r"[\w-]+")
CUE_WINDOW = 160  # Characters either side of a mention searched for product words.


def product_cue(
    text: str, start: int, end: int, *, name: str, industry: str, within: tuple[int, int]
) -> bool:
    """Whether a product of the brand or a word of its industry is near the mention, inside
    ``within`` (the sentence, when a sentence start forced the capital)."""
    cues = KNOWN_PRODUCTS.get(name.lower(), frozenset()) | INDUSTRY_WORDS.get(
        industry.lower(), frozenset()
    )
    if not cues:
        return False
    left = max(within[0], start - CUE_WINDOW)
    right = min(within[1], end + CUE_WINDOW)
    window = text[left:start] + " " + text[end:right]
    return any(word in cues for word in _WORD.findall(window.lower()))
