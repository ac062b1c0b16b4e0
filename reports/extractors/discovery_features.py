"""What discovery knows about one candidate name, as numbers a learned scorer weighs.

``discovery`` finds capitalised names and the cues around them (``cues.py``); whether a name
with a given mix of evidence is a brand is decided by ``discovery_model``, a logistic
regression fitted on the labelled real pages (``benchmarks/train_discovery.py``). Hand-set cue
weights closed each class of mistake the tuning pages showed and no more (precision 0.86-0.97
on tuning pages, 0.58 on fresh ones); learning how much each kind of evidence is worth from
every labelled name generalises instead of memorising.

Every feature is a property of the name in its article, never of a particular name: no word
list is learned here.
"""

import math
import re
from collections.abc import Sequence
from typing import Any

from . import cues, gazetteer, web_frequency

# The cue kinds ``cues.py`` and ``discovery`` find; each is a feature of its own, except that a
# stock ticker counts as a legal form ("registered": the tuning pages hold too few tickers to
# weigh them apart, and both say a registered company). "product" is a cue of tracked brands
# only.
CUE_FEATURES = (
    "registered",
    "trademark",
    "appositive",
    "descriptor",
    "corporate_noun",
    "verb",
    "co_brand",
    "repeated",
    "kb",
    "proper",
    "shape",
    "use_noun",
)
OTHER_FEATURES = (
    "kb_entry",  # the knowledge base knows the name (however plain a word it is)
    "kb_weak",  # ... but it is also a word or a first name, and nothing else confirmed it
    "kb_weight",  # log(1 + how widely the base lists it): chains in many countries, indices
    "kb_maker",  # led by a brand the base knows: "Apple Watch", "Fossil Hybrid HR"
    "mentions",  # log(number of mentions)
    "inside_mentions",  # log(1 + mentions whose capital is not the sentence's or a headline's)
    "one_word",
    "long_name",  # three words or more
    "dictionary",  # every word a dictionary word: "Real Beauty", "Current"
    "first_name",  # the first word is a given name: "Sierra Nevada", "Tyler Besecker"
    "surname",  # one word, a common surname: "Williams", "Duke" (and "Ford", "Dell")
    "capitals",  # written in capitals: "IHE", "NBC", "DICOM"
    "short",  # three characters or fewer
    "digit",
    "distinctive",  # neither a dictionary word nor a first name
    "all_initial",  # every mention opens a sentence, a list item or a headline
    "not_a_brand",  # the article shows it is a person's, an institution's or a work's
    "organisation_after",  # "the Ennahda party", "Ghostbusters star"
    "english",
    "cjk",
    "in_title",  # the article's title names it: what the article is about
    "local_word",  # on a page not in English, an ordinary word of its language: "Netz", "Casa"
    "kb_map_only",  # the base knows it from OpenStreetMap's shops alone (NSI): "Sputnik", "Bench"
)
FEATURES = CUE_FEATURES + OTHER_FEATURES
# An entry only name-suggestion-index lists (reports.knowledge.sources.NSI; written out, since
# the extractors do not import Django's settings): out of fold on the tuning pages such names
# were right 42 % of the time, against 91-98 % for every other mix of sources (session 18).
MAP_ONLY = "name-suggestion-index"
_DIGIT = re.compile(r"\d")


def group_features(
    text: str,
    key: str,
    group: Sequence[Any],
    kinds: set[str],
    *,
    kb_weak: bool,
    kb_maker: bool,
    not_a_brand: bool,
    language: str,
    in_title: bool = False,
) -> list[float]:
    """The features of one name (``group``: its mentions, ``discovery.Candidate``), in the
    order of ``FEATURES``."""
    entry = next((c.entry for c in group if c.entry is not None), None)
    name = group[0].name
    words = name.split()
    code = language.lower().split("-")[0] or "en"
    values = {kind: 1.0 for kind in CUE_FEATURES if kind in kinds}
    values.update(
        registered=float(bool(kinds & {"legal", "ticker"})),
        kb_entry=float(entry is not None),
        kb_weak=float(kb_weak and "kb" not in kinds),
        kb_weight=math.log1p(getattr(entry, "weight", 0) or 0) if entry is not None else 0.0,
        kb_maker=float(kb_maker and entry is None),
        mentions=math.log(len(group)),
        inside_mentions=math.log1p(sum(not c.initial_single for c in group)),
        one_word=float(len(words) == 1),
        long_name=float(len(words) >= 3),
        dictionary=float(all(gazetteer.is_common_word(w) for w in words if w != "&")),
        first_name=float(gazetteer.is_first_name(words[0], min_frequency=2)),
        surname=float(len(words) == 1 and gazetteer.is_common_surname(words[0])),
        capitals=float(name.replace(" ", "").replace("&", "").isupper()),
        short=float(len(key.replace(" ", "")) <= 3),
        digit=float(bool(_DIGIT.search(name))),
        distinctive=float(any(c.distinctive for c in group)),
        # A name that is no word ("Nintendo", "Dropbox") is a name wherever it stands: only a
        # word's capital is explained by the sentence start.
        all_initial=float(
            all(c.initial_single for c in group) and not any(c.distinctive for c in group)
        ),
        not_a_brand=float(not_a_brand),
        organisation_after=float(any(cues.organisation_or_work_after(text, c.end) for c in group)),
        english=float(code == "en"),
        cjk=float(code in ("ja", "zh", "ko")),
        in_title=float(in_title),
        local_word=float(web_frequency.local_word(words, code)),
        kb_map_only=float(getattr(entry, "source", "") == MAP_ONLY),
    )
    return [values.get(feature, 0.0) for feature in FEATURES]
