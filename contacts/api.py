"""API router of the contacts app: the organization's contacts (people staff work with; not
discovery's unverified suggestions), their GDPR export and erasure. The same services as the
contact pages: duplicates and people erased on request are refused the same way."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from pydantic import BaseModel

from accounts.tenancy import get_object_for_request, request_organization, scoped_queryset
from api.auth import ApiKeyAuth
from api.errors import ApiError, ErrorResponse
from api.etag import detail_response
from api.pagination import ListQuery, Page, paginate
from api.params import Id, PathId, owned_rows
from contacts.models import BrandContact, ContactSource
from contacts.selectors import ContactFilters, contacts_filtered
from contacts.services import contacts as contact_services
from contacts.services.privacy import contact_erase, contact_export_data
from reports.models import Brand

router = Router(auth=ApiKeyAuth("contacts"), tags=["contacts"])
ERRORS = {
    400: ErrorResponse,
    401: ErrorResponse,
    403: ErrorResponse,
    404: ErrorResponse,
    422: ErrorResponse,
    429: ErrorResponse,
}


class ContactOut(BaseModel):
    id: int
    brand_id: int
    brand_name: str
    full_name: str
    title: str
    email: str
    phone: str
    linkedin_url: str
    company: str
    notes: str
    verified: bool
    do_not_contact: bool
    lawful_basis: str
    source: str
    source_url: str
    last_contacted_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ContactQuery(ListQuery):
    q: str = Field("", max_length=200, description="Words in the name, title, email, brand.")
    brand: Id | None = None
    source: ContactSource | None = None
    verified: bool | None = None
    do_not_contact: bool | None = None


class ContactFields(Schema):
    model_config = {"extra": "forbid"}

    brand: Id | None = None
    full_name: str | None = Field(None, min_length=1, max_length=200)
    title: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=40)
    linkedin_url: str | None = Field(None, max_length=500)
    company: str | None = Field(None, max_length=200)
    notes: str | None = Field(None, max_length=5000)
    verified: bool | None = None
    do_not_contact: bool | None = None
    lawful_basis: str | None = Field(None, max_length=300)


class ContactIn(ContactFields):
    brand: Id
    full_name: str = Field(..., min_length=1, max_length=200)


class ErasureIn(Schema):
    model_config = {"extra": "forbid"}

    reason: str = Field("", max_length=500, description="Why (kept without personal data).")


class ErasureOut(BaseModel):
    erasure_id: int
    drafts_erased: int


class Export(BaseModel):
    """Everything held about the person (GDPR access request): fields, provenance, drafts."""

    exported_at: str
    organization: str
    contact: dict[str, Any]
    provenance: dict[str, Any]
    drafts: list[dict[str, Any]]


def _contacts(request: HttpRequest):  # type: ignore[no-untyped-def]
    return scoped_queryset(request, BrandContact).contacts().select_related("brand")


def _out(contact: BrandContact) -> ContactOut:
    return ContactOut(
        id=contact.pk,
        brand_id=contact.brand_id,
        brand_name=contact.brand.name,
        **{
            name: getattr(contact, name)
            for name in ContactOut.model_fields
            if name not in ("id", "brand_id", "brand_name")
        },
    )


def _values(payload: ContactFields, request: HttpRequest) -> dict[str, object]:
    values = payload.model_dump(exclude_unset=True)
    for name, value in list(values.items()):
        if value is None:
            raise ApiError(
                422,
                "invalid_input",
                f"{name} cannot be null.",
                details=[{"field": name, "message": "Give a value or leave the field out."}],
            )
    if "brand" in values:
        values["brand"] = owned_rows(request, Brand, [values["brand"]], "brand")[0]
    return values


def _actor(request: HttpRequest):  # type: ignore[no-untyped-def]
    return request.api_key.created_by  # type: ignore[attr-defined]


@router.get("", response={200: Page[ContactOut], **ERRORS}, summary="List contacts")
def contact_list(request: HttpRequest, query: Query[ContactQuery]) -> Page[ContactOut]:
    """By name; the contacts page's search and filters."""
    contacts = contacts_filtered(
        _contacts(request),
        ContactFilters(
            q=query.q.strip(),
            brand_id=query.brand,
            source=query.source or "",
            verified=query.verified,
            do_not_contact=query.do_not_contact,
        ),
    )
    page, next_cursor = paginate(
        contacts, ("full_name", "id"), cursor=query.cursor, limit=query.limit, context="contacts"
    )
    return Page[ContactOut](items=[_out(c) for c in page], next_cursor=next_cursor)


@router.get(
    "/{int:contact_id}", response={200: ContactOut, 304: None, **ERRORS}, summary="Get a contact"
)
def contact_detail(request: HttpRequest, contact_id: PathId) -> HttpResponse:
    return detail_response(
        request, _out(get_object_for_request(request, _contacts(request), pk=contact_id))
    )


@router.post("", response={201: ContactOut, **ERRORS}, summary="Add a contact")
def contact_create(request: HttpRequest, payload: ContactIn) -> Status[ContactOut]:
    """A duplicate (same email, or same name at the brand) or a person erased on request is a
    422 that says which."""
    contact = contact_services.contact_create(
        organization=request_organization(request),
        actor=_actor(request),
        **_values(payload, request),
    )
    return Status(201, _out(contact))


@router.patch("/{int:contact_id}", response={200: ContactOut, **ERRORS}, summary="Change a contact")
def contact_update(request: HttpRequest, contact_id: PathId, payload: ContactFields) -> ContactOut:
    """Only the fields sent change."""
    contact = get_object_for_request(request, _contacts(request), pk=contact_id)
    contact = contact_services.contact_update(contact=contact, **_values(payload, request))
    return _out(contact)


@router.get(
    "/{int:contact_id}/export",
    response={200: Export, **ERRORS},
    summary="Export everything held about a contact (GDPR)",
)
def contact_export(request: HttpRequest, contact_id: PathId) -> Export:
    contact = get_object_for_request(
        request,
        _contacts(request).select_related("created_by", "organization"),
        pk=contact_id,
    )
    return Export(**contact_export_data(contact=contact))


@router.post(
    "/{int:contact_id}/erase",
    response={200: ErasureOut, **ERRORS},
    summary="Erase a contact on request (GDPR)",
)
def contact_erase_api(request: HttpRequest, contact_id: PathId, payload: ErasureIn) -> ErasureOut:
    """Deletes the contact and its drafts; an audit entry keeps who, when and hashes of the
    person's identity (so discovery never suggests them again), never the person."""
    contact = get_object_for_request(request, _contacts(request), pk=contact_id)
    record = contact_erase(contact=contact, actor=_actor(request), reason=payload.reason)
    return ErasureOut(erasure_id=record.pk, drafts_erased=record.drafts_erased)
