"""Find the knowledge base's brands in article text: the lookup API for the extractors.

    index = get_index()            # None (and one logged warning) when the tables are empty
    index.find(text)               # [KnowledgeHit(start, end, surface, entry, ambiguous), ...]
    index.lookup("Coca Cola Co.")  # KnowledgeEntry | None, by reports.normalize.normalize_brand

``find`` runs one Aho-Corasick pass (pyahocorasick) over a folded copy of the text: lowercase,
and every character that is not a letter, a digit or one of ``& + @`` turned into a space, so
the copy has the text's offsets. Keys are folded the same way and padded with a space on each
side, so a key only matches whole words ("Uber" is not found in "Huber"), hyphens and spaces
are the same ("Coca-Cola" = "Coca Cola"), accents do not matter ("Nestle" = "Nestlé") and
a possessive ends a word ("Amazon's").

A match is kept when its case fits the form:

- forms every word of which is a common English word ("Apple", "Shell", "The North Face"),
  and acronyms of up to five letters ("IBM", "INC"), match only as written (punctuation and
  accents aside): "apple", "APPLE" or "Inc" are not the brand;
- other capitalised forms ("Netflix", "eBay") match in any case except all lowercase ("uber"
  in "uber-cool" is German, not the company); forms the source writes in lowercase (NSI's
  matchNames) match in any case.

Of overlapping matches the leftmost, then the longest, wins ("Bank of America" over "America").
Forms the loader excluded (too short, first names, generic words: docs/brand-knowledge.md) are
never matched but ``lookup`` still finds most of them.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import unicodedata
from dataclasses import dataclass
from typing import Any

import ahocorasick
import numpy as np

from reports.knowledge.build import UNLOOKABLE
from reports.normalize import normalize_brand

logger = logging.getLogger(__name__)

# How often a process asks the database whether a newer version was loaded.
VERSION_CHECK_SECONDS = 60.0

_SPACES = re.compile(r" +")


@dataclass(frozen=True)
class KnowledgeEntry:
    name: str
    wikidata_id: str
    kind: str
    industry: str
    website: str
    aliases: tuple[str, ...]
    category: str = ""
    # How widely the sources list it (NSI items and regions, listed company): a notability cue.
    weight: int = 1
    # The sources that list it, "+"-joined ("name-suggestion-index+pytickersymbols"): a name
    # only the map's shops list ("Netz", "Sputnik") is a brand far less often than a listed
    # company or a brand with a logo (discovery's ``kb_map_only``).
    source: str = ""


@dataclass(frozen=True)
class KnowledgeHit:
    start: int
    end: int
    surface: str
    entry: KnowledgeEntry
    # The form is also an ordinary word, a place or a person: extractors should want a cue.
    ambiguous: bool = False


@dataclass(frozen=True)
class _Candidate:
    entry: KnowledgeEntry
    # Folded-but-cased spellings the surface must equal; empty: any case will do.
    exact: tuple[str, ...]
    # The same forms exactly as written: a surface that is one of them needs no folding.
    written: frozenset[str]
    needs_upper: bool
    ambiguous: bool


_FOLD_LIMIT = 0x3000


def _fold_table() -> np.ndarray:
    """Code point -> code point, one for one: lowercase without accents, or a space for what is
    not a word character. Covers every script below U+3000; CJK and beyond pass unchanged."""
    table = np.arange(_FOLD_LIMIT, dtype=np.uint32)
    for code in range(_FOLD_LIMIT):
        ch = chr(code)
        if not (ch.isalnum() or ch in "&+@"):
            table[code] = ord(" ")
        else:  # "İ" -> "i", "É" -> "e"
            table[code] = ord(unicodedata.normalize("NFD", ch.lower()[0])[0])
    return table


_FOLD = _fold_table()


def fold(text: str) -> str:
    """Lowercase, accents off, non-word characters as spaces: same length as ``text``.

    One vectorised table look-up over the UTF-32 code points: a fifth of the cost of
    ``str.translate`` or a regular expression on an 800-word article, which matters for the
    1 ms budget of ``find``."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    small = np.minimum(codes, _FOLD_LIMIT - 1)
    folded = np.where(codes < _FOLD_LIMIT, _FOLD[small], codes)
    return folded.tobytes().decode("utf-32-le")


def _cased(text: str) -> str:
    """Case kept, accents and punctuation not: how a case-sensitive form must be written."""
    folded = fold(text)
    kept = "".join(
        c if f != " " and c.lower() == f else f for c, f in zip(text, folded, strict=True)
    )
    return _SPACES.sub(" ", kept).strip()


