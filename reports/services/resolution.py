"""Entity resolution: every finding becomes a Mention of one canonical Brand.

Order: exact normalised key, then an alias, then a fuzzy match (rapidfuzz) above a threshold
against the organization's own live brands; otherwise a new brand, unreviewed. Brands a user
kept apart are never fuzzy-matched to each other's names.
"""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from rapidfuzz import fuzz, process

from accounts.models import Organization
from reports.extractors.base import ExtractionContext, KnownBrand
from reports.knowledge.index import get_index
from reports.models import (
    DEFAULT_INDUSTRIES,
    AliasSource,
    BlockedTerm,
    Brand,
    BrandAlias,
    BrandSeparation,
    BrandStatus,
    Industry,
)
from reports.normalize import normalize_brand
from reports.services.brand_knowledge import brand_link_knowledge

FUZZY_THRESHOLD = 92


def industries_for(organization: Organization) -> list[Industry]:
    industries = list(Industry.objects.filter(organization=organization))
    if not industries:
        Industry.objects.bulk_create(
            [Industry(organization=organization, name=name) for name in DEFAULT_INDUSTRIES],
            ignore_conflicts=True,
        )
        industries = list(Industry.objects.filter(organization=organization))
    return industries


def build_context(organization: Organization) -> ExtractionContext:
    """What the extractors know of the organization: tracked brands, blocked terms, taxonomy."""
    aliases: dict[int, list[str]] = {}
    for brand_id, alias in BrandAlias.objects.filter(organization=organization).values_list(
        "brand_id", "alias"
    ):
        aliases.setdefault(brand_id, []).append(alias)
    known = tuple(
        KnownBrand(
            brand_id=brand.pk,
            name=brand.name,
            aliases=tuple(aliases.get(brand.pk, ())),
            industry=brand.industry.name if brand.industry else "",
        )
        # Ignored brands are matched too, so that they resolve to the ignored brand and do
        # not come back as new discoveries.
        for brand in Brand.objects.filter(organization=organization, merged_into__isnull=True)
        .exclude(status=BrandStatus.UNREVIEWED)
        .select_related("industry")
    )
    blocked = frozenset(
        BlockedTerm.objects.filter(organization=organization).values_list("normalized", flat=True)
    )
    return ExtractionContext(
        known_brands=known,
        blocked_terms=blocked,
        industries=tuple(industry.name for industry in industries_for(organization)),
        # None when no knowledge base is loaded: discovery then works from text cues alone.
        knowledge=get_index(),
        confirmed_only=organization.discovery_confirmed_only,
    )


@dataclass
class Resolver:
    """Resolves names for one organization, loading its brands once per analysis run."""

    organization: Organization
    _by_key: dict[str, Brand] = field(default_factory=dict)
    _by_pk: dict[int, Brand] = field(default_factory=dict)
    _by_alias: dict[str, int] = field(default_factory=dict)
    _apart: dict[int, set[int]] = field(default_factory=dict)
    _industries: dict[str, Industry] = field(default_factory=dict)
    _loaded: bool = False

    def _load(self) -> None:
        brands = Brand.objects.filter(organization=self.organization, merged_into__isnull=True)
        self._by_key = {brand.key: brand for brand in brands}
        self._by_pk = {brand.pk: brand for brand in self._by_key.values()}
        self._by_alias = dict(
            BrandAlias.objects.filter(
                organization=self.organization, brand__merged_into__isnull=True
            ).values_list("normalized", "brand_id")
        )
        for a, b in BrandSeparation.objects.filter(organization=self.organization).values_list(
            "brand_id", "other_id"
        ):
            self._apart.setdefault(a, set()).add(b)
            self._apart.setdefault(b, set()).add(a)
        self._industries = {i.name: i for i in industries_for(self.organization)}
        self._loaded = True

    def _by_id(self, brand_id: int) -> Brand | None:
        return self._by_pk.get(brand_id)

    def resolve(
        self, name: str, *, industry: str = "", brand_id: int | None = None
    ) -> Brand | None:
        if not self._loaded:
            self._load()
        if brand_id is not None and (known := self._by_id(brand_id)) is not None:
            return known
        key = normalize_brand(name)
        if not key:
            return None
        if key in self._by_key:
            return self._by_key[key]
        if key in self._by_alias and (aliased := self._by_id(self._by_alias[key])) is not None:
            return aliased
        match = process.extractOne(
            key, list(self._by_key), scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD
        )
        if match is not None:
            return self._by_key[match[0]]
        try:
            # A savepoint: another worker may be creating the same brand at this moment.
            with transaction.atomic():
                brand = Brand.objects.create(
                    organization=self.organization,
                    name=name.strip()[:200],
                    key=key,
                    industry=self._industries.get(industry),
                    status=BrandStatus.UNREVIEWED,
                )
        except IntegrityError:
            # Two analyses met the same new name at once (several workers): the other one's
            # row, committed since this run loaded the brands, is the brand. Before, the
            # unique key failed this article's analysis.
            brand = Brand.objects.get(
                organization=self.organization, key=key, merged_into__isnull=True
            )
        else:
            # A new brand the knowledge base knows gets its Wikidata id, industry and website.
            brand_link_knowledge(brand=brand)
        self._by_key[key] = brand
        self._by_pk[brand.pk] = brand
        return brand

    def kept_apart(self, brand: Brand, other: Brand) -> bool:
        if not self._loaded:
            self._load()
        return other.pk in self._apart.get(brand.pk, set())


def alias_add(*, brand: Brand, alias: str, source: str = AliasSource.MANUAL) -> BrandAlias | None:
    """Add ``alias`` to ``brand`` (moving it from another brand if it pointed elsewhere)."""
    normalized = normalize_brand(alias)
    if not normalized or normalized == brand.key:
        return None
    row, created = BrandAlias.objects.get_or_create(
        organization_id=brand.organization_id,
        normalized=normalized,
        defaults={"brand": brand, "alias": alias.strip()[:200], "source": source},
    )
    if not created and row.brand_id != brand.pk:
        row.brand = brand
        row.source = source
        row.save(update_fields=["brand", "source"])
    return row
