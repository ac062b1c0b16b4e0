"""Readers of the installed data packages the knowledge base is built from.

Each reader returns plain records and raises ``KnowledgeSourceMissing`` when its package is not
installed, ``KnowledgeSourceError`` when it is installed but unreadable (truncated file, a
format this code does not know). Nothing is downloaded: the packages come from pip
(requirements.txt) and npm (``kb/package.json``, installed by ``make run``).
"""

import hashlib
import importlib.metadata
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from django.conf import settings

from reports.knowledge.categories import nsi_industry, ticker_industry

NSI = "name-suggestion-index"
TICKERS = "pytickersymbols"
ICONS = "simple-icons"

# The NSI trees we read and the tag that names the brand in each; "flags" are flagpoles.
_NSI_TREES = {"brands": "brand", "operators": "operator", "transit": "network"}
# OSM's operator:type values that mean a public body or a non-profit, not a business.
_GOVERNMENT_TYPES = frozenset({"public", "government", "military"})
_NGO_TYPES = frozenset({"ngo", "community", "religious", "charity", "non_profit"})
_GOVERNMENT_WORDS = re.compile(
    r"\b(government|ministry|municipality|city council|county|state agency|federal agency|"
    r"public authority|agency of|department of|local authority|public body|police|army)\b",
    re.IGNORECASE,
)
_NGO_WORDS = re.compile(
    r"\b(non-?profit|non-governmental|charity|charitable|foundation|ngo|trade union|"
    r"religious|church|association|society)\b",
    re.IGNORECASE,
)


class KnowledgeSourceMissing(Exception):
    """A data package is not installed."""


class KnowledgeSourceError(Exception):
    """A data package is installed but cannot be read."""


@dataclass
class SourceRecord:
    """One brand as a source describes it, before records of several sources are merged."""

    source: str
    name: str
    wikidata_id: str = ""
    kind: str = "brand"
    category: str = ""
    industry: str = ""
    website: str = ""
    description: str = ""
    # Written forms as the source gives them; lowercase ones (NSI's matchNames) are not
    # evidence of how the name is capitalised.
    forms: list[str] = field(default_factory=list)
    # How widely the source lists the brand (NSI items, categories): a tie-breaker between two
    # entries that share a written form.
    weight: int = 1


@dataclass
class SourceData:
    name: str
    version: str
    licence: str
    checksum: str
    records: list[SourceRecord]
    # Regular expressions of names the source itself calls generic ("^bank$").
    generic_patterns: list[str] = field(default_factory=list)


def nsi_dir() -> Path:
    return Path(settings.BRAND_KNOWLEDGE_NSI_DIR)


def icons_dir() -> Path:
    # npm installs both packages side by side under kb/node_modules.
    return nsi_dir().parent / ICONS


def _read_json(path: Path, expected: type = dict) -> Any:
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError as exc:
        raise KnowledgeSourceError(f"{path} is missing") from exc
    except (OSError, ValueError) as exc:
        raise KnowledgeSourceError(f"{path} is not valid JSON ({exc})") from exc
    if not isinstance(data, expected):
        raise KnowledgeSourceError(f"{path} does not hold a JSON {expected.__name__}")
    return data


def _missing_npm(package: str, path: Path) -> KnowledgeSourceMissing:
    return KnowledgeSourceMissing(
        f"{package} is not installed (no {path}). Install it with `npm ci --prefix kb` "
        "(needs nodejs and npm: `apt install nodejs npm`)."
    )


def _kind(tree: str, operator_type: str, description: str) -> str:
    if operator_type in _GOVERNMENT_TYPES or _GOVERNMENT_WORDS.search(description):
        return "government"
    if operator_type in _NGO_TYPES or (tree != "brands" and _NGO_WORDS.search(description)):
        return "ngo"
    # A private operator (Apple runs its stores, Amazon its lockers) is a business like a brand.
    return "brand" if tree == "brands" or operator_type == "private" else "operator"


def _website(info: dict[str, Any]) -> str:
    identities = info.get("identities") or {}
    website = identities.get("website") or next(iter(info.get("officialWebsites") or []), "")
    return website if isinstance(website, str) and website.startswith("http") else ""


def read_nsi(root: Path | None = None) -> SourceData:
    """The name-suggestion-index npm package: brands and operators with a Wikidata id."""
    root = root or nsi_dir()
    package = root / "package.json"
    if not package.is_file():
        raise _missing_npm(NSI, package)
    version = str(_read_json(package).get("version", ""))
    paths = [
        root / "dist/json/nsi.min.json",
        root / "dist/wikidata/wikidata.min.json",
        root / "dist/json/genericWords.min.json",
    ]
    digest = hashlib.sha256(version.encode())
    for path in paths:
        try:
            digest.update(path.read_bytes())
        except OSError as exc:
            raise KnowledgeSourceError(f"{NSI} {version} at {root} lacks {path.name}") from exc
    nsi, wikidata, generic = (_read_json(path) for path in paths)
    try:
        trees = nsi["nsi"]
        labels = wikidata["wikidata"]
        generic_patterns = [str(p) for p in generic["genericWords"]]
        records = list(_nsi_records(trees, labels))
    except (KeyError, TypeError, AttributeError) as exc:
        raise KnowledgeSourceError(f"{NSI} {version} has an unknown format ({exc!r})") from exc
    if not records:
        raise KnowledgeSourceError(f"{NSI} {version} at {root} lists no brand")
    return SourceData(
        name=NSI,
        version=version,
        licence="BSD-3-Clause (data: OpenStreetMap contributors, Wikidata CC0)",
        checksum=digest.hexdigest(),
        records=records,
        generic_patterns=generic_patterns,
    )


