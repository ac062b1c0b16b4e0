"""Feedback that changes the next extraction. Every change records who and when.

- confirm: the mention is right (its brand becomes tracked, so the rules match it from now on);
- reject: the mention is wrong; its surface form is blocked for the organization;
- reassign: "this is actually brand X": the mention moves and the surface becomes X's alias;
- merge: two brands are one (mentions and aliases move; the old name becomes an alias);
- separate: two brands must never be merged;
- brand_update / alias_add / alias_remove: edit a brand.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from reports.models import (
    AliasSource,
    BlockedTerm,
    Brand,
    BrandAlias,
    BrandSeparation,
    BrandStatus,
    FeedbackAction,
    FeedbackEvent,
    Industry,
    Mention,
    ReviewStatus,
)
from reports.normalize import normalize_brand
from reports.rollups.recount import story_counts_deferred
from reports.services.resolution import alias_add


def _event(
    actor: AbstractBaseUser | None,
    action: str,
    *,
    brand: Brand | None = None,
    mention: Mention | None = None,
    **details: object,
) -> FeedbackEvent:
    organization_id = brand.organization_id if brand else mention.organization_id
    return FeedbackEvent.objects.create(
        organization_id=organization_id,
        actor=actor,
        action=action,
        brand=brand,
        mention=mention,
        details=details,
    )


def _review(mention: Mention, status: str, actor: AbstractBaseUser | None) -> None:
    mention.review_status = status
    mention.reviewed_by = actor
    mention.reviewed_at = timezone.now()
    mention.save(update_fields=["review_status", "reviewed_by", "reviewed_at", "brand"])


def _track(brand: Brand) -> None:
    if brand.status == BrandStatus.UNREVIEWED:
        brand.status = BrandStatus.TRACKED
        brand.save(update_fields=["status"])


@transaction.atomic
def mention_confirm(*, mention: Mention, actor: AbstractBaseUser | None) -> Mention:
    _review(mention, ReviewStatus.CONFIRMED, actor)
    _track(mention.brand)
    _event(actor, FeedbackAction.CONFIRM, brand=mention.brand, mention=mention)
    return mention


@transaction.atomic
def mention_reject(*, mention: Mention, actor: AbstractBaseUser | None) -> Mention:
    _review(mention, ReviewStatus.REJECTED, actor)
    normalized = normalize_brand(mention.surface)
    if normalized:
        BlockedTerm.objects.get_or_create(
            organization_id=mention.organization_id,
            normalized=normalized,
            defaults={"term": mention.surface, "created_by": actor},
        )
    _event(actor, FeedbackAction.REJECT, brand=mention.brand, mention=mention, term=normalized)
    return mention


@transaction.atomic
def mention_reassign(*, mention: Mention, brand: Brand, actor: AbstractBaseUser | None) -> Mention:
    if brand.organization_id != mention.organization_id or brand.merged_into_id:
        raise ValidationError("Choose one of this organization's brands.")
    previous = mention.brand
    clash = Mention.objects.filter(report_id=mention.report_id, brand=brand).exclude(pk=mention.pk)
    if clash.exists():
        # The report already names that brand: this mention was a duplicate of it.
        clash.update(review_status=ReviewStatus.CONFIRMED, reviewed_by=actor)
        mention.delete()
        _event(actor, FeedbackAction.REASSIGN, brand=brand, from_brand=previous.pk)
        return clash.get()
    mention.brand = brand
    _review(mention, ReviewStatus.CONFIRMED, actor)
    alias_add(brand=brand, alias=mention.surface, source=AliasSource.FEEDBACK)
    _track(brand)
    _event(actor, FeedbackAction.REASSIGN, brand=brand, mention=mention, from_brand=previous.pk)
    return mention


@transaction.atomic
def brand_merge(*, source: Brand, target: Brand, actor: AbstractBaseUser | None) -> Brand:
    """Merge ``source`` into ``target``: mentions, aliases and contacts move."""
    if source.pk == target.pk or source.organization_id != target.organization_id:
        raise ValidationError("Choose another brand of this organization to merge into.")
    if source.merged_into_id or target.merged_into_id:
        raise ValidationError("One of these brands was already merged into another.")
    # A report naming both keeps the target's mention. Every story naming either brand is
    # counted again for the heat table by a task after the commit, not in this request.
    with story_counts_deferred(source.organization_id):
        both = Mention.objects.filter(brand=target).values_list("report_id", flat=True)
        Mention.objects.filter(brand=source, report_id__in=both).delete()
        moved = Mention.objects.filter(brand=source).update(brand=target)
    BrandAlias.objects.filter(brand=source).update(brand=target)
    source.contacts.update(brand=target)  # The people stay; their brand is now the target.
    source.merged_into = target
    source.save(update_fields=["merged_into"])
    alias_add(brand=target, alias=source.name, source=AliasSource.FEEDBACK)
    BrandSeparation.objects.filter(brand=source).delete()
    BrandSeparation.objects.filter(other=source).delete()
    _track(target)
    _event(actor, FeedbackAction.MERGE, brand=target, merged=source.pk, mentions_moved=moved)
    return target


@transaction.atomic
def brand_separate(*, brand: Brand, other: Brand, actor: AbstractBaseUser | None) -> None:
    if brand.pk == other.pk or brand.organization_id != other.organization_id:
        raise ValidationError("Choose another brand of this organization.")
    for first, second in ((brand, other), (other, brand)):
        BrandSeparation.objects.get_or_create(
            organization_id=brand.organization_id,
            brand=first,
            other=second,
            defaults={"created_by": actor},
        )
    _event(actor, FeedbackAction.SEPARATE, brand=brand, other=other.pk)


@transaction.atomic
def brand_update(
    *,
    brand: Brand,
    actor: AbstractBaseUser | None,
    name: str,
    status: str,
    industry: Industry | None,
    website: str,
) -> Brand:
    if industry is not None and industry.organization_id != brand.organization_id:
        raise ValidationError({"industry": "Choose one of this organization's industries."})
    key = normalize_brand(name)
    if not key:
        raise ValidationError({"name": "Enter a brand name."})
    clash = Brand.objects.filter(
        organization_id=brand.organization_id, key=key, merged_into__isnull=True
    ).exclude(pk=brand.pk)
    if clash.exists():
        raise ValidationError({"name": f"Another brand is already called {clash.get()}."})
    changes = {
        field: [str(getattr(brand, field)), str(value)]
        for field, value in {
            "name": name,
            "status": status,
            "industry": industry,
            "website": website,
        }.items()
        if getattr(brand, field) != value
    }
    old_name = brand.name
    brand.name, brand.key, brand.status, brand.industry, brand.website = (
        name,
        key,
        status,
        industry,
        website,
    )
    brand.full_clean(exclude=["organization", "merged_into"])
    if "industry" in changes or ("status" in changes and BrandStatus.IGNORED in changes["status"]):
        # The heat table counts every story naming the brand again: after the commit, in a
        # task (seconds for a busy brand), not in this request.
        with story_counts_deferred(brand.organization_id):
            brand.save(update_fields=["name", "key", "status", "industry", "website"])
    else:
        brand.save(update_fields=["name", "key", "status", "industry", "website"])
    if normalize_brand(old_name) != key:
        # After the key changed: the old name keeps resolving to this brand.
        alias_add(brand=brand, alias=old_name, source=AliasSource.MANUAL)
    _event(actor, FeedbackAction.EDIT, brand=brand, changes=changes)
    return brand


@transaction.atomic
def brand_alias_add(*, brand: Brand, alias: str, actor: AbstractBaseUser | None) -> BrandAlias:
    normalized = normalize_brand(alias)
    if not normalized:
        raise ValidationError({"alias": "Enter an alias."})
    other = Brand.objects.filter(
        organization_id=brand.organization_id, key=normalized, merged_into__isnull=True
    ).exclude(pk=brand.pk)
    if other.exists():
        raise ValidationError({"alias": f"That is the name of another brand ({other.get()})."})
    row = alias_add(brand=brand, alias=alias, source=AliasSource.MANUAL)
    if row is None:
        raise ValidationError({"alias": "That is the brand's own name."})
    # A manual alias overrides an earlier rejection of the same words.
    BlockedTerm.objects.filter(
        organization_id=brand.organization_id, normalized=normalized
    ).delete()
    _event(actor, FeedbackAction.ALIAS_ADD, brand=brand, alias=alias)
    return row


@transaction.atomic
def brand_alias_remove(*, alias: BrandAlias, actor: AbstractBaseUser | None) -> None:
    brand = alias.brand
    alias.delete()
    _event(actor, FeedbackAction.ALIAS_REMOVE, brand=brand, alias=alias.alias)


@transaction.atomic
def blocked_term_remove(*, term: BlockedTerm, actor: AbstractBaseUser | None) -> None:
    term.delete()
    FeedbackEvent.objects.create(
        organization_id=term.organization_id,
        actor=actor,
        action=FeedbackAction.UNBLOCK,
        details={"term": term.term},
    )
