"""Entity linking: new brands get their Wikidata id, industry and website from the KB."""

from pathlib import Path

import pytest
from django.urls import reverse
from lxml import html

from reports.services.brand_knowledge import brand_link_knowledge
from reports.services.resolution import Resolver
from tests.reports.page_data import make_brand, make_industry

pytestmark = pytest.mark.django_db


def test_a_brand_the_analysis_finds_is_linked_to_the_knowledge_base(kb_loaded: Path, org_a) -> None:
    brand = Resolver(org_a).resolve("Tesco PLC")

    brand.refresh_from_db()
    assert brand.wikidata_id == "Q487494"
    assert brand.industry.name == "Retail & E-commerce"
    assert brand.website == "https://www.tesco.com"


def test_what_staff_set_is_never_overwritten(kb_loaded: Path, org_a) -> None:
    food = make_industry(org_a, "Food & Beverage")
    brand = make_brand(org_a, "Tesco", industry=food, website="https://tesco.example")

    entry = brand_link_knowledge(brand=brand)

    brand.refresh_from_db()
    assert entry is not None and entry.wikidata_id == "Q487494"
    assert brand.wikidata_id == "Q487494"
    assert (brand.industry, brand.website) == (food, "https://tesco.example")


def test_a_brand_linked_by_id_keeps_its_entry_even_under_another_name(
    kb_loaded: Path, org_a
) -> None:
    brand = make_brand(org_a, "Coke Zero Sugar", wikidata_id="Q2813")

    brand_link_knowledge(brand=brand)

    brand.refresh_from_db()
    assert brand.website == "https://www.coca-cola.com/"


def test_an_unknown_brand_or_an_unloaded_knowledge_base_changes_nothing(
    kb_packages: Path, org_a
) -> None:
    unknown_now = Resolver(org_a).resolve("Tesco")  # nothing loaded yet
    unknown_now.refresh_from_db()
    assert (unknown_now.wikidata_id, unknown_now.industry, unknown_now.website) == ("", None, "")

    from reports.knowledge.loader import knowledge_base_load

    knowledge_base_load()
    made_up = Resolver(org_a).resolve("Zyxwv Widgets")
    made_up.refresh_from_db()
    assert (made_up.wikidata_id, made_up.industry, made_up.website) == ("", None, "")


def test_the_brand_page_links_to_wikidata(kb_loaded: Path, org_a, alice, client_for) -> None:
    brand = Resolver(org_a).resolve("Tesco")

    page = html.fromstring(client_for(alice).get(brand.get_absolute_url()).content)

    link = page.xpath("//a[contains(@href, 'wikidata.org')]")[0]
    assert link.get("href") == "https://www.wikidata.org/wiki/Q487494"
    assert link.text_content().strip() == "Wikidata Q487494"


def test_a_brand_without_an_id_shows_no_wikidata_link(org_a, alice, client_for) -> None:
    brand = make_brand(org_a, "Corner Shop")

    page = client_for(alice).get(brand.get_absolute_url()).content.decode()

    assert "wikidata.org" not in page


def test_the_brands_page_says_which_knowledge_base_is_in_use(
    kb_packages: Path, org_a, alice, client_for
) -> None:
    client = client_for(alice)
    before = client.get(reverse("brands:list")).content.decode()
    assert "The brand knowledge base is not loaded" in before

    from reports.knowledge.loader import knowledge_base_load

    knowledge_base_load()
    after = client.get(reverse("brands:list")).content.decode()

    assert "Knowledge base: NSI 8.0.0-test + pytickersymbols 1.17.0-test" in after
    assert "brands." in after.split("Knowledge base:")[1].split("</p>")[0]


def test_an_organization_can_keep_only_the_discoveries_the_base_confirms(
    kb_loaded: Path, org_a
) -> None:
    from reports.extractors.rules import RulesExtractor
    from reports.services.resolution import build_context

    make_brand(org_a, "Brightwave", status="tracked")
    text = (
        "Tesco PLC launched a loyalty scheme. Zorblax Ltd raised 40 million dollars. "
        "Brightwave confirmed its order."
    )

    def names() -> set[str]:
        context = build_context(org_a)
        result = RulesExtractor().extract(text=text, title="", language="en", context=context)
        return {finding.name for finding in result.brands}

    assert names() == {"Tesco", "Zorblax", "Brightwave"}
    org_a.discovery_confirmed_only = True
    org_a.save(update_fields=["discovery_confirmed_only"])
    # The tracked brand stays; of the discoveries only the one the base knows.
    assert names() == {"Tesco", "Brightwave"}
