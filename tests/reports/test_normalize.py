"""The brand key: one spelling per brand for entity resolution and blocked terms."""

import pytest

from reports.normalize import normalize_brand, normalize_term


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Apple", "apple"),
        ("APPLE", "apple"),
        ("Apple Inc.", "apple"),
        ("Apple, Inc.", "apple"),
        ("The Coca-Cola Company", "coca cola"),
        ("coca cola", "coca cola"),
        ("Acme Co., Ltd.", "acme"),
        ("Levi Strauss & Co.", "levi strauss"),
        ("Soylent S.A.", "soylent"),
        ("Ferrari S.p.A.", "ferrari"),
        ("Carlsberg A/S", "carlsberg"),
        ("AB InBev SA/NV", "ab inbev"),
        ("Umbrella GmbH", "umbrella"),
        ("Initech Ltd", "initech"),
        ("Globex Corporation", "globex"),
        ("Estée Lauder Companies Inc.", "estee lauder"),
        ("Hermès", "hermes"),
        ("L'Oréal", "loreal"),
        ("L\u2019Oréal", "loreal"),
        ("Nestlé S.A.", "nestle"),
        ("Ørsted A/S", "orsted"),
        ("McDonald's", "mcdonalds"),
        ("McDonalds", "mcdonalds"),
        ("Ben & Jerry's", "ben and jerrys"),
        ("Ben and Jerry's", "ben and jerrys"),
        ("ZenPhone®", "zenphone"),
        ("Nike™", "nike"),
        ("Dr. Martens", "dr martens"),
        ("Dr Martens", "dr martens"),
        ("  Marks   &  Spencer  ", "marks and spencer"),
        ("The North Face", "north face"),
    ],
)
def test_it_maps_spellings_of_one_brand_to_one_key(name: str, key: str) -> None:
    assert normalize_brand(name) == key


def test_it_keeps_group_and_holdings_because_they_may_be_another_company() -> None:
    assert normalize_brand("Acme Group") == "acme group"
    assert normalize_brand("Acme Holdings Ltd") == "acme holdings"
    assert normalize_brand("Acme Group") != normalize_brand("Acme")


def test_it_never_empties_a_name_made_of_a_legal_form_or_the_word_the() -> None:
    assert normalize_brand("Co") == "co"
    assert normalize_brand("AG") == "ag"
    assert normalize_brand("The") == "the"


def test_it_only_strips_legal_forms_at_the_end() -> None:
    assert normalize_brand("AB InBev") == "ab inbev"
    assert normalize_brand("Co-op Food") == "co op food"


def test_a_name_without_letters_or_digits_has_an_empty_key() -> None:
    assert normalize_brand("") == ""
    assert normalize_brand(" ®™ ") == ""
    assert normalize_brand("---") == ""


def test_the_key_is_stable_when_normalised_again() -> None:
    for name in ("Ben & Jerry's", "H&M", "The Coca-Cola Company", "Carlsberg A/S"):
        assert normalize_brand(normalize_brand(name)) == normalize_brand(name)


def test_blocked_terms_use_the_brand_key() -> None:
    assert normalize_term("Apple Inc.") == normalize_brand("apple")
