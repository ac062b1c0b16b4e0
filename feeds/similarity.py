"""Near-duplicate fingerprints: the same story syndicated on several sites.

Copies of one wire story differ in boilerplate that slips past extraction ("originally
published by ..."), house style (quotes, "CEO" vs "chief executive") and small edits, so
content_hash() misses them. A 64-bit SimHash over word 4-shingles keeps such copies within a
few bits of each other, while different articles land about 32 bits apart, as random pairs do.

Fingerprints are stored as signed 64-bit ints (BIGINT on PostgreSQL and SQLite) and must be
identical in every process and on every machine, hence a fixed hash of our own (see
_shingle_hashes) and not the salted hash(). Changing how fingerprints are computed makes the
stored ones incomparable: ship a data migration that recomputes them, as feeds 0005 did when
blake2b per shingle gave way to the vectorized hash.
"""

import functools
import re
import unicodedata
from collections.abc import Iterable

import numpy as np

from feeds.extraction import code_points, normalize_text, squeeze_spaces, words

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


@functools.cache
def _combining_marks() -> dict[int, None]:
    # str.translate table that drops every combining mark, as one C-level pass.
    return dict.fromkeys(code_points(unicodedata.combining))


def _tokens(normalized: str) -> list[str]:
    # Beyond normalize_text: drop accents ("cafés" vs "cafes") and all punctuation ("$1.2" vs
    # "1.2"), both of which vary between house styles and would break 4 shingles each.
    folded = unicodedata.normalize("NFKD", normalized).translate(_combining_marks())
    return words(_PUNCTUATION.sub(" ", unicodedata.normalize("NFC", folded)))


def _shingles(normalized: str) -> set[str]:
    tokens = _tokens(normalized)
    if len(tokens) < SHINGLE_WORDS:
        return {" ".join(tokens)} if tokens else set()
    return set(map(" ".join, zip(*(tokens[i:] for i in range(SHINGLE_WORDS)), strict=False)))


@functools.cache
def _ascii_separators() -> bytes:
    # bytes.translate table for ASCII text: every byte that _PUNCTUATION replaces, or that
    # str.split() splits on (\x1c-\x1f too, which bytes.split() would not), becomes a space.
    return bytes(
        ord(" ") if _PUNCTUATION.match(chr(byte)) or chr(byte).isspace() else byte
        for byte in range(256)
    )


def _encoded_tokens(normalized: str) -> list[bytes]:
    """_tokens() encoded as UTF-8. ASCII text (most news in Latin script, once normalize_text
    has folded its quotes and dashes) takes a bytes-level shortcut with the same result: NFKD
    and NFC leave ASCII as it is, it has no combining marks and no CJK characters, so _tokens()
    is the split of the text with punctuation replaced by spaces."""
    if normalized.isascii():
        return normalized.encode("ascii").translate(_ascii_separators()).split()
    # Tokens hold no space, and no multi-byte UTF-8 sequence holds the byte of one.
    return " ".join(_tokens(normalized)).encode("utf-8").split()


def shingles(text: str) -> set[str]:
    """Overlapping 4-word sequences of the folded text (a set: repeats count once)."""
    return _shingles(normalize_text(text))


def simhash(text: str) -> int:
    """64-bit SimHash of the text as a signed int; 0 for a text without words.

    Callers should not compare fingerprints of empty or very short texts: they carry no
    evidence, and all-zero fingerprints are "near" one another.
    """
    return simhash_of_normalized(normalize_text(text))


def simhash_of_normalized(normalized: str) -> int:
    """simhash() of a text already passed through normalize_text() (hash it once, use twice)."""
    encoded = _joined_tokens(normalized)
    if not len(encoded):
        return 0
    # A set: a repeated shingle votes once. Sorting in place and keeping the first of each
    # run is np.unique's result without its checks and copies (0.07 -> 0.02 ms an article).
    features = _shingle_hashes(encoded)
    features.sort()
    features = features[np.concatenate(([True], features[1:] != features[:-1]))]
    # Each shingle's hash, read big-endian, is one row of 64 bits (unpackbits takes the most
    # significant bit of each byte first); bit i of the fingerprint is set when more than half
    # of the rows have it set.
    rows = np.unpackbits(features.astype(">u8").view(np.uint8)).reshape(-1, _BITS)
    majority = rows.sum(axis=0, dtype=np.int64) * 2 > len(features)
    return int.from_bytes(np.packbits(majority).tobytes(), "big", signed=True)


def _joined_tokens(normalized: str) -> np.ndarray:
    """b" ".join(_encoded_tokens(normalized)) as a uint8 array.

    For ASCII text the separators become spaces and are squeezed in numpy
    (``feeds.extraction.squeeze_spaces``) instead of split and joined: the same bytes, without
    a bytes object per token (0.05 -> 0.01 ms an article).
    """
    if not normalized.isascii():
        return np.frombuffer(b" ".join(_encoded_tokens(normalized)), dtype=np.uint8)
    translated = normalized.encode("ascii").translate(_ascii_separators())
    return squeeze_spaces(np.frombuffer(translated, dtype=np.uint8))


