"""Tracked brands as articles really write them: variants, context for common words, tables."""

import pytest

from reports.extractors.base import ExtractionContext, KnownBrand
from reports.extractors.rules import RulesExtractor
from reports.extractors.variants import written_forms

TRACKED = (
    ("Apple", (), "Consumer Electronics"),
    ("Samsung", (), "Consumer Electronics"),
    ("The Coca-Cola Company", (), "Food & Beverage"),
    ("Tesla", (), "Automotive"),
    ("Lenovo Group", (), "Consumer Electronics"),
    ("Shell plc", (), "Energy & Utilities"),
    ("PayPal", (), "Banking & Finance"),
    ("Amazon", (), "Retail & E-commerce"),
    ("H&M", (), "Fashion & Apparel"),
    ("PlayStation", (), "Entertainment & Media"),
    ("Xbox", (), "Entertainment & Media"),
    ("Next", ("Next plc",), "Fashion & Apparel"),
)
CONTEXT = ExtractionContext(
    known_brands=tuple(
        KnownBrand(brand_id=number, name=name, aliases=aliases, industry=industry)
        for number, (name, aliases, industry) in enumerate(TRACKED, start=1)
    )
)


def found(text: str) -> dict[str, str]:
    """Tracked brand name -> the surface it was found as."""
    result = RulesExtractor().extract(text=text, title="", language="en", context=CONTEXT)
    return {f.name: f.surface for f in result.brands if f.brand_id is not None}


def test_the_written_forms_of_a_name_cover_hyphen_space_joined_legal_and_the_article() -> None:
    forms = written_forms("The Coca-Cola Company")

    assert {"Coca-Cola", "Coca Cola", "CocaCola", "The Coca-Cola Company"} <= forms
    assert {"Shell"} <= written_forms("Shell plc")
    assert {"H and M", "H & M", "H&M"} <= written_forms("H&M")
    assert {"Pay Pal", "Pay-Pal"} <= written_forms("PayPal")
    assert "Lenovo" in written_forms("Lenovo Group")


def test_a_common_word_never_gets_a_plural_or_a_shortened_form() -> None:
    assert "Apples" not in written_forms("Apple")
    assert "New" not in written_forms("New Group")


@pytest.mark.parametrize(
    ("text", "brand", "surface"),
    [
        ("Sales of Coca Cola rose in Mexico last quarter.", "The Coca-Cola Company", "Coca Cola"),
        ("Bottlers said CocaCola Zero sold out.", "The Coca-Cola Company", "CocaCola"),
        ("Two Teslas were parked outside the showroom.", "Tesla", "Teslas"),
        ("Lenovo said its PC shipments grew.", "Lenovo Group", "Lenovo"),
        ("Google's rival, PayPal's wallet and Pay Pal's fees.", "PayPal", "PayPal"),
        ("Fashion chain H and M cut prices.", "H&M", "H and M"),
        ("Exclusives on PlayStation/Xbox cost more.", "Xbox", "Xbox"),
        ("Exclusives on PlayStation/Xbox cost more.", "PlayStation", "PlayStation"),
    ],
)
def test_a_tracked_brand_is_found_in_its_written_variants(
    text: str, brand: str, surface: str
) -> None:
    assert found(text).get(brand) == surface


def test_a_common_word_brand_near_its_products_is_the_company_even_opening_a_sentence() -> None:
    assert "Apple" in found("Apple cut the price of the iPhone 16 in China.")
    assert "Amazon" in found("Amazon raised the price of Prime for members in Europe.")
    assert "Shell plc" in found("Output of oil and LNG at Shell rose for a third quarter.")


def test_the_same_words_in_an_orchard_a_forest_or_a_weather_report_are_not_the_brand() -> None:
    assert found("Apple growers in Kent expect a small harvest this autumn.") == {}
    assert found("Next week looks settled; on Market Street, shops stay open late.") == {}
    assert "Amazon" not in found("The Amazon rainforest lost more trees this year.")


def test_a_common_word_brand_in_a_comparison_table_with_other_brands_is_found() -> None:
    text = (
        "What the flagships cost this autumn.\n"
        "| Maker | Price |\n|---|---|\n| Apple | 799 |\n| Samsung | 699 |\n"
        "Both ship in October."
    )

    assert set(found(text)) == {"Apple", "Samsung"}


def test_a_common_word_alone_in_a_list_with_no_brand_beside_it_is_not_found() -> None:
    text = "What to pack for the orchard visit:\n- Apple\n- Pear\n- Plum\nSee you there."

    assert found(text) == {}


def extract_with(text: str, *names: str) -> dict[str, str]:
    context = ExtractionContext(
        known_brands=tuple(
            KnownBrand(brand_id=number, name=name) for number, name in enumerate(names, start=1)
        )
    )
    result = RulesExtractor().extract(text=text, title="", language="en", context=context)
    return {f.name: f.surface for f in result.brands if f.brand_id is not None}


def test_a_dictionary_word_brand_is_found_where_the_article_never_uses_the_word() -> None:
    text = "Calls moved to Slack last year. The team now runs Windows on every laptop."

    assert set(extract_with(text, "Slack", "Windows")) == {"Slack", "Windows"}


def test_a_dictionary_word_brand_is_not_found_where_the_article_uses_the_word() -> None:
    # Real pages: "shattering windows", "look forward to the next", "a crappy carrier exclusive".
    text = (
        "Protesters were shattering windows. Carriers of the virus, said the nurse, "
        "must look forward. Carrier exclusive deals are crappy, and so is every carrier."
    )

    assert extract_with(text, "Windows", "Carrier", "Forward") == {}


def test_a_lowercase_registered_name_matches_as_written_and_a_plural_name_singular() -> None:
    text = "GitHub has completed its acquisition of npm. Gilead Science Inc. declined to comment."

    assert extract_with(text, "npm", "Gilead Sciences") == {
        "npm": "npm",
        "Gilead Sciences": "Gilead Science",
    }


def test_a_latin_brand_inside_japanese_text_is_found_and_a_longer_name_wins() -> None:
    text = "フリーWi-Fiプロテクションは、App Storeおよび、Google Playにて販売され"

    assert extract_with(text, "App Store", "Google Play", "Google") == {
        "App Store": "App Store",
        "Google Play": "Google Play",
    }


def test_a_brand_glued_to_latin_letters_is_still_not_found() -> None:
    assert extract_with("Singapore and Gapless are not the retailer.", "Gap", "Gapless x") == {}


def test_a_legal_form_is_matched_in_its_other_spelling_but_never_dropped_to_a_plain_word() -> None:
    text = "Ministers met executives from News Corporation. BBC News and Technology News said so."

    assert extract_with(text, "News Corp") == {"News Corp": "News Corporation"}
    assert "News" not in written_forms("News Corp")


def test_a_web_address_does_not_make_a_brand_a_word() -> None:
    text = "Highlights are on Twitter, where fans shared them: pic.twitter.com/BUPgYtgHaY"

    assert extract_with(text, "Twitter") == {"Twitter": "Twitter"}
