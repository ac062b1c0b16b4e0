"""Main-text extraction from article pages we have already fetched.

Pure functions: no database, no network. trafilatura only ever sees a parsed tree of HTML we
fetched ourselves (the fetcher owns SSRF checks, size caps and timeouts), so it never downloads.
Near-duplicate fingerprints live in `feeds.similarity`.
"""

import codecs
import functools
import hashlib
import itertools
import logging
import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np
import trafilatura
import trafilatura.meta
from lxml.html import HtmlElement
from py3langid.langid import MODEL_FILE, LanguageIdentifier
from trafilatura.deduplication import LRUCache
from trafilatura.settings import use_config
from trafilatura.utils import load_html

# Stored next to each extraction so articles can be re-extracted when our rules or the pinned
# trafilatura change. Bump the leading number whenever this module's output would change.
EXTRACTOR_VERSION = f"2+trafilatura-{trafilatura.__version__}"

# Below this the page is a teaser, a paywall or a consent wall; callers use the feed summary.
MIN_WORDS = 25
# py3langid guesses wildly on a headline-sized text or on junk (numbers, repeated tokens);
# below these we keep '' instead.
LANGID_MIN_WORDS = 20
LANGID_MIN_CONFIDENCE = 0.5
# A declared language is overridden only by a confident detection on a longer text: CMS
# templates often hardcode lang="en-US" on pages written in another language.
LANGID_OVERRIDE_MIN_WORDS = 50
LANGID_OVERRIDE_MIN_CONFIDENCE = 0.95
# trafilatura, htmldate, courlan and justext keep module-level LRU caches whose entries are
# whole text segments of past pages. They are bounded in count, not bytes, so a long-lived
# Celery worker ends up holding megabytes of stale article text; reset_caches() drops them
# and runs gc.collect(). That costs a few milliseconds and refills quickly, so do it rarely.
RESET_CACHES_EVERY = 500

# EXTRACTION_TIMEOUT > 0 makes trafilatura arm SIGALRM, which only works in the main thread
# and fights Celery's own time limits; the task's soft time limit bounds us instead.
_CONFIG = use_config()
_CONFIG.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
# Per-document dedup cache size: enough for every segment of one page.
_DEDUP_CACHE_SIZE = 4096

_extractions = 0
_extractions_lock = threading.Lock()
_langid: LanguageIdentifier | None = None
_langid_lock = threading.Lock()

_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_JSONLD_PUBLISHED = re.compile(r'"datePublished"\s*:\s*"([^"]{8,40})"')
_PUBLISHED_XPATH = (
    "//meta[@property='article:published_time' or @name='article:published_time'"
    " or @itemprop='datePublished' or @name='pubdate' or @name='publishdate'"
    " or @name='parsely-pub-date' or @name='sailthru.date' or @name='dc.date.issued'"
    " or @name='DC.date.issued']/@content | //time[@itemprop='datePublished']/@datetime"
)
_LANG_XPATH = (
    "/html/@lang | /html/@xml:lang | //meta[@http-equiv='content-language' or"
    " @http-equiv='Content-Language']/@content | //meta[@property='og:locale']/@content"
)
# Chinese and Japanese are written without spaces: count each character as a word, or a long
# article would be "3 words" and fall below MIN_WORDS.
_CJK_RANGES = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD = re.compile(f"[{_CJK_RANGES}]|[^\\s{_CJK_RANGES}]+")
_CJK = re.compile(f"[{_CJK_RANGES}]")
# Characters that differ between syndicated copies of one text: typographic vs straight quotes
# and apostrophes, dash variants, and invisible format characters (soft hyphen, zero-width).
_QUOTES = (
    "'\"`\u00b4\u2018\u2019\u201a\u201b\u2032\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\u2039\u203a"
)
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"  # hyphens, en/em dashes, minus
_VARIANT_PUNCT = {ord(c): None for c in _QUOTES} | {ord(c): " " for c in _DASHES}
# Planes with assigned characters other than private use (planes 4-13 are unassigned, 15-16
# are private use, category Co): scanning only these keeps the one-off table build ~0.1 s.
# tests/feeds/test_extraction.py checks that no other code point is a format character.
ASSIGNED_PLANES = (range(0x40000), range(0xE0000, 0xF0000))
_LEGACY_LANG_CODES = {"iw": "he", "in": "id", "ji": "yi", "jw": "jv"}
_LANGID_ALIASES = {"arz": "ar", "ary": "ar", "yue": "zh", "wuu": "zh", "uzs": "uz", "gug": "gn"}


@dataclass(frozen=True)
class ExtractedArticle:
    text: str  # main text, paragraphs separated by blank lines
    title: str
    author: str
    published: datetime | None  # aware, UTC
    language: str  # ISO 639-1 ("en", "de"), '' if unknown
    word_count: int


def words(text: str) -> list[str]:
    """Whitespace-separated tokens, with each CJK character a token of its own."""
    # str.split() and \s agree on what whitespace is; split() is twice as fast as the regex.
    return _WORD.findall(text) if _CJK.search(text) else text.split()


