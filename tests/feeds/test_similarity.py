"""feeds.similarity: SimHash fingerprints that catch syndicated copies of one story."""

import itertools
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from feeds.extraction import extract_article, normalize_text
from feeds.similarity import (
    MAX_DISTANCE,
    _encoded_tokens,
    _joined_tokens,
    _shingle_hashes,
    _tokens,
    fingerprint_array,
    hamming,
    is_near_duplicate,
    near_duplicates,
    shingle_jaccard,
    shingles,
    simhash,
    simhash_of_normalized,
)

PAGES = Path(__file__).resolve().parent.parent / "fixtures" / "pages"
REPO = Path(__file__).resolve().parent.parent.parent
DIFFERENT_ARTICLES = ["scripts_in_body.html", "german_article.html", "latin1_article.html"]

HEADER = (
    "This story was first published by another newspaper and appears here under a "
    "syndication agreement."
)
FOOTER = (
    "Sign up for our free weekly newsletter to get the latest business news straight to "
    "your inbox every Monday."
)


def text_of(name: str) -> str:
    article = extract_article((PAGES / name).read_bytes(), url=f"https://news.example/{name}")
    assert article is not None
    return article.text


def edited_copy(text: str, *, edits: int, seed: int) -> str:
    """Another site's copy: its own header and footer paragraph and a few words changed."""
    rng = random.Random(seed)  # noqa: S311 -- reproducible edits, not secrets
    tokens = text.split(" ")
    for i in rng.sample(range(len(tokens)), edits):
        tokens[i] = rng.choice(["company", "firm", "business", "chain", "group", "brand"])
    return f"{HEADER}\n\n{' '.join(tokens)}\n\n{FOOTER}"


def test_a_syndicated_copy_on_another_site_is_a_near_duplicate() -> None:
    original = text_of("news_article.html")
    copy = text_of("news_article_syndicated.html")

    assert original != copy
    assert shingle_jaccard(original, copy) > 0.75
    assert is_near_duplicate(simhash(original), simhash(copy))


def test_the_same_article_with_other_boilerplate_and_a_few_edits_is_a_near_duplicate() -> None:
    original = text_of("news_article.html")
    house_style = (
        original.replace("roughly", "about")
        .replace("chief executive", "CEO")
        .replace("booming", "thriving")
    )
    copy = f"{HEADER}\n\n{house_style}\n\n{FOOTER}"

    assert is_near_duplicate(simhash(original), simhash(copy))


@pytest.mark.parametrize("other", DIFFERENT_ARTICLES)
def test_a_different_article_is_not_a_near_duplicate(other: str) -> None:
    # scripts_in_body.html is the hard case: also a coffee chain expanding in Portugal.
    for story in ("news_article.html", "news_article_syndicated.html"):
        a, b = text_of(story), text_of(other)

        assert shingle_jaccard(a, b) < 0.05
        assert not is_near_duplicate(simhash(a), simhash(b))
        assert hamming(simhash(a), simhash(b)) > 2 * MAX_DISTANCE


def test_max_distance_catches_most_edited_copies_and_no_unrelated_texts() -> None:
    """The calibration behind MAX_DISTANCE, on fixture text (deterministic: fixed seeds)."""
    original = text_of("news_article.html")
    fingerprint = simhash(original)
    copies = [edited_copy(original, edits=4, seed=seed) for seed in range(40)]
    copy_distances = [hamming(fingerprint, simhash(copy)) for copy in copies]

    # Unrelated texts: every paragraph of the fixtures is a short article of its own.
    paragraphs = [
        p
        for name in ["news_article.html", *DIFFERENT_ARTICLES]
        for p in text_of(name).split("\n\n")
        if len(p.split()) >= 25
    ]
    unrelated = [hamming(simhash(a), simhash(b)) for a, b in itertools.combinations(paragraphs, 2)]

    # SimHash distance is noisy (see MAX_DISTANCE): about half of the copies with four
    # random words replaced on top of the new header and footer fall within it, nearly all
    # within two more bits, and every unrelated pair stays far outside.
    caught = sum(d <= MAX_DISTANCE for d in copy_distances) / len(copy_distances)
    nearly = sum(d <= MAX_DISTANCE + 2 for d in copy_distances) / len(copy_distances)
    assert caught >= 0.45, sorted(copy_distances)
    assert nearly >= 0.8, sorted(copy_distances)
    assert len(unrelated) > 200
    assert min(unrelated) > MAX_DISTANCE
    # Unrelated fingerprints behave like random 64-bit strings: about 32 bits apart.
    assert 29 < sum(unrelated) / len(unrelated) < 35


