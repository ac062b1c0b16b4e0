"""Word frequencies per language (wordfreq): a page's own ordinary words are no brand names."""

import logging
import sys

import pytest

from reports.extractors import web_frequency
from reports.extractors.base import ExtractionContext
from reports.extractors.rules import RulesExtractor
from tests.reports.discovery_probe import offered
from tests.reports.fake_knowledge import Entry, FakeKnowledge


@pytest.fixture
def fresh_frequencies():
    """Each test reads the frequencies (or their absence) anew, and leaves them as it found."""
    web_frequency._languages.cache_clear()
    web_frequency.zipf.cache_clear()
    yield
    web_frequency._languages.cache_clear()
    web_frequency.zipf.cache_clear()


def test_a_word_of_the_pages_language_that_english_rarely_writes_is_a_local_word(
    fresh_frequencies: None,
) -> None:
    assert web_frequency.local_word(["Netz"], "de")
    assert web_frequency.local_word(["Industrie"], "de")
    assert web_frequency.local_word(["Casa"], "pt")
    # Written as often in English: a name, whatever the page's language.
    assert not web_frequency.local_word(["Google"], "de")
    # Every word must be local: "Bank" is English too.
    assert not web_frequency.local_word(["Deutsche", "Bank"], "de")
    # Never on an English page, nor in a language whose words wordfreq cannot split.
    assert not web_frequency.local_word(["Netz"], "en")
    assert not web_frequency.local_word(["東京"], "ja")
    assert web_frequency.zipf("Netz", "de") >= web_frequency.LOCAL_ZIPF


def test_on_a_german_page_the_base_listing_a_common_noun_does_not_make_it_a_brand(
    fresh_frequencies: None,
) -> None:
    # NSI lists a car dealer "Netz" and a clothes shop "Industrie"; the article means the grid
    # and industry. Mastercard, which the base lists too, is the brand the article names.
    knowledge = FakeKnowledge(
        {
            "Netz": Entry("Netz", weight=2),
            "Industrie": Entry("Industrie", weight=2),
            "Mastercard": Entry("Mastercard", weight=2),
        }
    )
    text = (
        "Die Banken wollen ein eigenes Netz für Zahlungen aufbauen. Bisher dominiert Mastercard "
        "das Geschäft mit Karten. Die Industrie fordert seit Jahren mehr Wettbewerb, und das "
        "neue Netz soll ab 2026 starten, sagte ein Sprecher."
    )
    result = RulesExtractor().extract(
        text=text, title="", language="de", context=ExtractionContext(knowledge=knowledge)
    )

    assert {f.name for f in result.brands} == {"Mastercard"}
    found = offered(text, knowledge, "de")
    assert "local_word" not in found["Mastercard"].evidence
    assert "local_word" in found["Netz"].evidence
    assert found["Netz"].probability < found["Mastercard"].probability


def test_without_the_package_every_frequency_is_zero_and_discovery_runs_on(
    fresh_frequencies: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "wordfreq", None)  # import wordfreq raises ImportError

    with caplog.at_level(logging.WARNING, logger="reports.extractors.web_frequency"):
        assert web_frequency.zipf("Netz", "de") == 0.0
        assert not web_frequency.local_word(["Netz"], "de")

    assert "Discovery runs without word frequencies" in caplog.text
    knowledge = FakeKnowledge({"Mastercard": Entry("Mastercard", weight=2)})
    found = offered("Bisher dominiert Mastercard das Geschäft mit Karten.", knowledge, "de")
    assert "Mastercard" in found
