"""The knowledge-base fixture packages (tests/fixtures/knowledge) and a loader that uses them."""

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from reports.knowledge import loader
from reports.knowledge.index import reset_index
from reports.knowledge.sources import SourceData, read_nsi, read_simple_icons, read_tickers

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "knowledge"


def fixture_tickers() -> SourceData:
    version, stocks = json.loads((FIXTURES / "tickers.json").read_text())
    return read_tickers((version, stocks))


FIXTURE_READERS = (read_nsi, fixture_tickers, read_simple_icons)


@pytest.fixture
def kb_packages(tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the fixture packages laid out as npm installs them, the app pointed at it.

    Returns the node_modules folder: tests may break a package in it.
    """
    modules = tmp_path / "node_modules"
    shutil.copytree(FIXTURES / "nsi", modules / "name-suggestion-index")
    shutil.copytree(FIXTURES / "simple-icons", modules / "simple-icons")
    settings.BRAND_KNOWLEDGE_NSI_DIR = str(modules / "name-suggestion-index")
    monkeypatch.setattr(loader, "DEFAULT_READERS", FIXTURE_READERS)
    reset_index()
    yield modules
    reset_index()


@pytest.fixture
def kb_loaded(kb_packages: Path, db: None) -> Path:
    loader.knowledge_base_load()
    reset_index()
    return kb_packages
