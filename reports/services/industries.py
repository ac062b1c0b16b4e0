"""The organization's industry taxonomy (brands' industries, what the LLM may answer): owners
and admins add, rename and remove entries in the app.

A rename keeps every brand's industry (the row is the same); a removal leaves its brands
without one (never deletes a brand). An organization left with no entry gets the defaults
again the next time an article is analysed (``resolution.industries_for``).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from accounts.models import Membership, Organization
from marketing_hunting.single_line import one_line
from reports.models import Industry
from reports.rollups.recount import story_counts_deferred

MAX_INDUSTRIES = 200


def _require_manager(actor: Membership, organization_id: int) -> None:
    if actor.organization_id != organization_id or not actor.can_manage_members:
        raise PermissionDenied("Only owners and admins change the industry list.")


def _clean_name(name: str) -> str:
    name = " ".join(one_line(name).split())
    if not name:
        raise ValidationError({"name": "Give the industry a name."})
    if len(name) > 100:
        raise ValidationError({"name": "At most 100 characters."})
    return name


def _taken(organization_id: int, name: str, exclude: int | None = None) -> bool:
    same = Industry.objects.filter(organization_id=organization_id, name__iexact=name)
    return same.exclude(pk=exclude).exists() if exclude else same.exists()


@transaction.atomic
def industry_add(*, organization: Organization, actor: Membership, name: str) -> Industry:
    _require_manager(actor, organization.pk)
    name = _clean_name(name)
    if _taken(organization.pk, name):
        raise ValidationError({"name": f"“{name}” is already in the list."})
    if Industry.objects.filter(organization=organization).count() >= MAX_INDUSTRIES:
        raise ValidationError({"name": f"The list holds at most {MAX_INDUSTRIES} industries."})
    try:
        with transaction.atomic():
            return Industry.objects.create(organization=organization, name=name)
    except IntegrityError:  # added at the same moment by someone else
        raise ValidationError({"name": f"“{name}” is already in the list."}) from None


@transaction.atomic
def industry_rename(*, industry: Industry, actor: Membership, name: str) -> Industry:
    _require_manager(actor, industry.organization_id)
    name = _clean_name(name)
    if _taken(industry.organization_id, name, exclude=industry.pk):
        raise ValidationError({"name": f"“{name}” is already in the list."})
    industry.name = name
    industry.save(update_fields=["name"])
    return industry


@transaction.atomic
def industry_remove(*, industry: Industry, actor: Membership) -> int:
    """Remove the entry; returns how many brands it leaves without an industry."""
    _require_manager(actor, industry.organization_id)
    brands = industry.brands.count()
    # Its brands lose their industry: their stories are counted again after the commit.
    with story_counts_deferred(industry.organization_id):
        industry.delete()
    return brands