def _nsi_records(trees: dict[str, Any], labels: dict[str, Any]) -> Iterator[SourceRecord]:
    for path, tree_data in trees.items():
        tree, _, category = path.partition("/")
        tag = _NSI_TREES.get(tree)
        if tag is None:
            continue
        for item in tree_data["items"]:
            tags = item["tags"]
            qid = tags.get(f"{tag}:wikidata", "")
            if not qid:
                # Without an id NSI has not linked it to Wikidata: not well-kept enough.
                continue
            info = labels.get(qid) or {}
            description = str(info.get("description", ""))
            name = tags.get(tag) or item.get("displayName") or ""
            forms = [
                item.get("displayName", ""),
                name,
                tags.get("name", ""),
                tags.get(f"{tag}:en", ""),
                tags.get("name:en", ""),
                tags.get("short_name", ""),
                info.get("label", ""),
                *item.get("matchNames", []),
            ]
            locations = item.get("locationSet", {}).get("include", [])
            yield SourceRecord(
                source=NSI,
                name=str(info.get("label") or name),
                wikidata_id=qid,
                kind=_kind(tree, tags.get("operator:type", ""), description),
                category=category,
                industry=nsi_industry(category),
                website=_website(info),
                description=description[:300],
                forms=[str(form) for form in forms if form],
                # Worldwide brands ("001") outrank a namesake in one region.
                weight=1 + 5 * ("001" in locations) + len(locations),
            )


_PAREN = re.compile(r"\s*\([^)]*\)")
_CLASS = re.compile(r"\s+(?:class|series)\s+[a-z]\b.*$", re.IGNORECASE)
# "Netflix, Inc." is called Netflix: the display name drops a trailing legal form.
_LEGAL_TAIL = re.compile(
    r"[,\s]+(?:inc|corp|corporation|plc|ltd|limited|ag|se|sa|nv|co|company)\.?$",
    re.IGNORECASE,
)


def _installed_stocks() -> tuple[str, list[Any]]:
    try:
        version = importlib.metadata.version(TICKERS)
        from pytickersymbols import PyTickerSymbols
    except (ImportError, importlib.metadata.PackageNotFoundError) as exc:
        raise KnowledgeSourceMissing(
            f"{TICKERS} is not installed: `pip install -r requirements.txt`"
        ) from exc
    try:
        return version, list(PyTickerSymbols().get_all_stocks())
    except Exception as exc:  # the package's own data failed to load: say so, do not crash
        raise KnowledgeSourceError(f"{TICKERS} {version} cannot be read ({exc!r})") from exc


def read_tickers(installed: tuple[str, list[Any]] | None = None) -> SourceData:
    """pytickersymbols (PyPI): the companies of the main stock indices.

    ``installed`` is (version, stocks in the package's format); tests pass a small one.
    """
    version, stocks = installed or _installed_stocks()
    records: list[SourceRecord] = []
    digest = hashlib.sha256(version.encode())
    for stock in stocks:
        try:
            name = str(stock["name"] or "").strip()
            metadata = stock.get("metadata") or {}
            industries = [str(i) for i in stock.get("industries") or []]
        except (KeyError, TypeError, AttributeError) as exc:
            raise KnowledgeSourceError(f"{TICKERS} {version} has an unknown format") from exc
        if not name:
            continue
        digest.update(name.encode())
        website = str(metadata.get("website") or "").split()[0:1]
        url = website[0] if website else ""
        if url and not url.startswith("http"):
            url = f"https://{url}"
        wikipedia = str(metadata.get("wikipedia_url") or "")
        title = unquote(wikipedia.rsplit("/", 1)[-1]).replace("_", " ") if wikipedia else ""
        short = _LEGAL_TAIL.sub("", _CLASS.sub("", _PAREN.sub("", name)).strip())
        records.append(
            SourceRecord(
                source=TICKERS,
                name=short or name,
                industry=ticker_industry(industries),
                category="; ".join(industries)[:100],
                website=url,
                forms=[form for form in (name, short, _PAREN.sub("", title).strip()) if form],
                weight=3,
            )
        )
    if not records:
        raise KnowledgeSourceError(f"{TICKERS} {version} lists no company")
    return SourceData(
        name=TICKERS,
        version=version,
        licence="MIT",
        checksum=digest.hexdigest(),
        records=records,
    )


def read_simple_icons(root: Path | None = None) -> SourceData:
    """simple-icons (npm, CC0): ~3,400 brands with a logo, strong on internet and media brands
    (Spotify, YouTube, Netflix) that have no shop for NSI to list. No ids, no categories."""
    root = root or icons_dir()
    package = root / "package.json"
    if not package.is_file():
        raise _missing_npm(ICONS, package)
    version = str(_read_json(package).get("version", ""))
    path = root / "data/simple-icons.json"
    icons = _read_json(path, list)
    digest = hashlib.sha256(version.encode())
    records: list[SourceRecord] = []
    try:
        for icon in icons:
            title = str(icon["title"]).strip()
            aliases = icon.get("aliases") or {}
            forms = [title, *(str(a) for a in aliases.get("aka", []))]
            forms += [str(d["title"]) for d in aliases.get("dup", [])]
            forms += [str(name) for name in (aliases.get("loc") or {}).values()]
            digest.update(title.encode())
            records.append(SourceRecord(source=ICONS, name=title, forms=forms, weight=1))
    except (KeyError, TypeError, AttributeError) as exc:
        raise KnowledgeSourceError(f"{ICONS} {version} has an unknown format ({exc!r})") from exc
    if not records:
        raise KnowledgeSourceError(f"{ICONS} {version} at {root} lists no brand")
    return SourceData(
        name=ICONS, version=version, licence="CC0-1.0", checksum=digest.hexdigest(), records=records
    )