class KnowledgeIndex:
    """Immutable once built; one per process (``get_index``), shared by threads."""

    def __init__(self, rows: list[dict[str, Any]], version_id: int | None = None) -> None:
        """``rows``: one per written form, heaviest entries first, with the entry's fields
        (``brand_id``, ``brand__name``, …) and the form's (``name``, ``key``,
        ``case_sensitive``, ``ambiguous``, ``excluded``)."""
        self.version_id = version_id
        entries: dict[int, KnowledgeEntry] = {}
        aliases: dict[int, list[str]] = {}
        for row in rows:
            if row["excluded"] not in UNLOOKABLE:
                aliases.setdefault(row["brand_id"], []).append(row["name"])
        for row in rows:
            brand_id = row["brand_id"]
            if brand_id not in entries:
                entries[brand_id] = KnowledgeEntry(
                    name=row["brand__name"],
                    wikidata_id=row["brand__wikidata_id"],
                    kind=row["brand__kind"],
                    industry=row["brand__industry"],
                    website=row["brand__website"],
                    aliases=tuple(dict.fromkeys(aliases.get(brand_id, ()))),
                    category=row["brand__category"],
                    weight=row["brand__weight"],
                    source=row["brand__source"],
                )
        self._by_key: dict[str, KnowledgeEntry] = {}
        groups: dict[str, dict[int, list[dict[str, Any]]]] = {}
        for row in rows:
            if row["excluded"] in UNLOOKABLE:
                continue
            self._by_key.setdefault(row["key"], entries[row["brand_id"]])
            if row["excluded"]:
                continue
            folded = fold(row["name"]).strip()
            # "Dr. Martens" folds to "dr  martens": that finds "Dr. Martens", the collapsed
            # variant finds "Dr Martens" and "Dr-Martens".
            for variant in {folded, _SPACES.sub(" ", folded)} - {""}:
                groups.setdefault(variant, {}).setdefault(row["brand_id"], []).append(row)
        self._automaton = ahocorasick.Automaton()
        for folded, by_entry in groups.items():
            candidates = tuple(
                self._candidate(entries[brand_id], forms) for brand_id, forms in by_entry.items()
            )
            key = f" {folded} "
            self._automaton.add_word(key, (len(key), candidates))
        self.size = len(groups)
        self.entries = len(entries)
        if self.size:
            self._automaton.make_automaton()

    @staticmethod
    def _candidate(entry: KnowledgeEntry, forms: list[dict[str, Any]]) -> _Candidate:
        case_sensitive = any(form["case_sensitive"] for form in forms)
        cased = [form["name"] for form in forms if form["name"] != form["name"].lower()]
        return _Candidate(
            entry=entry,
            exact=tuple(dict.fromkeys(_cased(name) for name in cased)) if case_sensitive else (),
            written=frozenset(cased) if case_sensitive else frozenset(),
            needs_upper=bool(cased),
            ambiguous=any(form["ambiguous"] for form in forms),
        )

    def find(self, text: str) -> list[KnowledgeHit]:
        """Non-overlapping matches of the knowledge base's forms, in text order."""
        if not self.size or not text:
            return []
        folded = f" {fold(text)} "
        found: list[tuple[int, int, _Candidate]] = []
        for end_index, (length, candidates) in self._automaton.iter(folded):
            start = end_index - length + 1  # in ``text``: the padded key's first letter, -1
            end = end_index - 1
            surface = text[start:end]
            lowercase = surface.islower()
            for candidate in candidates:
                if candidate.exact:
                    # Cheap tests first: most rejections are "next", "shell" in lowercase.
                    if lowercase or (
                        surface not in candidate.written and _cased(surface) not in candidate.exact
                    ):
                        continue
                elif candidate.needs_upper and lowercase:
                    continue
                found.append((start, end, candidate))
                break
        found.sort(key=lambda hit: (hit[0], hit[0] - hit[1]))
        hits: list[KnowledgeHit] = []
        last_end = -1
        for start, end, candidate in found:
            if start >= last_end:
                hits.append(
                    KnowledgeHit(
                        start=start,
                        end=end,
                        surface=text[start:end],
                        entry=candidate.entry,
                        ambiguous=candidate.ambiguous,
                    )
                )
                last_end = end
        return hits

    def lookup(self, name: str) -> KnowledgeEntry | None:
        """The entry one of whose forms has ``name``'s normalised key (the better known)."""
        return self._by_key.get(normalize_brand(name))


_ROW_FIELDS = (
    "brand_id",
    "brand__name",
    "brand__wikidata_id",
    "brand__kind",
    "brand__industry",
    "brand__website",
    "brand__category",
    "brand__weight",
    "brand__source",
    "name",
    "key",
    "case_sensitive",
    "ambiguous",
    "excluded",
)


def build_index(version_id: int | None = None) -> KnowledgeIndex:
    from reports.knowledge.models import KnowledgeName

    rows = list(
        KnowledgeName.objects.order_by("-brand__weight", "brand_id", "id").values(*_ROW_FIELDS)
    )
    return KnowledgeIndex(rows, version_id=version_id)


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.index: KnowledgeIndex | None = None
        self.checked_at = float("-inf")
        self.warned = False


_cache = _Cache()


def get_index() -> KnowledgeIndex | None:
    """The process's index, rebuilt when a newer version was loaded; None when none is."""
    now = time.monotonic()
    # "None loaded" is remembered as long as an index is: without a base, analysing an
    # article must not cost a query to find that out again.
    if now - _cache.checked_at < VERSION_CHECK_SECONDS:
        return _cache.index
    from reports.knowledge.loader import current_version

    with _cache.lock:
        version = current_version()
        _cache.checked_at = now
        if version is None:
            if not _cache.warned:
                logger.warning(
                    "The brand knowledge base is not loaded (manage.py load_brand_knowledge): "
                    "brands are found from tracked lists and text cues only."
                )
                _cache.warned = True
            _cache.index = None
            return None
        if _cache.index is None or _cache.index.version_id != version.pk:
            started = time.perf_counter()
            _cache.index = build_index(version.pk)
            logger.info(
                "Brand knowledge index built: %s forms of %s brands in %.2f s (%s)",
                _cache.index.size,
                _cache.index.entries,
                time.perf_counter() - started,
                version.label,
            )
        return _cache.index


def reset_index() -> None:
    """Forget the process's index (tests; after a load in the same process)."""
    with _cache.lock:
        _cache.index = None
        _cache.checked_at = float("-inf")
        _cache.warned = False
