"""Loading the brand knowledge base: sources merged, forms decided, failures leave tables intact."""

from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.urls import reverse

from reports.knowledge import build, loader
from reports.knowledge.models import KnowledgeBaseVersion, KnowledgeBrand, KnowledgeName

pytestmark = pytest.mark.django_db


def load(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("load_brand_knowledge", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def form(name: str) -> KnowledgeName:
    """The form ``name`` of the better-known entry that has it."""
    return KnowledgeName.objects.filter(name=name).order_by("-brand__weight").first()


def test_the_command_loads_every_source_and_says_what_it_loaded(kb_packages: Path) -> None:
    out, _ = load()

    assert "Loaded the brand knowledge base: NSI 8.0.0-test + pytickersymbols 1.17.0-test" in out
    version = KnowledgeBaseVersion.objects.get()
    assert version.label == (
        "NSI 8.0.0-test + pytickersymbols 1.17.0-test + simple-icons 16.0.0-test"
    )
    assert version.sources["name-suggestion-index"]["licence"].startswith("BSD-3-Clause")
    assert version.brands == KnowledgeBrand.objects.count()
    assert version.names == KnowledgeName.objects.count()
    assert version.excluded == KnowledgeName.objects.exclude(excluded="").count()


def test_one_entry_per_wikidata_id_with_the_listed_company_joined_to_it(kb_loaded: Path) -> None:
    tesco = KnowledgeBrand.objects.get(wikidata_id="Q487494")

    assert tesco.name == "Tesco"
    assert tesco.kind == "brand"
    assert tesco.industry == "Retail & E-commerce"
    assert tesco.website == "https://www.tesco.com"  # NSI's Wikidata site wins over the index's
    assert tesco.source == "name-suggestion-index+pytickersymbols"
    assert {n.name for n in tesco.names.all()} >= {"Tesco", "Tesco Express", "Tesco PLC"}
    assert KnowledgeBrand.objects.filter(name__startswith="Tesco").count() == 1


def test_items_without_a_wikidata_id_and_flagpoles_are_left_out(kb_loaded: Path) -> None:
    assert not KnowledgeName.objects.filter(name="Corner Shop").exists()
    assert not KnowledgeBrand.objects.filter(wikidata_id="Q900005").exists()


def test_public_bodies_and_ngos_are_labelled_as_such(kb_loaded: Path) -> None:
    assert KnowledgeBrand.objects.get(wikidata_id="Q16950613").kind == "government"
    assert KnowledgeBrand.objects.get(wikidata_id="Q900004").kind == "ngo"
    assert KnowledgeBrand.objects.get(wikidata_id="Q608845").industry == "Food & Beverage"


def test_sources_without_ids_stand_alone_or_join_by_name(kb_loaded: Path) -> None:
    netflix = KnowledgeBrand.objects.get(name="Netflix")
    assert netflix.source == "pytickersymbols+simple-icons"
    assert netflix.industry == "Entertainment & Media"
    assert netflix.website == "https://about.netflix.com"
    assert KnowledgeBrand.objects.get(name="Spotify").source == "simple-icons"


def test_ambiguous_forms_are_excluded_with_their_reason(kb_loaded: Path) -> None:
    assert form("BP").excluded == build.TOO_SHORT
    assert form("YT").excluded == build.TOO_SHORT
    assert form("X").excluded == build.ONE_CHARACTER
    assert form("Julia").excluded == build.FIRST_NAME
    assert form("Bank").excluded == build.GENERIC
    assert form("next").excluded == build.LOWERCASE_WORD
    # The better-known Shell has the name; the one-town cafe keeps its entry, unmatched.
    shells = KnowledgeName.objects.filter(name="Shell").order_by("-brand__weight")
    assert [(s.brand.wikidata_id, s.excluded) for s in shells] == [
        ("Q110716465", ""),
        ("Q900003", build.TAKEN),
    ]


def test_common_word_names_are_matched_only_as_written(kb_loaded: Path) -> None:
    assert form("Next").case_sensitive
    assert form("Shell").case_sensitive
    assert not form("Tesco").case_sensitive
    assert not form("Netflix").case_sensitive


def test_loading_again_is_a_no_op_and_force_rebuilds(kb_packages: Path) -> None:
    load()
    first = KnowledgeBaseVersion.objects.get()

    out, _ = load()
    assert "is current" in out
    assert KnowledgeBaseVersion.objects.get() == first

    load("--force")
    assert KnowledgeBaseVersion.objects.count() == 2
    assert KnowledgeBrand.objects.count() == first.brands
    assert KnowledgeName.objects.count() == first.names


def test_a_changed_package_is_loaded_again(kb_packages: Path) -> None:
    load()
    package = kb_packages / "simple-icons" / "package.json"
    package.write_text('{"name": "simple-icons", "version": "16.1.0-test"}')

    out, _ = load()

    assert "simple-icons 16.1.0-test" in out
    assert KnowledgeBaseVersion.objects.count() == 2


def test_a_missing_package_is_a_clear_error_and_the_tables_stay(kb_packages: Path) -> None:
    load()
    before = (KnowledgeBrand.objects.count(), KnowledgeName.objects.count())
    (kb_packages / "name-suggestion-index" / "package.json").unlink()

    with pytest.raises(CommandError) as error:
        load("--force")

    assert "name-suggestion-index is not installed" in str(error.value)
    assert "npm ci --prefix kb" in str(error.value)
    assert "The tables in use are unchanged" in str(error.value)
    assert (KnowledgeBrand.objects.count(), KnowledgeName.objects.count()) == before
    assert KnowledgeBaseVersion.objects.count() == 1


def test_a_corrupt_package_is_a_clear_error_and_the_tables_stay(kb_packages: Path) -> None:
    load()
    before = set(KnowledgeName.objects.values_list("name", flat=True))
    nsi = kb_packages / "name-suggestion-index" / "dist" / "json" / "nsi.min.json"
    nsi.write_bytes(nsi.read_bytes()[:200])  # a truncated download

    with pytest.raises(CommandError) as error:
        load()

    assert "nsi.min.json is not valid JSON" in str(error.value)
    assert set(KnowledgeName.objects.values_list("name", flat=True)) == before


def test_a_package_of_an_unknown_format_is_a_clear_error(kb_packages: Path) -> None:
    icons = kb_packages / "simple-icons" / "data" / "simple-icons.json"
    icons.write_text('[{"slug": "no-title"}]')

    with pytest.raises(CommandError, match=r"simple-icons 16\.0\.0-test has an unknown format"):
        load()

    assert not KnowledgeBrand.objects.exists()


def test_skip_missing_loads_what_is_installed_and_warns(kb_packages: Path) -> None:
    (kb_packages / "name-suggestion-index" / "package.json").unlink()

    out, err = load("--skip-missing")

    assert "Skipped: name-suggestion-index is not installed" in err
    assert "pytickersymbols 1.17.0-test + simple-icons 16.0.0-test" in out
    assert KnowledgeBrand.objects.filter(name="Netflix").exists()
    assert not KnowledgeBrand.objects.exclude(wikidata_id="").exists()


def test_skip_missing_still_fails_when_nothing_is_installed(
    kb_packages: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "DEFAULT_READERS", loader.DEFAULT_READERS[:1])
    (kb_packages / "name-suggestion-index" / "package.json").unlink()

    with pytest.raises(CommandError, match="No brand data package is installed"):
        load("--skip-missing")


def test_check_prints_the_version_in_use(kb_packages: Path) -> None:
    with pytest.raises(CommandError, match="not loaded"):
        load("--check")
    load()

    out, _ = load("--check")

    assert out.startswith("Knowledge base: NSI 8.0.0-test + pytickersymbols 1.17.0-test")
    assert f"{KnowledgeBrand.objects.count()} brands" in out


def test_operators_see_the_version_and_search_brands_in_the_admin(
    kb_loaded: Path, client_for
) -> None:
    olga = User.objects.create_superuser("olga", "olga@example.com", "pw")
    client = client_for(olga)

    versions = client.get(reverse("admin:reports_knowledgebaseversion_changelist"))
    brands = client.get(reverse("admin:reports_knowledgebrand_changelist"), {"q": "Tesco Express"})

    assert "NSI 8.0.0-test + pytickersymbols 1.17.0-test" in versions.content.decode()
    assert "Q487494" in brands.content.decode()
    assert "Q608845" not in brands.content.decode()
    # Reference data: operators look, only the loader writes.
    assert client.get(reverse("admin:reports_knowledgebrand_add")).status_code == 403
