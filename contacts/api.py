"""API routers of the contacts app: the organization's contacts (people staff work with; not
discovery's unverified suggestions), their GDPR export and erasure. The same services as the
contact pages: duplicates and people erased on request are refused the same way. Email
drafts to them are composed, edited and marked sent as on the drafts drawer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import BaseModel

from accounts.tenancy import get_object_for_request, request_organization, scoped_queryset
from api.auth import ApiKeyAuth, key_actor
from api.errors import ApiError, ErrorResponse
from api.etag import detail_response
from api.pagination import ListQuery, Page, paginate
from api.params import Id, PathId, owned_rows
from contacts.models import BrandContact, ContactSource, DraftTemplate, DraftTone, EmailDraft
from contacts.selectors import ContactFilters, contacts_filtered
from contacts.services import contacts as contact_services
from contacts.services import drafting, transfer
from contacts.services.privacy import contact_erase
from contacts.services.privacy import contact_export as contact_export_service
from reports.models import Brand, Report

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


@router.post("", response={201: ContactOut, 409: ErrorResponse, **ERRORS}, summary="Add a contact")
def contact_create(request: HttpRequest, payload: ContactIn) -> Status[ContactOut]:
    """A duplicate (same email, or same name at the brand) or a person erased on request is a
    422 that says which."""
    contact = contact_services.contact_create(
        organization=request_organization(request),
        actor=key_actor(request),
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
    return Export(**contact_export_service(contact=contact, actor=key_actor(request)))


@router.post(
    "/{int:contact_id}/erase",
    response={200: ErasureOut, **ERRORS},
    summary="Erase a contact on request (GDPR)",
)
def contact_erase_api(request: HttpRequest, contact_id: PathId, payload: ErasureIn) -> ErasureOut:
    """Deletes the contact and its drafts; an audit entry keeps who, when and hashes of the
    person's identity (so discovery never suggests them again), never the person."""
    contact = get_object_for_request(request, _contacts(request), pk=contact_id)
    record = contact_erase(contact=contact, actor=key_actor(request), reason=payload.reason)
    return ErasureOut(erasure_id=record.pk, drafts_erased=record.drafts_erased)


# -- Import (CSV or XLSX, previewed first) -----------------------------------------------------


class ImportRow(BaseModel):
    number: int = Field(description="The row's line in the file (the header is line 1).")
    action: str = Field(description="new, update, skip or error")
    full_name: str
    brand: str
    email: str
    messages: list[str]


class ImportPreview(BaseModel):
    """What the file does, row by row. ``token`` (when the file can be imported) confirms it
    within an hour; ``committed`` says the rows were saved."""

    filename: str
    counts: dict[str, int]
    rows: list[ImportRow]
    errors: list[str] = Field(description="Problems with the file as a whole.")
    ignored_columns: list[str]
    token: str | None
    committed: bool


class ImportConfirm(Schema):
    model_config = {"extra": "forbid"}

    # The preview's token as it gave it (URL-safe base64); anything else never reaches the cache.
    token: str = Field(..., pattern=r"^[A-Za-z0-9_-]{1,100}$")


def _preview(preview: transfer.Preview) -> ImportPreview:
    return ImportPreview(
        filename=preview.filename,
        counts=preview.counts,
        rows=[
            ImportRow(
                number=row.number,
                action=row.action,
                full_name=row.full_name,
                brand=row.brand,
                email=row.email,
                messages=list(row.messages),
            )
            for row in preview.rows
        ],
        errors=preview.errors,
        ignored_columns=preview.ignored_columns,
        token=preview.token or None,
        committed=preview.committed,
    )


def _importer(request: HttpRequest):  # type: ignore[no-untyped-def]
    actor = key_actor(request)
    if actor is None:  # The preview is kept for the person who asked for it.
        raise ApiError(
            403, "forbidden", "This key's creator no longer exists; make a new key to import."
        )
    return actor


@router.post("/import", response={200: ImportPreview, **ERRORS}, summary="Preview an import")
def contact_import(request: HttpRequest, file: File[UploadedFile]) -> ImportPreview:
    """Upload a CSV or XLSX file (multipart, field ``file``; the contacts page's columns, up
    to 5 MB): nothing is saved yet. Confirm the preview's ``token`` to import every row, or
    none."""
    return _preview(
        transfer.contacts_import_preview(
            organization=request_organization(request), actor=_importer(request), file=file
        )
    )


@router.post(
    "/import/confirm", response={200: ImportPreview, **ERRORS}, summary="Confirm an import"
)
def contact_import_confirm(request: HttpRequest, payload: ImportConfirm) -> ImportPreview:
    """An expired or already used token is a 422; when a row fails now (the contacts changed
    since the preview) nothing is saved and ``committed`` is false."""
    return _preview(
        transfer.contacts_import_confirm(
            organization=request_organization(request),
            actor=_importer(request),
            token=payload.token,
        )
    )


# -- Email drafts (contacts scope) -------------------------------------------------------------

drafts_router = Router(auth=ApiKeyAuth("contacts"), tags=["drafts"])


