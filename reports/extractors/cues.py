"""Corporate cues: the words around a name that say it is a company or a brand.

Each cue has a weight; a name's confidence is ``1 - prod(1 - weight)`` over the distinct cue
kinds found around its mentions, so evidence adds up (a legal form and a ticker, 0.96, beat a
legal form alone, 0.8, which beats a bare "X launched", 0.5) without ever reaching 1.

The same cues corroborate ambiguous known brands ("Apple said" vs "Apple growers") and let
``discovery`` find brands the organization does not track yet. People are told apart by
``looks_like_person`` / ``person_context``.
"""

import re
from functools import lru_cache

from .wordlists import FIRST_NAMES, PERSON_TITLES, STOCK_EXCHANGES

WEIGHTS = {
    "legal": 0.8,  # "Initech Ltd", "Soylent S.A."
    "ticker": 0.8,  # "(NASDAQ: GLBX)"
    "trademark": 0.75,  # "ZenSense®"
    "appositive": 0.6,  # "Boots, the British pharmacy chain", "Hoka, owned by Deckers"
    "descriptor": 0.6,  # "retailer Best Buy", "partnered with Stripe", "the Free brand"
    "corporate_noun": 0.5,  # "Oracle shares", "X CEO Jane Doe"
    "verb": 0.5,  # "X launched", "X unveiled", "X raised 40 million dollars"
    "said": 0.45,  # "Shell said": a corporate cue only for names known to be brands
    "co_brand": 0.48,  # in one sentence with another brand: "Visa and Mastercard"
    "product": 0.5,  # a known brand near its products or its industry: "Apple's iPhone"
    "repeated": 0.15,  # mentioned again elsewhere
    # A brand of the knowledge base ("Netflix", "Carrefour"). Not enough alone: the base holds
    # 30,000 names, many of them also phrases ("Tuesday Morning", "Food Market", "Coop"); named
    # twice, or with any other cue, it is.
    "kb": 0.5,
    "kb_weak": 0.0,  # a knowledge-base name that is also a word: needs another cue
    "proper": 0.45,  # not a dictionary word or a first name, capitalised inside a sentence
    "shape": 0.5,  # written as brands are: "YouTube", "eBay", "1Password"
    "use_noun": 0.3,  # what its users have or are: "Android devices", "Twitter account"
}
# Cues that make a name a brand on their own, whatever its capital letter is worth.
STRONG = frozenset({"legal", "ticker", "trademark", "appositive", "descriptor"})
# Chosen on the 182 tuning pages (session 7): a name whose only evidence is a capital letter
# seen twice ("proper" + "repeated" = 0.53) was wrong 35 times in 68; a knowledge-base name, a
# brand's shape or a co-listed brand seen twice (0.56-0.58) was right 27 times in 32 and passes.
DISCOVERY_THRESHOLD = 0.55

