"""Knowledge-base websites pass the brand-website rule (validate_public_url) at the door:
when the knowledge base is loaded, and when a brand takes its website from an entry."""

from __future__ import annotations

from typing import Any

import pytest

from reports.knowledge.loader import knowledge_base_load
from reports.knowledge.models import KnowledgeBrand
from reports.knowledge.sources import NSI, SourceData, SourceRecord
from reports.services.brand_knowledge import brand_link_knowledge
from tests.reports.page_data import make_brand

pytestmark = pytest.mark.django_db

HOSTILE = {
    "Loopco": "http://127.0.0.1:8000/admin/",
    "Shortloop": "http://127.1/",
    "Metadata Corp": "http://169.254.169.254/latest/meta-data/",
    "Lanco": "http://[fd00::1]/",
    "Ftpco": "ftp://files.ftpco.example/",
    "Passco": "https://user:secret@passco.example/",
}


def reader() -> SourceData:
    records = [
        SourceRecord(source=NSI, name=name, wikidata_id=f"Q{n}", website=url, forms=[name])
        for n, (name, url) in enumerate(sorted(HOSTILE.items()), start=100)
    ]
    records.append(
        SourceRecord(
            source=NSI,
            name="Goodco",
            wikidata_id="Q99",
            website="https://goodco.example/",
            forms=["Goodco"],
        )
    )
    return SourceData(name=NSI, version="test", licence="CC0", checksum="x", records=records)


def test_loading_keeps_only_websites_the_app_may_fetch(settings: Any) -> None:
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False

    knowledge_base_load(readers=(reader,), force=True)

    stored = dict(KnowledgeBrand.objects.values_list("name", "website"))
    assert stored["Goodco"] == "https://goodco.example/"
    assert {name: stored[name] for name in HOSTILE} == {name: "" for name in HOSTILE}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_brand_never_takes_a_website_the_rule_refuses_from_its_entry(
    settings: Any, org_a: Any, name: str
) -> None:
    # A row loaded before the check (or a name resolving to a private address).
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False
    KnowledgeBrand.objects.create(
        name=name, key=name.lower(), wikidata_id="Q7", kind="brand", website=HOSTILE[name]
    )
    brand = make_brand(org_a, name, wikidata_id="Q7")

    entry = brand_link_knowledge(brand=brand)

    brand.refresh_from_db()
    assert entry is not None  # the rest of the link holds
    assert brand.website == ""


def test_a_brand_takes_a_public_website_from_its_entry(settings: Any, org_a: Any) -> None:
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False
    KnowledgeBrand.objects.create(
        name="Goodco",
        key="goodco",
        wikidata_id="Q9",
        kind="brand",
        website="https://93.184.215.14/",
    )
    brand = make_brand(org_a, "Goodco", wikidata_id="Q9")

    brand_link_knowledge(brand=brand)

    brand.refresh_from_db()
    assert brand.website == "https://93.184.215.14/"
