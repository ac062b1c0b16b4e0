"""Watchlists: the brands an organization tells the app to track or ignore, and their groups.

A tracked brand is one the extractors know (``resolution.build_context`` feeds tracked and
ignored brands to them), so it is matched in the next articles; an ignored brand is matched
too, but ``analyse._save`` drops its mentions, so it is never reported again and never comes
back as a discovery. Adding a brand that already exists under the same key or alias (e.g.
discovered by the analysis) tracks and updates that brand rather than making a second one.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction

from accounts.models import Organization
from outbound.validators import validate_public_url
from reports.models import (
    AliasSource,
    BlockedTerm,
    Brand,
    BrandAlias,
    BrandGroup,
    BrandStatus,
    FeedbackAction,
    FeedbackEvent,
    Industry,
)
from reports.normalize import normalize_brand
from reports.services.feedback import brand_merge
from reports.services.resolution import alias_add

NAME_MIN = 2
NAME_MAX = 200  # Brand.name
GROUP_NAME_MAX = 100  # BrandGroup.name


def _event(actor: AbstractBaseUser | None, action: str, brand: Brand, **details: object) -> None:
    FeedbackEvent.objects.create(
        organization_id=brand.organization_id,
        actor=actor,
        action=action,
        brand=brand,
        details=details,
    )


def clean_brand_name(name: str, *, field: str = "name") -> tuple[str, str]:
    """(name as typed, its key), or a ValidationError that says what is wrong with it."""
    name = " ".join(name.split())
    key = normalize_brand(name)
    if not key:
        raise ValidationError({field: "Enter a brand name (letters or digits)."})
    if len(name) < NAME_MIN:
        # One letter matches everywhere ("A", "X"): it would flood the reports with junk.
        raise ValidationError({field: f"“{name}” is too short: a brand name needs 2 characters."})
    if len(name) > NAME_MAX:
        raise ValidationError(
            {field: f"The name is {len(name)} characters long; the limit is {NAME_MAX}."}
        )
    return name, key


def clean_website(website: str) -> str:
    website = website.strip()
    if not website:
        return ""
    if "://" not in website:
        website = f"https://{website}"
    try:
        URLValidator(schemes=["http", "https"])(website)
    except ValidationError:
        raise ValidationError({"website": f"“{website}” is not a web address."}) from None
    if len(website) > 500:
        raise ValidationError({"website": "The web address is longer than 500 characters."})
    return website  # The address rule is Brand.clean's (or brand_create_tracked's).


def brand_find(organization: Organization, key: str) -> Brand | None:
    """The organization's live brand with this key or alias (following merges)."""
    brand = Brand.objects.filter(organization=organization, key=key, merged_into__isnull=True)
    if found := brand.first():
        return found
    alias = (
        BrandAlias.objects.filter(organization=organization, normalized=key)
        .select_related("brand")
        .first()
    )
    if alias is None:
        return None
    found = alias.brand
    while found.merged_into_id is not None:  # Aliases move on merge; older rows may not have.
        found = Brand.objects.get(pk=found.merged_into_id)
    return found


@dataclass
class BrandIndex:
    """The organization's live brands by key and alias, loaded once: an import of 2,000 rows
    looks names up in memory instead of with two queries per name."""

    organization: Organization
    by_key: dict[str, Brand] = field(default_factory=dict)
    by_alias: dict[str, int] = field(default_factory=dict)
    by_pk: dict[int, Brand] = field(default_factory=dict)
    blocked: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, organization: Organization) -> "BrandIndex":
        index = cls(organization)
        for brand in Brand.objects.filter(organization=organization, merged_into__isnull=True):
            index.by_key[brand.key] = brand
            index.by_pk[brand.pk] = brand
        index.by_alias = dict(
            BrandAlias.objects.filter(
                organization=organization, brand__merged_into__isnull=True
            ).values_list("normalized", "brand_id")
        )
        index.blocked = set(
            BlockedTerm.objects.filter(organization=organization).values_list(
                "normalized", flat=True
            )
        )
        return index

    def find(self, key: str) -> Brand | None:
        if key in self.by_key:
            return self.by_key[key]
        if key in self.by_alias:
            return self.by_pk.get(self.by_alias[key])
        return None

    def remember(self, brand: Brand, alias_keys: Iterable[str]) -> None:
        self.by_key[brand.key] = brand
        self.by_pk[brand.pk] = brand
        for alias_key in alias_keys:
            self.by_alias[alias_key] = brand.pk


def _check_same_org(organization: Organization, *rows: object) -> None:
    for row in rows:
        if row is not None and row.organization_id != organization.pk:
            raise ValidationError("Choose one of this organization's industries and groups.")