_ORG_NOUNS = (
    r"(?:maker|makers|retailer|company|chain|brand|label|group|firm|giant|operator|brewer|"
    r"carmaker|automaker|bank|lender|insurer|airline|owner|parent|start-?up|provider|developer|"
    r"manufacturer|bootmaker|confectioner|supplier|distributor|producer|platform|conglomerate|"
    r"business|house|agency|publisher|broadcaster|marketplace|multinational|corporation)"
)
_DESCRIPTOR_BEFORE = re.compile(
    r"(?:\b(?:rival|rivals|retailer|maker|brand|label|chain|company|firm|start-?up|agency|"
    r"carmaker|automaker|brewer|bank|lender|insurer|airline|operator|supplier|partner|subsidiary|"
    r"conglomerate|giant|group|sponsor|investors including|partnered with|partnering with|"
    r"partnership with|partner with|deal with|contract with|merger with|merged with|acquired|"
    r"acquisition of|takeover of|bought|owned by|owner of|owner|makers? of|backed by|led by|"
    r"spun off from|shares of|shares in|spokes(?:person|man|woman) for|"
    r"(?:companies|brands|firms|retailers|rivals|competitors|labels|chains|makers),?\s+"
    r"(?:such as|including|like)|"
    r"groupe|société|marque|enseigne|konzern|hersteller|unternehmen|marke)"
    r"(?:\s+[A-ZÀ-Þ][\w.&-]*(?:'s|\u2019s))?\s*,?\s*)$",
    re.IGNORECASE,
)
_APPOSITIVE_AFTER = re.compile(
    r"^,\s+(?:(?:the|a|an|which|its|one of)\s+((?:[\w'\u2019-]+\s+){0,5}?)" + _ORG_NOUNS + r"\b"
    r"|(?:which\s+is\s+|now\s+)?(?:owned|made|run|operated|founded|acquired|bought|backed)\s+by\b)",
    re.IGNORECASE,
)
_COPULA_AFTER = re.compile(
    r"^\s+(?:is|was|has become|remains|became)\s+(?:once again\s+|now\s+|still\s+)?"
    r"(?:the|a|an|one of the|among the)\s+((?:[\w'\u2019-]+\s+){0,5}?)" + _ORG_NOUNS + r"s?\b",
    re.IGNORECASE,
)
_PREPOSITIONS = frozenset({"for", "of", "to", "in", "at", "on", "with", "from", "by", "both"})
_BRAND_AFTER = re.compile(r"^\s+(?:brand|label|chain)\b", re.IGNORECASE)
_VERB_AFTER = re.compile(
    r"^(?:'s|\u2019s)?\s+(?:has\s+|have\s+|had\s+|also\s+|today\s+|recently\s+|will\s+|on\s+\w+\s+)?"
    r"(?:launch(?:ed|es)?|unveil(?:ed|s)?|announc(?:ed|es)|acquir(?:ed|es)|report(?:ed|s)|"
    r"post(?:ed|s)|rais(?:ed|es)|lower(?:ed|s)|cut(?:s)?|warn(?:ed|s)|partner(?:ed|s)|"
    r"sign(?:ed|s)|complet(?:ed|es)|open(?:ed|s)|sells|sold|bought|buys|hired|recall(?:ed|s)|"
    r"invest(?:ed|s)|agreed|expects|plans|introduced|debuted|rolled out|beat|missed|"
    r"confirmed|terminated)\b",
    re.IGNORECASE,
)
_NOUN_AFTER = re.compile(
    r"^(?:'s|\u2019s)?\s+(?:(?:new|global|latest|own|former|top|senior|chief|vice|board)\s+)?"
    r"(?:shares|stock|stores|outlets|chief executive|chief financial officer|ceo|cfo|chairman|"
    r"president|spokes(?:person|man|woman)|franchisees|dealers|headquarters|website|"
    r"subsidiary|founder)\b",
    re.IGNORECASE,
)
# What a product's or a service's users have or are, right after its name: "Android devices",
# "its Twitter account", "Windows users", "the Prime subscription", "new Amazon Music Unlimited
# subscribers" (discovery only). Of the names with no other cue on the tuning pages, those
# followed by one of these nouns inside a sentence were brands 18 times in 21.
_USE_NOUN_AFTER = re.compile(
    r"\s+(?:users?|customers|subscribers|subscription|apps?|accounts?|devices|phones?|"
    r"handsets|smartphones?|laptops?|tablets?|consoles?|browser|platform|software|products)\b"
)


def use_noun_after(text: str, end: int) -> bool:
    """Whether a noun of use follows the name ending at ``end`` ("Android devices")."""
    return _USE_NOUN_AFTER.match(text, end) is not None


_SAID_AFTER = re.compile(r"^\s+(?:said|says|told|added|declined)\b", re.IGNORECASE)
_TICKER_AFTER = re.compile(
    r"^\s*\(\s*(?:" + "|".join(sorted(STOCK_EXCHANGES)) + r")\s*:\s*[A-Z0-9.]{1,8}\s*\)",
    re.IGNORECASE,
)
_LEGAL_AFTER = re.compile(
    r"^,?\s+(?:Inc|Corp|Corporation|Co|Ltd|Limited|LLC|plc|PLC|GmbH|AG|SE|SA|S\.A|NV|N\.V|BV|"
    r"AB|ASA|A/S|Oy|Oyj|KK|Pty|Pte|SpA|S\.p\.A)\b"
)


