"""The knowledge index the extractors use: whole words, case rules, longest match, offsets."""

import logging
from pathlib import Path
from typing import Any

import pytest

from reports.extractors.discovery_features import MAP_ONLY
from reports.knowledge import loader
from reports.knowledge.index import KnowledgeHit, get_index, reset_index
from reports.knowledge.models import KnowledgeBaseVersion, KnowledgeBrand
from reports.knowledge.sources import NSI

pytestmark = pytest.mark.django_db


def found(text: str) -> list[tuple[str, str]]:
    index = get_index()
    assert index is not None
    return [(hit.surface, hit.entry.name) for hit in index.find(text)]


def test_brands_are_found_with_their_offsets_in_the_text(kb_loaded: Path) -> None:
    text = "Shoppers left Tesco for Netflix, said the Spotify report."

    hits = get_index().find(text)

    assert [(h.surface, h.entry.name) for h in hits] == [
        ("Tesco", "Tesco"),
        ("Netflix", "Netflix"),
        ("Spotify", "Spotify"),
    ]
    assert all(text[h.start : h.end] == h.surface for h in hits)
    assert hits[0] == KnowledgeHit(start=14, end=19, surface="Tesco", entry=hits[0].entry)
    assert hits[0].entry.wikidata_id == "Q487494"
    assert hits[0].entry.industry == "Retail & E-commerce"
    assert "Tesco Express" in hits[0].entry.aliases


def test_only_whole_words_are_matched(kb_loaded: Path) -> None:
    assert found("Huber and Uberto met Tescoville's mayor; Netflixing is no word.") == []
    assert found("(Uber)") == [("Uber", "Uber")]


def test_a_possessive_hyphen_or_punctuation_does_not_hide_a_brand(kb_loaded: Path) -> None:
    assert found("Tesco's profits and Uber-style apps") == [("Tesco", "Tesco"), ("Uber", "Uber")]
    assert found("a Coca Cola, a Coca-Cola") == [
        ("Coca Cola", "Coca-Cola"),
        ("Coca-Cola", "Coca-Cola"),
    ]
    assert found("Dr. Martens and Dr Martens boots") == [
        ("Dr. Martens", "Dr. Martens"),
        ("Dr Martens", "Dr. Martens"),
    ]


def test_common_word_names_must_be_written_as_the_brand_writes_them(kb_loaded: Path) -> None:
    assert found("Next said sales rose; next week, NEXT time, Shell and shell.") == [
        ("Next", "Next plc"),
        ("Shell", "Shell"),
    ]
    shell, netflix = get_index().find("Shell and Netflix")
    assert shell.ambiguous  # a common word: extractors want a cue
    assert not netflix.ambiguous


def test_other_names_match_in_any_case_but_all_lowercase(kb_loaded: Path) -> None:
    assert found("NETFLIX, Netflix and netflix") == [
        ("NETFLIX", "Netflix"),
        ("Netflix", "Netflix"),
    ]
    # A form the source writes in lowercase (NSI's matchNames) may be found in lowercase,
    # unless it is a common word: "coke" is coal as often as Coca-Cola.
    assert found("a coke and a tesco superstore") == [("tesco superstore", "Tesco")]


def test_the_longest_of_overlapping_matches_wins(kb_loaded: Path) -> None:
    assert found("at Tesco Express, Express delivery") == [
        ("Tesco Express", "Tesco"),
        ("Express", "Express"),
    ]
    assert found("Costa Coffee and Costa") == [
        ("Costa Coffee", "Costa Coffee"),
        ("Costa", "Costa Coffee"),
    ]


def test_excluded_forms_are_never_found(kb_loaded: Path) -> None:
    # Too short (BP, YT), a first name (Julia), generic (Bank), a namesake's (one-town Shell).
    assert found("BP, YT, X, Julia and Bank") == []
    assert get_index().find("Shell")[0].entry.wikidata_id == "Q110716465"


def test_lookup_finds_an_entry_by_any_spelling_of_its_name(kb_loaded: Path) -> None:
    index = get_index()

    assert index.lookup("Twitter").name == "X"  # an alias the source lists
    assert index.lookup("The Coca-Cola Company").wikidata_id == "Q2813"
    assert index.lookup("coca cola").wikidata_id == "Q2813"
    assert index.lookup("TESCO PLC").name == "Tesco"
    assert index.lookup("Julia").wikidata_id == "Q900002"  # not matched in text, still linked
    assert index.lookup("Shell").wikidata_id == "Q110716465"
    assert index.lookup("BP").wikidata_id == "Q152057"  # too short to match, not to link
    assert index.lookup("X") is None
    assert index.lookup("Nonexistent Brand Ltd") is None


def test_no_index_and_one_warning_when_the_knowledge_base_is_not_loaded(
    kb_packages: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="reports.knowledge.index"):
        assert get_index() is None
        reset_index_keep_warning()
        assert get_index() is None

    warnings = [r for r in caplog.records if "not loaded" in r.getMessage()]
    assert len(warnings) == 1


def reset_index_keep_warning() -> None:
    # Force the next call to look at the database again without forgetting the warning.
    from reports.knowledge import index

    index._cache.checked_at = float("-inf")


def test_the_index_is_rebuilt_when_a_new_version_is_loaded(
    kb_loaded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = get_index()
    assert get_index() is first  # built once per process

    (kb_loaded / "simple-icons" / "data" / "simple-icons.json").write_text(
        '[{"title": "Zalando", "slug": "zalando", "hex": "FF6900", "source": "x"}]'
    )
    loader.knowledge_base_load()
    reset_index_keep_warning()

    second = get_index()
    assert second is not first
    assert second.version_id == KnowledgeBaseVersion.objects.latest().pk
    assert [h.surface for h in second.find("Zalando, not Spotify")] == ["Zalando"]


def test_find_on_empty_text_finds_nothing(kb_loaded: Path) -> None:
    assert get_index().find("") == []
    assert get_index().find("   \n") == []


def test_unicode_case_folding_keeps_offsets(kb_loaded: Path) -> None:
    text = "İstanbul: Tesco"
    hits = get_index().find(text)
    assert [(h.surface, text[h.start : h.end]) for h in hits] == [("Tesco", "Tesco")]


def test_without_a_knowledge_base_analysing_costs_no_query_to_find_that_out(
    kb_packages: Path, django_assert_num_queries: Any
) -> None:
    reset_index()
    with django_assert_num_queries(1):
        assert get_index() is None
        assert get_index() is None  # remembered, like a loaded index


def test_a_load_in_this_process_is_used_at_once(kb_packages: Path) -> None:
    reset_index()
    assert get_index() is None

    loader.knowledge_base_load()

    assert get_index() is not None


def test_an_entry_says_which_sources_list_it(kb_loaded: Path) -> None:
    index = get_index()
    sources = set()
    for name in ("Tesco", "Netflix", "Spotify", "Julia", "Shell", "The Coca-Cola Company"):
        entry = index.lookup(name)
        assert entry is not None
        rows = KnowledgeBrand.objects.filter(name=entry.name, wikidata_id=entry.wikidata_id)
        assert entry.source and entry.source in {row.source for row in rows}
        sources.add(entry.source)
    # Discovery weighs a name only the map's shops list apart (its kb_map_only feature).
    assert MAP_ONLY == NSI
    assert NSI in sources and len(sources) > 1
