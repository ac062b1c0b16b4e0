"""Near-duplicate fingerprints: the same story syndicated on several sites.

Copies of one wire story differ in boilerplate that slips past extraction ("originally
published by ..."), house style (quotes, "CEO" vs "chief executive") and small edits, so
content_hash() misses them. A 64-bit SimHash over word 4-shingles keeps such copies within a
few bits of each other, while different articles land about 32 bits apart, as random pairs do.

Fingerprints are stored as signed 64-bit ints (BIGINT on PostgreSQL and SQLite) and must be
identical in every process and on every machine, hence blake2b and not the salted hash().
"""

import hashlib
import re
import unicodedata

from feeds.extraction import normalize_text, words

SHINGLE_WORDS = 4
# Calibrated in tests/feeds/test_similarity.py. SimHash distance is noisy: for shingle sets
# overlapping by Jaccard J it is about Binomial(64, angle/pi). A syndicated copy with J ~ 0.8
# (its own header/footer paragraph, a few edited words) lands 5-14 bits away, median 9; the
# fixture copy is 8 bits away. Unrelated texts are Binomial(64, 1/2) = 32 +- 4 bits apart
# (fixture paragraphs: mean 31.7, minimum 18 over 253 pairs). At 10 bits ~70% of such copies
# match and an unrelated pair with probability ~1e-8; at 6 only ~20% match; at 12 ~88% do,
# but false matches rise to ~2e-7 per pair, too many when each new article is compared with
# tens of thousands of recent ones. For higher recall, use a looser distance to find
# candidates and confirm them with shingle_jaccard() on the stored texts.
MAX_DISTANCE = 10

_BITS = 64
_MASK = (1 << _BITS) - 1
_SIGN = 1 << (_BITS - 1)
_PUNCTUATION = re.compile(r"[^\w\s]")


def _tokens(text: str) -> list[str]:
    # Beyond normalize_text: drop accents ("cafés" vs "cafes") and all punctuation ("$1.2" vs
    # "1.2"), both of which vary between house styles and would break 4 shingles each.
    folded = unicodedata.normalize("NFKD", normalize_text(text))
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return words(_PUNCTUATION.sub(" ", unicodedata.normalize("NFC", folded)))


def shingles(text: str) -> set[str]:
    """Overlapping 4-word sequences of the folded text (a set: repeats count once)."""
    tokens = _tokens(text)
    if len(tokens) < SHINGLE_WORDS:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + SHINGLE_WORDS]) for i in range(len(tokens) - SHINGLE_WORDS + 1)}


def _hash64(shingle: str) -> str:
    digest = hashlib.blake2b(shingle.encode("utf-8"), digest_size=8).digest()
    return format(int.from_bytes(digest, "big"), "064b")


def simhash(text: str) -> int:
    """64-bit SimHash of the text as a signed int; 0 for a text without words.

    Callers should not compare fingerprints of empty or very short texts: they carry no
    evidence, and all-zero fingerprints are "near" one another.
    """
    features = [_hash64(s) for s in shingles(text)]
    if not features:
        return 0
    # Column-wise vote over the bit strings; zip(*) does the 64 x n loop in C.
    half = len(features) / 2
    bits = "".join(
        "1" if column.count("1") > half else "0" for column in zip(*features, strict=True)
    )
    value = int(bits, 2)
    return value - (1 << _BITS) if value & _SIGN else value


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two fingerprints (signed or unsigned 64-bit)."""
    return ((a ^ b) & _MASK).bit_count()


def is_near_duplicate(a: int, b: int, *, max_distance: int = MAX_DISTANCE) -> bool:
    return hamming(a, b) <= max_distance


def shingle_jaccard(a: str, b: str) -> float:
    """Exact shingle overlap (0.0-1.0), the quantity SimHash approximates; 0.0 if either is
    empty. Quadratic-free but stores all shingles: for tests and benchmarks, not storage."""
    left, right = shingles(a), shingles(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)