def legal_form_after(text: str, end: int) -> bool:
    """Whether a legal form follows ``end`` ("Globex, Inc.", "Initech Ltd")."""
    return bool(_LEGAL_AFTER.match(text[end : end + 16]))


_PERSON_AFTER = re.compile(
    r"^(?:,\s+(?:who|whose)\b|\s+(?:said|says|told|added|wrote|explained|admitted|joked)\b)",
    re.IGNORECASE,
)
_PERSON_APPOSITIVE = re.compile(r"^,\s+(?:the|a|an)\s+([\w\s-]{0,40}?)(?:,|\s+who\b)")


def word_before(text: str, start: int) -> str:
    """The word just before ``start``, lowercased, without punctuation ("Mr." -> "mr")."""
    # What ``re.search(r"([\w\u2019'.-]+)[\s,]*$", text[start - 40 : start])`` finds, read
    # from the end: the regex retried every position of the 40 characters, backtracking.
    # (``\s`` is ``str.isspace`` and ``\w`` is ``str.isalnum`` or "_" for str patterns.)
    floor = max(0, start - 40)
    end = start
    while end > floor and (text[end - 1].isspace() or text[end - 1] == ","):
        end -= 1
    begin = end
    while begin > floor and (text[begin - 1].isalnum() or text[begin - 1] in _WORD_BEFORE_CHARS):
        begin -= 1
    return text[begin:end].strip(".\u2019'").lower() if begin < end else ""


_WORD_BEFORE_CHARS = frozenset("_\u2019'.-")


def context_cues(
    text: str, start: int, end: int, *, include_said: bool = False, before_at: int | None = None
) -> set[str]:
    """The cue kinds around the name at ``text[start:end]``; ``before_at`` moves the start of
    the left context (to before a dropped "Rival" or "La")."""
    left = start if before_at is None else before_at
    before = text[max(0, left - 80) : left]
    after = text[end : end + 120]
    found: set[str] = set()
    if _LEGAL_AFTER.match(after):
        found.add("legal")
    if _TICKER_AFTER.match(after):
        found.add("ticker")
    if after[:1] in ("®", "™"):
        found.add("trademark")
    if _descriptor_before(before) or _BRAND_AFTER.match(after):
        found.add("descriptor")
    for pattern in (_APPOSITIVE_AFTER, _COPULA_AFTER):
        match = pattern.match(after)
        between = set((match.group(1) or "").lower().split()) if match else set()
        # "O'Hare is a hub for both American Airlines": the noun is another name's.
        if (
            match
            and not between & PERSON_TITLES
            and not between & _PREPOSITIONS
            and _describes_the_name(after, match.end())
        ):
            found.add("appositive")
    if _VERB_AFTER.match(after):
        found.add("verb")
    if _NOUN_AFTER.match(after):
        found.add("corporate_noun")
    if include_said and _SAID_AFTER.match(after):
        found.add("said")
    return found


def _describes_the_name(after: str, noun_end: int) -> bool:
    """Whether the organisation noun an appositive ends with (``after[:noun_end]``) describes
    the name before it. Not when the noun is capitalised, part of another name ("Anezina
    Solomonidou, a European Space Agency research fellow"), nor when it is a possessive whose
    noun is the name's role ("Mrwan Mohey, the company's 26-year-old co-founder"): both
    describe a person by the organisation they work for."""
    noun_start = noun_end
    while noun_start > 0 and not after[noun_start - 1].isspace():
        noun_start -= 1
    if after[noun_start : noun_start + 1].isupper():
        return False
    role = _ROLE_NEXT.match(after, noun_end)
    if role and role.group(1).lower() in _ROLES:
        return False  # "Piyum Moghadam, a Palo Alto business consultant": a person's trade.
    return not _POSSESSIVE_NEXT.match(after, noun_end)


