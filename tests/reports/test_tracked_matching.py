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