def _shingle_hashes(encoded: bytes | np.ndarray) -> np.ndarray:
    """A 64-bit hash of every shingle of ``encoded`` (tokens joined by single spaces).

    A shingle's hash is fmix64 of the polynomial hash of its bytes, sum((byte + 1) * B**i)
    modulo 2**64, and all of them come from one array of prefix sums: (prefix[end] -
    prefix[start]) / B**start. numpy's uint64 arithmetic wraps modulo 2**64, as the
    polynomial needs. Hashing each shingle with blake2b in a Python loop cost 0.25 ms per
    article, most of what storing an article added to extracting it.
    """
    data = np.frombuffer(encoded, dtype=np.uint8) if isinstance(encoded, bytes) else encoded
    spaces = np.flatnonzero(data == _SPACE)
    starts = np.concatenate(([0], spaces + 1))
    ends = np.concatenate((spaces, [len(data)]))
    if len(starts) >= SHINGLE_WORDS:  # shingle i runs from token i to token i + 3
        starts, ends = starts[: 1 - SHINGLE_WORDS], ends[SHINGLE_WORDS - 1 :]
    else:  # fewer tokens than a shingle: the whole text is the one shingle
        starts, ends = starts[:1], ends[-1:]
    powers, inverse_powers = _powers(len(data))
    prefix = np.zeros(len(data) + 1, dtype=np.uint64)
    np.cumsum((data + np.uint64(1)) * powers, out=prefix[1:])
    return _fmix64((prefix[ends] - prefix[starts]) * inverse_powers[starts])


_SPACE = ord(" ")
_POLYNOMIAL_BASE = 0x100000001B3  # odd, so it has an inverse modulo 2**64
# Powers of the base for texts up to this many bytes are kept (2 arrays of 512 kB); longer
# texts, which are rare, compute their own.
_KEPT_POWERS = 1 << 16


def _powers(length: int) -> tuple[np.ndarray, np.ndarray]:
    """B**i and B**-i modulo 2**64 for i < length."""
    if length <= _KEPT_POWERS:
        powers, inverse_powers = _kept_powers()
        return powers[:length], inverse_powers[:length]
    return _power_arrays(length)


@functools.cache
def _kept_powers() -> tuple[np.ndarray, np.ndarray]:
    return _power_arrays(_KEPT_POWERS)


def _power_arrays(length: int) -> tuple[np.ndarray, np.ndarray]:
    arrays = []
    for base in (_POLYNOMIAL_BASE, pow(_POLYNOMIAL_BASE, -1, 1 << _BITS)):
        factors = np.full(length, base, dtype=np.uint64)
        factors[0] = 1
        arrays.append(np.cumprod(factors, dtype=np.uint64))
    return arrays[0], arrays[1]


def _fmix64(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finalizer: every input bit flips each output bit with p ~ 1/2,
    which SimHash's vote needs (the polynomial hash alone has weak low bits)."""
    values = values ^ (values >> np.uint64(33))
    values = values * np.uint64(0xFF51AFD7ED558CCD)
    values = values ^ (values >> np.uint64(33))
    values = values * np.uint64(0xC4CEB53FE1A85EC5)
    return values ^ (values >> np.uint64(33))


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two fingerprints (signed or unsigned 64-bit)."""
    return ((a ^ b) & _MASK).bit_count()


def is_near_duplicate(a: int, b: int, *, max_distance: int = MAX_DISTANCE) -> bool:
    return hamming(a, b) <= max_distance


def fingerprint_array(fingerprints: Iterable[int]) -> np.ndarray:
    """Fingerprints (signed or unsigned 64-bit) as an int64 array for near_duplicates()."""
    values = list(fingerprints)
    try:
        # Stored fingerprints are signed 64-bit already: numpy takes them as they are.
        return np.array(values, dtype=np.int64)
    except OverflowError:  # an unsigned one above 2**63 - 1: wrap them all to signed
        return np.array([((f & _MASK) ^ _SIGN) - _SIGN for f in values], dtype=np.int64)


def near_duplicates(
    fingerprint: int, fingerprints: np.ndarray, *, max_distance: int = MAX_DISTANCE
) -> np.ndarray:
    """Positions, in order, of the entries of ``fingerprints`` (from fingerprint_array) within
    ``max_distance`` bits of ``fingerprint``: is_near_duplicate() over a whole array at once."""
    [own] = fingerprint_array([fingerprint])
    # Unsigned view: bitwise_count of a signed int counts the bits of its absolute value.
    differing = np.bitwise_count((fingerprints ^ own).view(np.uint64))
    return np.flatnonzero(differing <= max_distance)


def shingle_jaccard(a: str, b: str) -> float:
    """Exact shingle overlap (0.0-1.0), the quantity SimHash approximates; 0.0 if either is
    empty. Quadratic-free but stores all shingles: for tests and benchmarks, not storage."""
    left, right = shingles(a), shingles(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)