def code_points(predicate: Callable[[str], object]) -> list[int]:
    """Code points in ASSIGNED_PLANES whose character satisfies ``predicate`` (one C-level pass)."""
    selected = map(predicate, map(chr, itertools.chain(*ASSIGNED_PLANES)))
    return list(itertools.compress(itertools.chain(*ASSIGNED_PLANES), selected))


@functools.cache
def _normalize_table() -> dict[int, str | None]:
    # Cf = soft hyphens, zero-width spaces and joiners, bidi marks: invisible but hash-changing.
    # Dropped in the same str.translate pass as the punctuation variants (no Cf code point is
    # a quote or a dash), instead of a per-character unicodedata.category() loop.
    format_chars = code_points(lambda ch: unicodedata.category(ch) == "Cf")
    return dict.fromkeys(format_chars) | _VARIANT_PUNCT


def normalize_text(text: str) -> str:
    """Canonical form for hashing: copies that differ only in typography compare equal."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_normalize_table())
    return _squeeze_ascii(text) if text.isascii() else " ".join(text.split())


# bytes.translate table mapping every ASCII byte that str.split() splits on (\x1c-\x1f too,
# which bytes.split() would keep) to a space.
_ASCII_WHITESPACE_TO_SPACE = bytes(32 if chr(byte).isspace() else byte for byte in range(256))


def _squeeze_ascii(text: str) -> str:
    """The same as ``" ".join(text.split())`` for ASCII text, at a quarter of its cost on an
    article (0.04 -> 0.01 ms): whitespace becomes spaces, then squeezed in numpy instead of a
    str per word."""
    translated = text.encode("ascii").translate(_ASCII_WHITESPACE_TO_SPACE)
    return squeeze_spaces(np.frombuffer(translated, np.uint8)).tobytes().decode("ascii")


def squeeze_spaces(data: np.ndarray) -> np.ndarray:
    """The bytes of ``data`` with each run of spaces between other bytes made one space and
    those at either end dropped: ``b" ".join(bytes(data).split(b" "))`` without a bytes
    object per word. A space is kept only right after another byte (never one at the start);
    a trailing one is then dropped."""
    other = data != 32
    keep = other.copy()
    keep[1:] |= other[:-1]
    squeezed = data[keep]
    return squeezed[:-1] if len(squeezed) and squeezed[-1] == 32 else squeezed


def normalized_content_hash(normalized: str) -> str:
    """content_hash() of a text already passed through normalize_text()."""
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest() if normalized else ""


def content_hash(text: str) -> str:
    """sha256 hex of the normalized text, '' for a text with no content (never a shared hash)."""
    return normalized_content_hash(normalize_text(text))


def _codec(label: str | bytes | None) -> str | None:
    if not label:
        return None
    if isinstance(label, bytes):
        label = label.decode("ascii", "ignore")
    try:
        name = codecs.lookup(label.strip()).name
    except LookupError:
        return None
    # As browsers do (WHATWG Encoding): "latin-1"/"ascii" labels mean windows-1252, whose extra
    # characters (curly quotes, euro sign) such pages do contain. A UTF-16 label without a BOM
    # is a copy-pasted lie; UTF-8 was already tried.
    if name in {"iso8859-1", "ascii"}:
        return "cp1252"
    return None if name.startswith(("utf-16", "utf-32")) else name


def decode_html(html: bytes | str, *, encoding: str | None = None) -> str:
    """Decode fetched bytes: BOM, valid UTF-8, HTTP charset, <meta> charset, windows-1252.

    We decode ourselves because trafilatura ignores <meta charset> on bytes and instead
    guesses with charset_normalizer (slow, and sometimes wrong on short pages). Valid UTF-8 wins
    over a declared legacy charset: pages keep stale declarations after a CMS moves to UTF-8,
    while real legacy text with accents is practically never valid UTF-8.
    """
    if isinstance(html, str):
        return html
    for bom, codec in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                       (codecs.BOM_UTF16_BE, "utf-16")):  # fmt: skip
        if html.startswith(bom):
            return html.decode(codec, errors="replace")
    try:
        return html.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _META_CHARSET.search(html[:4096])
    for label in (encoding, declared.group(1) if declared else None):
        codec = _codec(label)
        if codec:
            try:
                return html.decode(codec, errors="replace")
            except LookupError:  # a bytes-to-bytes codec such as "zlib" or "base64"
                continue
    # Undeclared and not UTF-8: the web's legacy default (decodes any byte, keeps accents).
    return html.decode("cp1252", errors="replace")


def _iso639_1(code: str) -> str:
    primary = re.split(r"[-_,;\s]", code.strip().lower(), maxsplit=1)[0]
    primary = _LEGACY_LANG_CODES.get(primary, primary)
    return primary if re.fullmatch(r"[a-z]{2}", primary) else ""


def _identifier() -> LanguageIdentifier:
    # Our own instance with normalized probabilities, loaded once (~0.5 s): the module-level
    # py3langid.classify() shares a mutable global that set_languages() elsewhere could narrow.
    global _langid
    with _langid_lock:
        if _langid is None:
            _langid = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        return _langid


def _language(tree: HtmlElement, text: str, word_count: int) -> str:
    declared = next((c for c in map(_iso639_1, tree.xpath(_LANG_XPATH)) if c), "")
    if word_count < LANGID_MIN_WORDS:
        return declared
    if declared and word_count < LANGID_OVERRIDE_MIN_WORDS:
        return declared
    label, confidence = _identifier().classify(text)
    detected = _iso639_1(_LANGID_ALIASES.get(label, label))
    if not declared:
        return detected if confidence >= LANGID_MIN_CONFIDENCE else ""
    return detected if detected and confidence >= LANGID_OVERRIDE_MIN_CONFIDENCE else declared


def _parse_datetime(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    # A stamp without an offset is taken as UTC: better than the worker's local zone.
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _published(tree: HtmlElement, day: str | None) -> datetime | None:
    """htmldate's day, refined to the exact time when the page's own metadata agrees on it.

    htmldate is good at choosing the publication *day* (it skips "updated" stamps and dates in
    the future) but drops the time and offset; article:published_time / JSON-LD keep both.
    """
    candidates = [str(v) for v in tree.xpath(_PUBLISHED_XPATH)]
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        candidates += _JSONLD_PUBLISHED.findall(str(script))
    exact = next((p for p in map(_parse_datetime, candidates) if p is not None), None)
    try:
        htmldate_day = date.fromisoformat(day) if day else None
    except ValueError:
        htmldate_day = None
    if exact is not None and htmldate_day in (None, exact.date()):
        return exact.astimezone(UTC)
    if htmldate_day is not None:
        return datetime(htmldate_day.year, htmldate_day.month, htmldate_day.day, tzinfo=UTC)
    return None


def _paragraphs(raw: str, title: str) -> str:
    lines = [" ".join(line.split()) for line in raw.splitlines()]
    lines = [line for line in lines if line]
    # trafilatura keeps the article's <h1>; the title is its own field, and dropping it keeps
    # copies with slightly different headlines closer in content_hash/simhash.
    if lines and title and normalize_text(lines[0]) == normalize_text(title):
        lines = lines[1:]
    return "\n\n".join(lines)


def _count_extraction() -> None:
    global _extractions
    with _extractions_lock:
        _extractions += 1
        due = _extractions % RESET_CACHES_EVERY == 0
    if due:
        reset_caches()


class _MissingCacheClear(logging.Filter):
    """Drops htmldate's "impossible to clear cache for function" error.

    htmldate.meta.reset_caches() also clears three charset_normalizer functions; the installed
    charset_normalizer (3.5) no longer caches is_accentuated, which is the last of the three,
    so every reset logs an ERROR although every cache that exists was cleared.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("impossible to clear cache for function")


