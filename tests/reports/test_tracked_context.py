"""Tracked names read in context (session 13): scripts without capitals, codes, a maker's
product, a capital written mid-sentence, and the places where a name is someone else's word."""

import pytest

from reports.extractors.base import ExtractionContext, KnownBrand
from reports.extractors.rules import RulesExtractor


def tracked(text: str, *names: str, language: str = "en", title: str = "") -> set[str]:
    context = ExtractionContext(
        known_brands=tuple(
            KnownBrand(brand_id=number, name=name) for number, name in enumerate(names, start=1)
        )
    )
    result = RulesExtractor().extract(text=text, title=title, language=language, context=context)
    return {f.name for f in result.brands if f.brand_id is not None}


def test_a_two_character_chinese_name_needs_no_english_cue() -> None:
    text = "据报道\uff0c索尼周二发布了新款相机。"  # \uff0c: the full-width comma

    assert tracked(text, "索尼", language="zh") == {"索尼"}


def test_a_camel_case_name_split_into_common_words_needs_its_capitals() -> None:
    assert tracked("Students binge on old films every weekend.", "BingeOn") == set()
    assert tracked("The carrier's Binge On plan streams video for free.", "BingeOn") == {"BingeOn"}


def test_a_name_of_letters_and_digits_is_a_code_not_a_word() -> None:
    assert tracked("F-35 deliveries resumed in March after a pause.", "F-35") == {"F-35"}


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        ("The lamp pairs with the Philips Hue bridge.", ("Philips", "Hue"), {"Philips", "Hue"}),
        (
            "Our test car was a Ford Focus Electric with a long range.",
            ("Ford", "Focus Electric"),
            {"Ford", "Focus Electric"},
        ),
    ],
)
def test_a_common_word_product_right_after_its_tracked_maker_is_found(
    text: str, names: tuple[str, ...], expected: set[str]
) -> None:
    assert tracked(text, *names) == expected


def test_a_name_across_the_end_of_a_longer_one_is_found() -> None:
    text = "She packed a Nintendo Switch Lite for the long flight."

    assert tracked(text, "Nintendo Switch", "Switch Lite") == {"Nintendo Switch", "Switch Lite"}


def test_a_name_inside_a_longer_tracked_one_is_evidence_but_not_a_finding() -> None:
    # "Google Play" is not the news writing about Google...
    assert tracked("Fans download the game on Google Play.", "Google", "Google Play") == {
        "Google Play"
    }
    # ...but "Ring Indoor Cam" says what the bare "Ring" at the start of a line is.
    text = "Ring Indoor Cam for $60\nRing cameras now record in colour."
    assert tracked(text, "Ring", "Ring Indoor Cam") == {"Ring", "Ring Indoor Cam"}


def test_a_common_word_capitalised_mid_sentence_is_the_brand() -> None:
    text = "After the tour she was signed to Universal as a songwriter."

    assert tracked(text, "Universal") == {"Universal"}


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Deforestation in the Amazon surged last year.", "en"),  # "the Amazon": the river
        ("What to pack:\n- Amazon\n- Pear\nSee you there.", "en"),  # a list item, no sentence
        ("Wir sahen gestern einen Amazon im Wald.", "de"),  # German capitalises every noun
    ],
)
def test_a_capital_says_nothing_after_the_in_a_list_or_in_german(text: str, language: str) -> None:
    assert tracked(text, "Amazon", language=language) == set()


def test_a_capitalised_phrase_the_article_also_writes_in_lowercase_is_not_the_brand() -> None:
    text = (
        "Viewers on Twitter mocked Prime Minister Jones during the debate. "
        "The deputy prime minister stayed silent."
    )

    assert tracked(text, "Prime", "Twitter") == {"Twitter"}


@pytest.mark.parametrize(
    "text",
    ["The engine is one of OpenAI's GPT-X models.", "He needed an X-ray after the fall."],
)
def test_a_single_letter_in_a_hyphenated_word_is_not_the_brand(text: str) -> None:
    assert tracked(text, "X") == set()


def test_a_name_past_the_first_part_of_a_host_is_someone_elses_address() -> None:
    assert tracked("Storm chasers posted pic.twitter.com/T8oQ on Friday.", "Twitter") == set()
    # A slash still lists brands.
    assert tracked("The app is out for iOS/Android today.", "Android") == {"Android"}


def test_a_work_title_in_quotes_after_a_lowercase_word_is_capitalised_mid_sentence() -> None:
    text = "The beloved cult hit \u201cRez\u201d comes back for the new headset."

    assert tracked(text, "Rez") == {"Rez"}


def test_a_tracked_brand_only_the_headline_names_is_found_with_the_headline_as_evidence() -> None:
    context = ExtractionContext(known_brands=(KnownBrand(brand_id=7, name="CureVac"),))
    result = RulesExtractor().extract(
        text="The German company signed a contract for a new vaccine on Monday.",
        title="The Latest: Germany's CureVac signs contract for new vaccine",
        language="en",
        context=context,
    )

    (finding,) = result.brands
    assert (finding.brand_id, finding.surface, finding.start, finding.end) == (7, "CureVac", 0, 0)
    assert finding.evidence.startswith("The Latest:")
    # A common word in a Title-Case headline still needs a cue.
    assert tracked("Nothing here.", "Apple", title="Apple Picking Season Opens Early") == set()


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("The band opens the tour on June 9 in West Palm Beach before Tampa.", "Palm"),
        ("Tickets for Verizon Amphitheatre sold out within the hour.", "Verizon"),
    ],
)
def test_a_tracked_name_inside_a_town_or_on_a_venue_is_not_the_brand(text: str, name: str) -> None:
    assert tracked(text, name) == set()
