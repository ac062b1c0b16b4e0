"""Reads of contacts that several pages share: the list's search and filters, a report's
brands with their contacts and suggestions."""

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from contacts.models import BrandContact
from reports.models import Brand, Report, ReviewStatus


@dataclass(frozen=True)
class ContactFilters:
    q: str = ""
    brand_id: int | None = None
    source: str = ""
    verified: bool | None = None
    do_not_contact: bool | None = None


def contacts_filtered(queryset: QuerySet[BrandContact], filters: ContactFilters) -> QuerySet:
    """``queryset`` narrowed by the list's search box and filters (also used by the export)."""
    if filters.q:
        words = filters.q.split()
        for word in words[:8]:  # Each word must match somewhere: "jane acme" finds Jane at Acme.
            queryset = queryset.filter(
                Q(full_name__icontains=word)
                | Q(title__icontains=word)
                | Q(company__icontains=word)
                | Q(email__icontains=word)
                | Q(brand__name__icontains=word)
            )
    if filters.brand_id is not None:
        queryset = queryset.filter(brand_id=filters.brand_id)
    if filters.source:
        queryset = queryset.filter(source=filters.source)
    if filters.verified is not None:
        queryset = queryset.filter(verified=filters.verified)
    if filters.do_not_contact is not None:
        queryset = queryset.filter(do_not_contact=filters.do_not_contact)
    return queryset


@dataclass
class BrandPeople:
    brand: Brand
    contacts: list[BrandContact] = field(default_factory=list)
    suggestions: list[BrandContact] = field(default_factory=list)


def report_brand_people(report: Report) -> list[BrandPeople]:
    """The brands a report mentions (rejected mentions left out), most confident first, each
    with its contacts and its suggestions, in three queries."""
    mentions = (
        report.mentions.exclude(review_status=ReviewStatus.REJECTED)
        .select_related("brand")
        .order_by("-confidence", "id")
    )
    brands: dict[int, Brand] = {}
    for mention in mentions:
        brand = mention.brand
        # A merged brand's people moved to the brand it was merged into.
        brands.setdefault(brand.merged_into_id or brand.pk, brand)
    people = {
        brand_id: BrandPeople(brand) for brand_id, brand in brands.items() if brand.pk == brand_id
    }
    missing = [brand_id for brand_id in brands if brand_id not in people]
    for brand in Brand.objects.filter(pk__in=missing):
        people[brand.pk] = BrandPeople(brand)
    rows = BrandContact.objects.filter(
        organization_id=report.organization_id, brand_id__in=list(brands)
    ).order_by("suggested", "-verified", "full_name")
    for contact in rows:
        entry = people[contact.brand_id]
        (entry.suggestions if contact.suggested else entry.contacts).append(contact)
    return [people[brand_id] for brand_id in brands]
