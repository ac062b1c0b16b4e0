"""The real installed packages load and find the brands news names (CI: they must be installed)."""

import importlib.metadata
import json
from pathlib import Path

import pytest
from django.conf import settings

from reports.knowledge.index import get_index, reset_index
from reports.knowledge.loader import knowledge_base_load
from tests.harness.fixtures import service_unavailable

pytestmark = pytest.mark.django_db


@pytest.fixture
def real_packages() -> Path:
    nsi = Path(settings.BRAND_KNOWLEDGE_NSI_DIR)
    for package in (nsi, nsi.parent / "simple-icons"):
        if not (package / "package.json").is_file():
            service_unavailable(f"{package.name} is not installed: run `npm ci --prefix kb`")
    reset_index()
    yield nsi
    reset_index()


def test_the_installed_packages_load_and_find_well_known_brands(real_packages: Path) -> None:
    result = knowledge_base_load()

    nsi_version = json.loads((real_packages / "package.json").read_text())["version"]
    tickers_version = importlib.metadata.version("pytickersymbols")
    assert result.version.label.startswith(f"NSI {nsi_version} + pytickersymbols {tickers_version}")
    assert result.version.brands > 20_000

    index = get_index()
    text = (
        "Amazon, Google and Netflix beat forecasts; Spotify and YouTube did not. Mastercard "
        "and eBay settled. We ate apple pie in the shell of a target building."
    )
    names = [hit.surface for hit in index.find(text)]
    assert names == ["Amazon", "Google", "Netflix", "Spotify", "YouTube", "Mastercard", "eBay"]
    assert index.lookup("Amazon").wikidata_id == "Q3884"
    assert index.lookup("Amazon").website.startswith("https://www.amazon.")
    assert index.lookup("Shell").kind == "brand"
