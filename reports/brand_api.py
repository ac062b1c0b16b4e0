"""API router of the brands (reports app): list, read, track a new one, change, merge,
track, ignore, aliases. Reads through ``selectors.brand_list`` (live brands only, as the
brand pages), writes through the watchlist and feedback services."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Status

from accounts.tenancy import get_object_for_request, request_organization
from api.auth import ApiKeyAuth, key_actor
from api.errors import ApiError
from api.etag import detail_response
from api.pagination import ListQuery, Page, paginate
from api.params import Id, PathId, owned_rows
from reports import selectors
from reports.api import DETAIL_ERRORS, LIST_ERRORS, Out, Strict
from reports.models import Brand, BrandAlias, BrandGroup, Industry
from reports.services import feedback, watchlists

brands_router = Router(auth=ApiKeyAuth("brands"), tags=["brands"])


class AliasOut(Out):
    id: int
    alias: str
    source: str


class BrandOut(Out):
    id: int
    name: str
    status: str
    industry: str | None
    website: str
    wikidata_id: str
    mentions_7d: int
    mentions_30d: int


class BrandDetail(BrandOut):
    aliases: list[AliasOut]
    groups: list[str]


class BrandQuery(ListQuery):
    q: str = Field("", max_length=200, description="Words in the name or an alias.")
    status: Literal["unreviewed", "tracked", "ignored"] | None = None
    group: Id | None = None


class AliasIn(Strict):
    alias: str = Field(..., min_length=1, max_length=200)


class BrandIn(Strict):
    """A brand to track. An existing brand of the same name (or alias) is tracked and
    updated instead (200 rather than 201), as the "Track a brand" form does."""

    name: str = Field(..., min_length=1, max_length=200)
    aliases: list[str] = Field([], max_length=50)
    website: str = Field("", max_length=500)
    industry: Id | None = Field(None, description="An industry id of the organization.")
    groups: list[Id] = Field([], max_length=50, description="Brand group ids.")


class BrandPatch(Strict):
    """Only the fields sent change; ``industry: null`` clears it."""

    name: str | None = Field(None, min_length=1, max_length=200)
    status: Literal["unreviewed", "tracked", "ignored"] | None = None
    website: str | None = Field(None, max_length=500)
    industry: Id | None = None


class MergeIn(Strict):
    into: Id = Field(..., description="The brand that takes this one's mentions.")


def _brand(brand: Brand, mentions_7d: int = 0, mentions_30d: int = 0) -> BrandOut:
    return BrandOut(
        id=brand.pk,
        name=brand.name,
        status=brand.status,
        industry=brand.industry.name if brand.industry else None,
        website=brand.website,
        wikidata_id=brand.wikidata_id,
        mentions_7d=getattr(brand, "mentions_7d", mentions_7d),
        mentions_30d=getattr(brand, "mentions_30d", mentions_30d),
    )


def _live_brand(request: HttpRequest, brand_id: int) -> Brand:
    # A merged brand lives on in the brand it was merged into; its own id is gone, as on
    # the pages' lists.
    return get_object_for_request(
        request,
        selectors.brand_list(request_organization(request)).prefetch_related("aliases", "groups"),
        pk=brand_id,
    )


def _brand_detail(brand: Brand) -> BrandDetail:
    return BrandDetail(
        **_brand(brand).model_dump(),
        aliases=[AliasOut(id=a.pk, alias=a.alias, source=a.source) for a in brand.aliases.all()],
        groups=sorted(group.name for group in brand.groups.all()),
    )


@brands_router.get("", response={200: Page[BrandOut], **LIST_ERRORS}, summary="List brands")
def brand_list(request: HttpRequest, query: Query[BrandQuery]) -> Page[BrandOut]:
    """Live brands (not merged into another) by name, with their mention counts."""
    brands = selectors.brand_list(
        request_organization(request), q=query.q, status=query.status or "", group_id=query.group
    )
    page, next_cursor = paginate(
        brands, ("name", "id"), cursor=query.cursor, limit=query.limit, context="brands"
    )
    return Page[BrandOut](items=[_brand(brand) for brand in page], next_cursor=next_cursor)


@brands_router.get(
    "/{int:brand_id}", response={200: BrandDetail, **DETAIL_ERRORS}, summary="Get a brand"
)
def brand_detail(request: HttpRequest, brand_id: PathId) -> HttpResponse:
    return detail_response(request, _brand_detail(_live_brand(request, brand_id)))


@brands_router.post(
    "", response={200: BrandDetail, 201: BrandDetail, **LIST_ERRORS}, summary="Track a new brand"
)
def brand_create(request: HttpRequest, payload: BrandIn) -> Status[BrandDetail]:
    industry = (
        owned_rows(request, Industry, [payload.industry], "industry")[0]
        if payload.industry
        else None
    )
    groups = owned_rows(request, BrandGroup, payload.groups, "groups")
    brand, created = watchlists.brand_create_tracked(
        organization=request_organization(request),
        actor=key_actor(request),
        name=payload.name,
        aliases=payload.aliases,
        website=payload.website,
        industry=industry,
        groups=groups,
    )
    return Status(201 if created else 200, _brand_detail(_live_brand(request, brand.pk)))


@brands_router.patch(
    "/{int:brand_id}", response={200: BrandDetail, **LIST_ERRORS}, summary="Change a brand"
)
def brand_update(request: HttpRequest, brand_id: PathId, payload: BrandPatch) -> BrandDetail:
    brand = _live_brand(request, brand_id)
    values = payload.model_dump(exclude_unset=True)
    for name in ("name", "status", "website"):
        if name in values and values[name] is None:
            raise ApiError(
                422,
                "invalid_input",
                f"{name} cannot be null.",
                details=[{"field": name, "message": "Give a value or leave the field out."}],
            )
    industry = brand.industry
    if "industry" in values:
        industry = (
            owned_rows(request, Industry, [values["industry"]], "industry")[0]
            if values["industry"]
            else None
        )
    feedback.brand_update(
        brand=brand,
        actor=key_actor(request),
        name=values.get("name", brand.name),
        status=values.get("status", brand.status),
        industry=industry,
        website=values.get("website", brand.website),
    )
    return _brand_detail(_live_brand(request, brand_id))


@brands_router.post(
    "/{int:brand_id}/merge",
    response={200: BrandDetail, **LIST_ERRORS},
    summary="Merge a brand into another",
)
def brand_merge(request: HttpRequest, brand_id: PathId, payload: MergeIn) -> BrandDetail:
    """This brand's mentions, aliases and contacts move to ``into``; its own id then answers
    404. Answers the brand merged into."""
    source = _live_brand(request, brand_id)
    target = owned_rows(request, Brand, [payload.into], "into")[0]
    if target.merged_into_id is not None:
        raise ApiError(
            422,
            "invalid_input",
            "That brand was merged into another; merge into that one.",
            details=[{"field": "into", "message": "Already merged into another brand."}],
        )
    feedback.brand_merge(source=source, target=target, actor=key_actor(request))
    return _brand_detail(_live_brand(request, target.pk))


class SeparateIn(Strict):
    other: Id = Field(..., description="The brand entity resolution must never merge it with.")


@brands_router.post(
    "/{int:brand_id}/separate",
    response={204: None, **LIST_ERRORS},
    summary="Keep two brands apart",
)
def brand_separate(request: HttpRequest, brand_id: PathId, payload: SeparateIn) -> Status[None]:
    """Two brands that are not the same: resolution never merges them again."""
    brand = _live_brand(request, brand_id)
    other = owned_rows(request, Brand, [payload.other], "other")[0]
    feedback.brand_separate(brand=brand, other=other, actor=key_actor(request))
    return Status(204, None)


@brands_router.post(
    "/{int:brand_id}/track",
    response={200: BrandDetail, **LIST_ERRORS},
    summary="Track a brand",
)
def brand_track(request: HttpRequest, brand_id: PathId) -> BrandDetail:
    brand = _live_brand(request, brand_id)
    watchlists.brand_track(brand=brand, actor=key_actor(request))
    return _brand_detail(_live_brand(request, brand_id))


@brands_router.post(
    "/{int:brand_id}/ignore",
    response={200: BrandDetail, **LIST_ERRORS},
    summary="Ignore a brand",
)
def brand_ignore(request: HttpRequest, brand_id: PathId) -> BrandDetail:
    """Its next mentions are not reported (past ones stay)."""
    brand = _live_brand(request, brand_id)
    watchlists.brand_ignore(brand=brand, actor=key_actor(request))
    return _brand_detail(_live_brand(request, brand_id))


@brands_router.post(
    "/{int:brand_id}/aliases",
    response={201: AliasOut, **LIST_ERRORS},
    summary="Add an alias",
)
def alias_add(request: HttpRequest, brand_id: PathId, payload: AliasIn) -> Status[AliasOut]:
    brand = _live_brand(request, brand_id)
    alias = feedback.brand_alias_add(brand=brand, alias=payload.alias, actor=key_actor(request))
    return Status(201, AliasOut(id=alias.pk, alias=alias.alias, source=alias.source))


@brands_router.delete(
    "/{int:brand_id}/aliases/{int:alias_id}",
    response={204: None, **LIST_ERRORS},
    summary="Remove an alias",
)
def alias_remove(request: HttpRequest, brand_id: PathId, alias_id: PathId) -> Status[None]:
    brand = _live_brand(request, brand_id)
    alias = get_object_for_request(
        request, BrandAlias.objects.select_related("brand"), pk=alias_id, brand=brand
    )
    feedback.brand_alias_remove(alias=alias, actor=key_actor(request))
    return Status(204, None)