class DraftOut(BaseModel):
    id: int
    contact_id: int
    report_id: int | None
    subject: str
    body: str
    template: str
    tone: str
    by_ai: bool = Field(description="Written by the language model (else from the template).")
    model: str
    generated_at: datetime
    sent: bool
    sent_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ComposedOut(DraftOut):
    notice: str = Field("", description="Why the template wrote it, when it did.")


class DraftQuery(ListQuery):
    contact: Id | None = None
    sent: bool | None = None


class DraftIn(Schema):
    """Compose a draft to a contact (the language model when configured, else the template)
    and save it; it cites ``report`` when given."""

    model_config = {"extra": "forbid"}

    contact: Id
    report: Id | None = None
    template: DraftTemplate = DraftTemplate.PITCH
    # None: the organization's default tone (Email templates and sender).
    tone: DraftTone | None = None


class DraftEdit(Schema):
    model_config = {"extra": "forbid"}

    subject: str = Field(..., min_length=1, max_length=300)
    body: str = Field(..., min_length=1, max_length=20_000)


def _draft(draft: EmailDraft) -> dict[str, Any]:
    return {
        "id": draft.pk,
        "contact_id": draft.contact_id,
        "report_id": draft.report_id,
        "subject": draft.subject,
        "body": draft.body,
        "template": draft.template,
        "tone": draft.tone,
        "by_ai": bool(draft.model),
        "model": draft.model,
        "generated_at": draft.generated_at,
        "sent": draft.sent,
        "sent_at": draft.sent_at,
        "created_at": draft.created_at,
        "updated_at": draft.updated_at,
    }


def _drafts(request: HttpRequest):  # type: ignore[no-untyped-def]
    return scoped_queryset(request, EmailDraft)


@drafts_router.get("", response={200: Page[DraftOut], **ERRORS}, summary="List email drafts")
def draft_list(request: HttpRequest, query: Query[DraftQuery]) -> Page[DraftOut]:
    """Newest first."""
    drafts = _drafts(request)
    if query.contact:
        drafts = drafts.filter(contact_id=query.contact)
    if query.sent is not None:
        drafts = drafts.filter(sent=query.sent)
    page, next_cursor = paginate(
        drafts, ("-created_at", "-id"), cursor=query.cursor, limit=query.limit, context="drafts"
    )
    return Page[DraftOut](items=[DraftOut(**_draft(d)) for d in page], next_cursor=next_cursor)


@drafts_router.get(
    "/{int:draft_id}", response={200: DraftOut, 304: None, **ERRORS}, summary="Get a draft"
)
def draft_detail(request: HttpRequest, draft_id: PathId) -> HttpResponse:
    draft = get_object_for_request(request, _drafts(request), pk=draft_id)
    return detail_response(request, DraftOut(**_draft(draft)))


@drafts_router.post("", response={201: ComposedOut, **ERRORS}, summary="Compose and save a draft")
def draft_create(request: HttpRequest, payload: DraftIn) -> Status[ComposedOut]:
    """A do-not-contact person, a suggestion, or another organization's contact or report is
    a 422 on its field."""
    contact = owned_rows(request, BrandContact, [payload.contact], "contact")[0]
    report = owned_rows(request, Report, [payload.report], "report")[0] if payload.report else None
    organization = request_organization(request)
    composed = drafting.draft_compose(
        organization=organization,
        contact=contact,
        report=report,
        template=payload.template,
        tone=payload.tone or contact_services.contact_settings_for(organization).default_tone,
        actor=key_actor(request),
    )
    draft = drafting.draft_save(
        draft=composed.draft,
        subject=composed.draft.subject,
        body=composed.draft.body,
        actor=key_actor(request),
    )
    return Status(201, ComposedOut(**_draft(draft), notice=composed.notice))


@drafts_router.patch("/{int:draft_id}", response={200: DraftOut, **ERRORS}, summary="Edit a draft")
def draft_edit(request: HttpRequest, draft_id: PathId, payload: DraftEdit) -> DraftOut:
    """A draft marked as sent stays as it was sent (422)."""
    draft = get_object_for_request(request, _drafts(request).select_related("contact"), pk=draft_id)
    draft = drafting.draft_save(
        draft=draft, subject=payload.subject, body=payload.body, actor=key_actor(request)
    )
    return DraftOut(**_draft(draft))


@drafts_router.post(
    "/{int:draft_id}/sent", response={200: DraftOut, **ERRORS}, summary="Mark a draft as sent"
)
def draft_sent(request: HttpRequest, draft_id: PathId) -> DraftOut:
    """Records that the email went out (the contact's last-contacted time too); twice changes
    nothing. The app sends no email itself."""
    draft = get_object_for_request(request, _drafts(request), pk=draft_id)
    return DraftOut(**_draft(drafting.draft_mark_sent(draft=draft)))


@drafts_router.delete("/{int:draft_id}", response={204: None, **ERRORS}, summary="Delete a draft")
def draft_delete(request: HttpRequest, draft_id: PathId) -> Status[None]:
    drafting.draft_delete(draft=get_object_for_request(request, _drafts(request), pk=draft_id))
    return Status(204, None)