_POSSESSIVE_NEXT = re.compile(r"['\u2019]s?(?!\w)")
_ROLE_NEXT = re.compile(r"\s+([a-z][\w-]*)")
# What a person is to an organisation, after its noun: "a business consultant", "a company
# spokesman", "an agency research fellow".
_ROLE_WORDS = """consultant consultants fellow researcher researchers scientist scientists employee
    employees worker workers engineer engineers owner owners official officials lawyer
    lawyers leader leaders expert experts adviser advisor professor student veteran insider
    insiders source sources representative partner"""
_ROLES = PERSON_TITLES | frozenset(_ROLE_WORDS.split())


def _descriptor_before(before: str) -> bool:
    """``_DESCRIPTOR_BEFORE.search(before)``, started where a match can start.

    The pattern is anchored at the end, and a match spans at most five whitespace-separated
    pieces ("companies, such as" + "Rival's" + ","); searching the whole 80 characters tried
    its 60 alternatives at every word of them (~90 us a name, the extractor's costliest line).
    Starting the search earlier than needed is harmless, so the start is where the last five
    pieces begin or before it."""
    pieces = before.rsplit(None, 5)
    start = len(pieces[0]) if len(pieces) == 6 else 0
    # ``before[start]`` is a space, so the slice sees the same word boundaries.
    tail = before[start:]
    if tail.isascii() or all(c.lower() == c == c.upper() for c in _NON_ASCII.findall(tail)):
        return _DESCRIPTOR_LOWERCASED.search(tail.lower()) is not None
    return _DESCRIPTOR_BEFORE.search(before, start) is not None


# ``_DESCRIPTOR_BEFORE`` without IGNORECASE, for a lowercased text: its 60 alternatives then
# fail at their first letter, which a case-insensitive pattern cannot test before entering
# each (the function is 2.3 times faster on the real pages). Exact only for a text whose
# letters are ASCII (other characters must have no case: curly quotes, dashes), where
# lowercasing is all IGNORECASE does; and of the uncased characters, "[A-ZÀ-Þ]" matches only
# U+00D7, the multiplication sign. Other texts take the original pattern.
_DESCRIPTOR_LOWERCASED = re.compile(_DESCRIPTOR_BEFORE.pattern.replace("[A-ZÀ-Þ]", "[a-z\u00d7]"))
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


# A pure test of one word, asked of the first word of many capitalised runs ("Rival", "The",
# "Analysts"): the 60-alternative pattern runs once per distinct word.
@lru_cache(maxsize=4096)
def descriptor_word(word: str) -> bool:
    """Whether a capitalised first word is itself a descriptor: "Rival Superdrug"."""
    return bool(_DESCRIPTOR_BEFORE.search(word + " "))


def confidence(cues: set[str]) -> float:
    remaining = 1.0
    for cue in cues:
        remaining *= 1.0 - WEIGHTS[cue]
    return round(min(0.99, 1.0 - remaining), 2)


def looks_like_person(text: str, start: int, end: int, words: list[str], lead: str) -> bool:
    """A person, not a brand: "Mr. Lauren", "chief executive Jim Farley", "Kenny Wilson said"."""
    if lead in PERSON_TITLES or word_before(text, start) in PERSON_TITLES:
        return True
    if words[0].lower() in FIRST_NAMES and 2 <= len(words) <= 3:
        return True
    if _PERSON_AFTER.match(text[end : end + 30]) and 2 <= len(words) <= 3:
        return all(w[:1].isupper() and w[1:].islower() for w in words)
    return text[max(0, start - 8) : start].rstrip().lower().endswith(("said", "says"))


def person_context(text: str, start: int, end: int, *, first_name: bool) -> bool:
    """Whether a known name that can be a person's is used for the person here: "designer
    Tory Burch", and for names opening with a first name "Ralph Lauren said", "Calvin Klein,
    the designer, ..."."""
    if word_before(text, start) in PERSON_TITLES:
        return True
    if not first_name:
        return False
    if _PERSON_AFTER.match(text[end : end + 30]):
        return True
    appositive = _PERSON_APPOSITIVE.match(text[end : end + 60])
    return bool(appositive and set(appositive.group(1).lower().split()) & PERSON_TITLES)