_HTMLDATE_META_LOGGER = logging.getLogger("htmldate.meta")
_MISSING_CACHE_CLEAR = _MissingCacheClear()


def reset_caches() -> None:
    """trafilatura's reset of its, htmldate's, courlan's and justext's caches, without the
    spurious ERROR; any other record of htmldate's logger still gets through."""
    _HTMLDATE_META_LOGGER.addFilter(_MISSING_CACHE_CLEAR)
    try:
        trafilatura.meta.reset_caches()
    finally:
        _HTMLDATE_META_LOGGER.removeFilter(_MISSING_CACHE_CLEAR)


def extract_article(
    html: bytes | str, *, url: str, encoding: str | None = None
) -> ExtractedArticle | None:
    """Main text and metadata of an article page, or None if there is too little text.

    `encoding` is the charset from the HTTP Content-Type header, if any. None means "use the
    feed's summary instead": empty page, paywall teaser, consent wall, unparsable markup.
    """
    _count_extraction()
    tree = load_html(decode_html(html, encoding=encoding))
    if tree is None:
        return None
    document = trafilatura.bare_extraction(
        tree,  # a tree, never a string that trafilatura or htmldate could take for a URL
        url=url,
        favor_precision=True,
        include_comments=False,
        # Comparison tables and spec sheets name brands that the prose may not ("the Asus
        # and Lenovo rows"): the text keeps them, one row a line. Reader comments stay out.
        include_tables=True,
        include_images=False,
        include_links=False,
        include_formatting=False,
        # A fresh cache per page: with deduplicate=True alone, trafilatura uses a process-wide
        # cache, so a page extracted a few times (retries, re-extraction after an upgrade) or a
        # story syndicated on several sites loses paragraphs and finally returns None.
        deduplicate=LRUCache(maxsize=_DEDUP_CACHE_SIZE),
        with_metadata=True,
        # No pattern search through the body text: slower (dateparser) and it picks up dates
        # of events the article mentions. Markup, JSON-LD and the URL are enough for news.
        date_extraction_params={"original_date": True, "extensive_search": False},
        config=_CONFIG,
    )
    if document is None or not document.text:
        return None
    title = " ".join((document.title or "").split())
    text = _paragraphs(document.text, title)
    word_count = len(words(text))
    if word_count < MIN_WORDS:
        return None
    return ExtractedArticle(
        text=text,
        title=title,
        author=" ".join((document.author or "").split()),
        published=_published(tree, document.date),
        language=_language(tree, text, word_count),
        word_count=word_count,
    )