def test_simhash_is_the_same_in_another_process_with_another_hash_seed() -> None:
    text = text_of("news_article.html")
    code = "import sys; from feeds.similarity import simhash; print(simhash(sys.stdin.read()))"
    results = set()
    for seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        completed = subprocess.run(
            [sys.executable, "-c", code],
            input=text,
            capture_output=True,
            text=True,
            cwd=REPO,
            env=env,
            check=True,
            timeout=60,
        )
        results.add(int(completed.stdout))

    assert results == {simhash(text)}


def test_simhash_fits_a_signed_64_bit_bigint() -> None:
    texts = [p for name in ["news_article.html", *DIFFERENT_ARTICLES] for p in
             text_of(name).split("\n\n")]  # fmt: skip
    fingerprints = [simhash(t) for t in texts]

    assert all(-(2**63) <= f < 2**63 for f in fingerprints)
    assert any(f < 0 for f in fingerprints)  # the top bit is used, as a sign
    assert len(set(fingerprints)) == len(texts)


def test_simhash_ignores_typography_and_accents() -> None:
    # Typographic quotes on purpose: that is what the copies differ in.
    a = "Northwind’s CEO said “twelve cafés” would open in Lisbon — soon, at $1.2 billion"  # noqa: RUF001
    b = 'NORTHWIND\'S CEO said "twelve cafes" would open in Lisbon - soon, at 1.2 billion'

    assert shingles(a) == shingles(b)
    assert simhash(a) == simhash(b)


def test_hamming_counts_differing_bits_of_signed_fingerprints() -> None:
    assert hamming(0, 0) == 0
    assert hamming(0, -1) == 64
    assert hamming(-(2**63), 0) == 1
    assert hamming(0b1011, 0b0001) == 2
    assert hamming(-5, 7) == hamming(7, -5)


def test_is_near_duplicate_takes_a_custom_distance() -> None:
    assert is_near_duplicate(0b111, 0, max_distance=3)
    assert not is_near_duplicate(0b1111, 0, max_distance=3)


def test_empty_texts_have_no_shingles_and_no_similarity() -> None:
    assert shingles("") == set()
    assert simhash("") == 0
    assert shingle_jaccard("", "some words here") == 0.0
    assert shingle_jaccard("one two three four five", "one two three four five") == 1.0
    assert shingles("two words") == {"two words"}


# Fingerprints as stored since feeds migration 0005 (vectorized shingle hashes). If one of
# these changes, stored fingerprints no longer compare with new ones: ship a migration that
# recomputes them, as 0005 did.
PINNED_FIXTURES = {
    "news_article.html": 3501379055801885281,
    "news_article_syndicated.html": 3647332492027915881,
    "german_article.html": 2216920621458854201,
    "latin1_article.html": 3923127743828473503,
    "scripts_in_body.html": -9178688625413750857,
}
PINNED_TEXTS = {
    "Northwind’s CEO said “twelve cafés” would open in Lisbon — soon, at $1.2 billion": (  # noqa: RUF001
        8922617573788191810
    ),
    "one two three four five": 216249765242339328,
    "two words": -8327756042722224282,
    "Straße\u00adnbahn \u200bfährt\u200d nach Köln\u2060 – heute\ufeff": 36249249670959492,  # noqa: RUF001
    "東京で新しい店舗が開店しました。価格は１２００円です": -3171994065281321805,
    # ASCII only, so it takes the bytes-level shortcut: punctuation, "_", digits, controls.
    (
        "Acme's Q3 revenue rose 12.5% to $1,200m (up from $1.1bn) -- CEO_name said: "
        '"growth"; ok?\x1cnext\x1ftoken\ttab\x0bvt\x00nul [brackets] {braces} a/b@c#d'
    ): -1344068929003975469,
}


@pytest.mark.parametrize("name, fingerprint", PINNED_FIXTURES.items())
def test_simhash_of_a_fixture_article_is_the_value_stored_before(
    name: str, fingerprint: int
) -> None:
    assert simhash(text_of(name)) == fingerprint


@pytest.mark.parametrize("text, fingerprint", PINNED_TEXTS.items())
def test_simhash_of_short_texts_is_the_value_stored_before(text: str, fingerprint: int) -> None:
    assert simhash(text) == fingerprint
    assert simhash_of_normalized(normalize_text(text)) == fingerprint


def test_simhash_of_normalized_text_equals_simhash_of_the_text() -> None:
    for name in PINNED_FIXTURES:
        text = text_of(name)
        assert simhash_of_normalized(normalize_text(text)) == simhash(text)
    assert simhash_of_normalized("") == 0