# What the words right after a name say it is, whatever its cues.
# "The BackStoppers organization", "the Walkley journalism foundation", "the Ennahda party".
_ORGANISATION_AFTER = re.compile(
    r"\s+(?:[a-z]+\s+)?(?:organi[sz]ations?|foundations?|charity|charities|non-?profits?|board|"
    r"party|movement|"
    r"union|association|society|institute|university|museum|committee|council|agency|"
    r"ministry|department|militia)\b"
)
# "Fight for $15", "Teach for America": a dictionary word whose name goes on in lowercase.
_NAME_GOES_ON = re.compile(r"\s+(?:for|of|against)\s+(?:the\s+)?[A-Z$\u20ac\u00a3#\d]")
# "Ghostbusters star Leslie Jones", "the Ghostbusters premiere": the title of a work.
_WORK_AFTER = re.compile(
    r"\s+(?:star|stars|premiere|sequel|prequel|reboot|trailer|cast|episode|soundtrack|remake)\b"
)


# A name in code: called, its member read, assigned, or named by a programming noun after it
# ("AttributeSet attrs =", "IOUtils.read(", "obj.getView", "the MyView class", "mDrawBorder =
# true"); not a web address ("Amazon.com").
_CODE_AFTER = re.compile(
    r"(?:\(|\.[a-z_$][\w$]*(?:\(|[A-Z_])|\s*=(?!=)|<[A-Z]|\s+[a-z][a-zA-Z]*\s*=(?!=)|"
    r"\s+(?:class|classes|method|methods|function|functions|interface|interfaces|object|"
    r"objects|propert(?:y|ies)|attribute|attributes|parameter|parameters|constructor|"
    r"module|modules|enum|struct|instance|instances|namespace|variable|field|fields|"
    r"annotation|subclass|callback|hook|object's)\b)"
)
_CODE_BEFORE = re.compile(r"(?:\b(?:extends|implements|import|instanceof)\s+|[.<@]|::)$")


def in_code(text: str, start: int, end: int) -> bool:
    """The name at ``[start, end)`` is an identifier in code or about code: a class, a method, a
    variable (software pages name their API's types as brands name themselves)."""
    return bool(
        _CODE_AFTER.match(text, end) or _CODE_BEFORE.search(text, max(0, start - 12), start)
    )


def organisation_or_work_after(text: str, end: int) -> bool:
    """A lowercase organisation noun or a work's noun right after the name ending at ``end``."""
    return bool(_ORGANISATION_AFTER.match(text, end) or _WORK_AFTER.match(text, end))


def name_goes_on(text: str, end: int) -> bool:
    """The name ending at ``end`` continues over a lowercase preposition ("Fight for $15")."""
    return bool(_NAME_GOES_ON.match(text, end))


def written_in_lowercase(text: str, name: str) -> bool:
    """Whether the article also writes the phrase in lowercase, as words ("sustainable seafood",
    "sustainable-seafood")."""
    lowered = name.lower().split()
    if lowered[0] not in text:
        return False
    # What ``re.search(r"(?<![\w.@/])" + r"[\s-]".join(map(re.escape, lowered)) +
    # r"(?![\w-])", text)`` finds, without compiling a pattern for each name (~0.2 ms each, and
    # the names of a worker's articles keep changing): the pattern is literal words joined by
    # one separator, so it matches where its first word occurs and the rest follows.
    first, rest = lowered[0], lowered[1:]
    at = text.find(first)
    while at >= 0:
        if _NO_WORD_BEFORE.match(text, at):
            end = at + len(first)
            for word in rest:
                if not (_SEPARATOR.match(text, end) and text.startswith(word, end + 1)):
                    break
                end += 1 + len(word)
            else:
                if _NO_WORD_AFTER.match(text, end):
                    return True
        at = text.find(first, at + 1)
    return False


# The pieces of ``written_in_lowercase``'s phrase pattern (the lookbehind sees the text before
# the position ``match`` starts at).
_NO_WORD_BEFORE = re.compile(r"(?<![\w.@/])")
_SEPARATOR = re.compile(r"[\s-]")
_NO_WORD_AFTER = re.compile(r"(?![\w-])")