@transaction.atomic
def brand_create_tracked(
    *,
    organization: Organization,
    actor: AbstractBaseUser | None,
    name: str,
    aliases: Iterable[str] = (),
    website: str = "",
    industry: Industry | None = None,
    groups: Iterable[BrandGroup] = (),
    index: BrandIndex | None = None,
) -> tuple[Brand, bool]:
    """Track a brand; returns (brand, created). An existing brand with the same key or alias
    is tracked and updated instead: its website and industry change only when given.
    ``index`` (for imports) answers the lookups from memory and learns the new names."""
    name, key = clean_brand_name(name)
    website = clean_website(website)
    groups = list(groups)
    _check_same_org(organization, industry, *groups)
    alias_keys: dict[str, str] = {}
    for alias in aliases:
        alias, alias_key = clean_brand_name(alias, field="aliases")
        if alias_key != key:
            alias_keys.setdefault(alias_key, alias)

    def find(wanted: str) -> Brand | None:
        return index.find(wanted) if index is not None else brand_find(organization, wanted)

    brand = find(key)
    created = brand is None
    if brand is None:
        brand = Brand(organization=organization, name=name, key=key)
    for alias_key, alias in alias_keys.items():
        other = find(alias_key)
        if other is not None and other.pk != brand.pk:
            raise ValidationError(
                {"aliases": f"“{alias}” is already a name of another brand ({other})."}
            )
    changes: dict[str, list[str]] = {}
    if brand.status != BrandStatus.TRACKED:
        changes["status"] = [brand.status or "", BrandStatus.TRACKED]
        brand.status = BrandStatus.TRACKED
    if website and brand.website != website:
        if not created:  # A new brand's full_clean() below runs the rule (Brand.clean).
            validate_public_url(website, field="website")
        changes["website"] = [brand.website, website]
        brand.website = website
    if industry is not None and brand.industry_id != industry.pk:
        changes["industry"] = [str(brand.industry or ""), industry.name]
        brand.industry = industry
    if created:
        brand.full_clean(exclude=["organization", "merged_into", "industry"])
        brand.save()
    elif changes:
        brand.save(update_fields=["status", "website", "industry"])
    for alias in alias_keys.values():
        alias_add(brand=brand, alias=alias, source=AliasSource.MANUAL)
    if groups:
        brand.groups.add(*groups)
    # Tracking a name the organization once rejected lifts the rejection.
    names = {key, *alias_keys}
    if index is None or names & index.blocked:
        BlockedTerm.objects.filter(organization=organization, normalized__in=names).delete()
    if index is not None:
        index.blocked -= names
        index.remember(brand, alias_keys)
    _event(
        actor,
        FeedbackAction.TRACK,
        brand,
        changes=changes,
        **({"aliases_added": sorted(alias_keys.values())} if alias_keys else {}),
    )
    return brand, created


def _set_status(brand: Brand, status: str, action: str, actor: AbstractBaseUser | None) -> Brand:
    if brand.merged_into_id is not None:
        raise ValidationError(f"“{brand}” was merged into another brand; change that one.")
    if brand.status == status:
        return brand
    old = brand.status
    brand.status = status
    brand.save(update_fields=["status"])
    _event(actor, action, brand, changes={"status": [old, status]})
    return brand


@transaction.atomic
def brand_track(*, brand: Brand, actor: AbstractBaseUser | None) -> Brand:
    return _set_status(brand, BrandStatus.TRACKED, FeedbackAction.TRACK, actor)


@transaction.atomic
def brand_ignore(*, brand: Brand, actor: AbstractBaseUser | None) -> Brand:
    """The brand is not reported any more: the next analyses drop its mentions (its past
    mentions stay, with their reports)."""
    return _set_status(brand, BrandStatus.IGNORED, FeedbackAction.IGNORE, actor)


REVIEW_ACTIONS = ("track", "ignore", "merge")


@transaction.atomic
def brands_review(
    *,
    organization: Organization,
    brands: Iterable[Brand],
    action: str,
    actor: AbstractBaseUser | None,
    target: Brand | None = None,
) -> int:
    """Track, ignore or merge several brands at once; returns how many changed."""
    brands = list(brands)
    if action not in REVIEW_ACTIONS:
        raise ValidationError("Choose track, ignore or merge.")
    if any(brand.organization_id != organization.pk for brand in brands):
        raise ValidationError("Choose brands of this organization.")
    if action == "merge":
        if target is None or target.organization_id != organization.pk:
            raise ValidationError({"target": "Choose the brand to merge into."})
        if any(brand.pk == target.pk for brand in brands):
            raise ValidationError({"target": "A brand cannot be merged into itself."})
        for brand in brands:
            brand_merge(source=brand, target=target, actor=actor)
        return len(brands)
    change = brand_track if action == "track" else brand_ignore
    status = BrandStatus.TRACKED if action == "track" else BrandStatus.IGNORED
    changed = [brand for brand in brands if brand.status != status]
    for brand in changed:
        change(brand=brand, actor=actor)
    return len(changed)


def _clean_group_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "Enter the group's name."})
    if len(name) > GROUP_NAME_MAX:
        raise ValidationError({"name": f"A group name has at most {GROUP_NAME_MAX} characters."})
    return name


def _group_clash(organization_id: int, name: str, exclude: int | None = None) -> None:
    clash = BrandGroup.objects.filter(organization_id=organization_id, name__iexact=name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise ValidationError({"name": f"There is already a group called “{clash.get()}”."})


@transaction.atomic
def brand_group_create(*, organization: Organization, name: str) -> BrandGroup:
    name = _clean_group_name(name)
    _group_clash(organization.pk, name)
    try:
        with transaction.atomic():
            return BrandGroup.objects.create(organization=organization, name=name)
    except IntegrityError:  # Created at the same moment by someone else.
        raise ValidationError({"name": f"There is already a group called “{name}”."}) from None


@transaction.atomic
def brand_group_rename(*, group: BrandGroup, name: str) -> BrandGroup:
    name = _clean_group_name(name)
    _group_clash(group.organization_id, name, exclude=group.pk)
    group.name = name
    group.save(update_fields=["name"])
    return group


@transaction.atomic
def brand_group_delete(*, group: BrandGroup) -> int:
    """Delete the group; its brands stay. Returns how many brands were in it."""
    count = group.brands.count()
    group.delete()
    return count


@transaction.atomic
def brand_groups_set(*, brand: Brand, groups: Iterable[BrandGroup]) -> None:
    groups = list(groups)
    if any(group.organization_id != brand.organization_id for group in groups):
        raise ValidationError({"groups": "Choose this organization's groups."})
    brand.groups.set(groups)
