"""Entity linking: a tenant's Brand gets its Wikidata id and blanks from the knowledge base."""

from django.core.exceptions import ValidationError
from django.db import transaction

from outbound.validators import validate_public_url
from reports.knowledge.build import UNLOOKABLE
from reports.knowledge.models import KnowledgeBaseVersion, KnowledgeBrand, KnowledgeName
from reports.models import Brand, Industry


def knowledge_entry_for(*, brand: Brand) -> KnowledgeBrand | None:
    """The entry with the brand's Wikidata id, else the better known one with its name."""
    if brand.wikidata_id:
        linked = KnowledgeBrand.objects.filter(wikidata_id=brand.wikidata_id).first()
        if linked is not None:
            return linked
    form = (
        KnowledgeName.objects.filter(key=brand.key)
        .exclude(excluded__in=UNLOOKABLE)
        .select_related("brand")
        .order_by("-brand__weight", "brand_id")
        .first()
    )
    return form.brand if form is not None else None


@transaction.atomic
def brand_link_knowledge(*, brand: Brand) -> KnowledgeBrand | None:
    """Fill ``brand``'s Wikidata id, and its industry and website where blank, from the entry
    that has its name. A value staff set is never overwritten. Returns the entry, or None."""
    entry = knowledge_entry_for(brand=brand)
    if entry is None:
        return None
    changed: list[str] = []
    if not brand.wikidata_id and entry.wikidata_id:
        brand.wikidata_id = entry.wikidata_id
        changed.append("wikidata_id")
    if brand.industry_id is None and entry.industry:
        industry = Industry.objects.filter(
            organization_id=brand.organization_id, name=entry.industry
        ).first()
        if industry is not None:
            brand.industry = industry
            changed.append("industry")
    if not brand.website and entry.website and _fetchable(entry.website):
        brand.website = entry.website
        changed.append("website")
    if changed:
        brand.save(update_fields=changed)
    return entry


def _fetchable(website: str) -> bool:
    """The brand-website rule (validate_public_url, with DNS) for a website the knowledge base
    offers: the load judged it without DNS, and rows loaded before that check were not."""
    try:
        validate_public_url(website)
    except ValidationError:
        return False
    return True


def knowledge_base_label() -> str:
    """ "NSI 8.0.… + pytickersymbols 1.17.10, 30,794 brands" for operators; "" when not loaded."""
    version = KnowledgeBaseVersion.objects.order_by("-loaded_at", "-id").first()
    return f"{version.label}, {version.brands:,} brands" if version else ""