def test_near_duplicates_agrees_with_is_near_duplicate_on_signed_fingerprints() -> None:
    rng = random.Random(7)  # noqa: S311 -- reproducible test data
    base = rng.getrandbits(64) - 2**63
    # Copies of base with 0-16 bits flipped (some near, some not), and random fingerprints.
    values = [base ^ sum(1 << b for b in rng.sample(range(64), rng.randint(0, 16)))
              for _ in range(300)] + [rng.getrandbits(64) - 2**63 for _ in range(300)]  # fmt: skip
    values = [((v & (2**64 - 1)) ^ 2**63) - 2**63 for v in values]  # back to signed 64-bit
    array = fingerprint_array(values)

    for probe in (base, values[0], -1, 0, -(2**63)):
        for distance in (0, 3, MAX_DISTANCE):
            expected = [i for i, v in enumerate(values) if hamming(probe, v) <= distance]
            assert near_duplicates(probe, array, max_distance=distance).tolist() == expected
    assert near_duplicates(base, fingerprint_array([])).tolist() == []


def test_fingerprint_array_takes_signed_and_unsigned_fingerprints() -> None:
    assert fingerprint_array([0, -1, 2**64 - 1, 2**63, 5]).tolist() == [0, -1, -1, -(2**63), 5]
    assert near_duplicates(2**64 - 1, fingerprint_array([-1, 0])).tolist() == [0]


def test_ascii_shortcut_gives_the_tokens_of_the_general_path() -> None:
    rng = random.Random(11)  # noqa: S311 -- reproducible test data
    pieces = [chr(code) for code in range(128)] + ["word", "the ", " ", "  "]
    texts = ["".join(rng.choices(pieces, k=rng.randint(0, 80))) for _ in range(2000)]
    for text in [*texts, "", " ", "a", "a b c", "a b c d", "café x y z", "東 京"]:
        for candidate in (text, normalize_text(text)):
            expected = [token.encode("utf-8") for token in _tokens(candidate)]
            assert _encoded_tokens(candidate) == expected, repr(candidate)


def test_joined_tokens_are_the_encoded_tokens_joined_by_single_spaces() -> None:
    # The ASCII path squeezes separators in numpy instead of splitting and joining: same
    # bytes for runs of spaces and punctuation at the start, the end and between tokens.
    rng = random.Random(12)  # noqa: S311 -- reproducible test data
    pieces = [chr(code) for code in range(128)] + ["word", "the ", " ", "  ", ",", "é", "東"]
    texts = ["".join(rng.choices(pieces, k=rng.randint(0, 80))) for _ in range(2000)]
    for text in [*texts, "", " ", ",", "a", " a ", "a  b", ", a , b ,", "café x y z"]:
        for candidate in (text, normalize_text(text)):
            expected = b" ".join(_encoded_tokens(candidate))
            assert _joined_tokens(candidate).tobytes() == expected, repr(candidate)


def reference_shingle_hash(shingle: bytes) -> int:
    """_shingle_hashes() for one shingle, written out with Python ints, byte by byte."""
    mask = 2**64 - 1
    value = 0
    for position, byte in enumerate(shingle):
        value = (value + (byte + 1) * pow(0x100000001B3, position, 2**64)) & mask
    for multiplier in (0xFF51AFD7ED558CCD, 0xC4CEB53FE1A85EC5):
        value = ((value ^ (value >> 33)) * multiplier) & mask
    return value ^ (value >> 33)


@pytest.mark.parametrize(
    "text",
    [
        "a",
        "two words",
        "one two three four",
        "one two three four five six",
        "café straße köln 東 京 x",
        "the same the same the same the same",
    ],
)
def test_shingle_hashes_are_the_hash_of_each_shingle_in_order(text: str) -> None:
    encoded = " ".join(text.split()).encode("utf-8")
    tokens = encoded.split(b" ")
    windows = max(1, len(tokens) - 3)
    expected = [reference_shingle_hash(b" ".join(tokens[i : i + 4])) for i in range(windows)]

    assert _shingle_hashes(encoded).tolist() == expected


def test_shingle_hashes_of_a_text_longer_than_the_kept_powers() -> None:
    # Past 64 kB the powers of the base are computed for the text alone: same hashes.
    long_text = " ".join(f"w{i % 997}" for i in range(20_000)).encode()
    assert len(long_text) > 1 << 16
    tail = long_text[-60:].split(b" ", 1)[1]  # whole tokens only

    assert _shingle_hashes(long_text)[-1] == _shingle_hashes(tail)[-1]
    assert _shingle_hashes(long_text)[-1] == reference_shingle_hash(b" ".join(tail.split()[-4:]))
