"""Load the knowledge base tables from the installed packages (``manage.py load_brand_knowledge``).

The load is one transaction: the old rows are replaced only when every source read cleanly and
the new rows are written, so a missing or corrupt package leaves the tables in use untouched.
A load whose sources and rules are those of the version in use is a no-op (``make run`` calls
it on every start).
"""

import hashlib
import importlib.metadata
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from reports.knowledge.build import plan
from reports.knowledge.models import KnowledgeBaseVersion, KnowledgeBrand, KnowledgeName
from reports.knowledge.sources import (
    NSI,
    KnowledgeSourceError,
    KnowledgeSourceMissing,
    SourceData,
    icons_dir,
    nsi_dir,
    read_nsi,
    read_simple_icons,
    read_tickers,
)

logger = logging.getLogger(__name__)

# The code that turns packages into rows: when it changes, `make run` rebuilds the tables.
_RULES_MODULES = ("build.py", "categories.py", "sources.py", "wordlists.py")


def rules_checksum() -> str:
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in _RULES_MODULES:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


BATCH = 2000

Reader = Callable[[], SourceData]
DEFAULT_READERS: tuple[Reader, ...] = (read_nsi, read_tickers, read_simple_icons)
SHORT_NAMES = {NSI: "NSI"}


@dataclass
class LoadResult:
    version: KnowledgeBaseVersion
    changed: bool
    skipped: list[str] = field(default_factory=list)


def installed_fingerprint() -> str:
    """The installed packages' versions and data file sizes, and the rules: cheap to compute,
    different whenever a load would give other rows."""
    digest = hashlib.sha256(rules_checksum().encode())
    for root in (nsi_dir(), icons_dir()):
        for path in sorted(root.glob("package.json")) + sorted(root.glob("dist/**/*.min.json")):
            digest.update(f"{path.relative_to(root)}:{path.stat().st_size}".encode())
        digest.update(
            (root / "package.json").read_bytes() if (root / "package.json").is_file() else b"-"
        )
        data = root / "data" / "simple-icons.json"
        digest.update(str(data.stat().st_size if data.is_file() else -1).encode())
    try:
        digest.update(importlib.metadata.version("pytickersymbols").encode())
    except importlib.metadata.PackageNotFoundError:
        digest.update(b"-")
    return digest.hexdigest()


def current_version() -> KnowledgeBaseVersion | None:
    return KnowledgeBaseVersion.objects.order_by("-loaded_at", "-id").first()


def _read(readers: tuple[Reader, ...], skip_missing: bool) -> tuple[list[SourceData], list[str]]:
    sources: list[SourceData] = []
    skipped: list[str] = []
    for reader in readers:
        try:
            sources.append(reader())
        except KnowledgeSourceMissing as exc:
            if not skip_missing:
                raise
            skipped.append(str(exc))
    if not sources:
        raise KnowledgeSourceMissing(
            "No brand data package is installed: " + " ".join(skipped or ["none configured."])
        )
    return sources, skipped


def knowledge_base_load(
    *,
    readers: tuple[Reader, ...] | None = None,
    force: bool = False,
    skip_missing: bool = False,
) -> LoadResult:
    """Rebuild the tables from ``readers`` unless the version in use was built from the same.

    Raises KnowledgeSourceMissing (a package is not installed; with ``skip_missing`` only when
    none is) or KnowledgeSourceError (a package is unreadable); the tables are then unchanged.
    """
    current = current_version()
    # The installed packages' fingerprint, unless the caller brings its own readers.
    quick = installed_fingerprint() if readers is None else ""
    if quick and current is not None and current.checksum == quick and not force:
        # What `make run` does on every start: no package was read, nothing changes.
        return LoadResult(version=current, changed=False)
    sources, skipped = _read(readers or DEFAULT_READERS, skip_missing)
    digest = hashlib.sha256(rules_checksum().encode())
    for source in sources:
        digest.update(source.checksum.encode())
    checksum = quick or digest.hexdigest()
    if current is not None and current.checksum == checksum and not force:
        return LoadResult(version=current, changed=False, skipped=skipped)

    entries = plan(sources)
    with transaction.atomic():
        KnowledgeName.objects.all().delete()
        KnowledgeBrand.objects.all().delete()
        rows = KnowledgeBrand.objects.bulk_create(
            [
                KnowledgeBrand(
                    name=entry.name[:300],
                    key=entry.key[:300],
                    wikidata_id=entry.wikidata_id,
                    kind=entry.kind,
                    category=entry.category[:100],
                    industry=entry.industry,
                    website=entry.website[:500],
                    description=entry.description[:300],
                    source=entry.source,
                    weight=entry.weight,
                )
                for entry in entries
            ],
            batch_size=BATCH,
        )
        names = [
            KnowledgeName(
                brand=row,
                name=form.name,
                key=form.key,
                case_sensitive=form.case_sensitive,
                ambiguous=form.ambiguous,
                excluded=form.excluded,
            )
            for row, entry in zip(rows, entries, strict=True)
            for form in entry.forms
        ]
        KnowledgeName.objects.bulk_create(names, batch_size=BATCH)
        per_source = {
            source.name: {
                "version": source.version,
                "licence": source.licence,
                "records": len(source.records),
            }
            for source in sources
        }
        version = KnowledgeBaseVersion.objects.create(
            label=" + ".join(f"{SHORT_NAMES.get(s.name, s.name)} {s.version}" for s in sources),
            sources=per_source,
            brands=len(rows),
            names=len(names),
            excluded=sum(1 for name in names if name.excluded),
            checksum=checksum,
        )
    logger.info("Brand knowledge base loaded: %s", version)
    from reports.knowledge.index import reset_index

    reset_index()  # This process sees the new version at once, not after its next check.
    return LoadResult(version=version, changed=True, skipped=skipped)


__all__ = [
    "KnowledgeSourceError",
    "KnowledgeSourceMissing",
    "LoadResult",
    "current_version",
    "knowledge_base_load",
]
