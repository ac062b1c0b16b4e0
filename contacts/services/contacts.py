"""Create, edit and deduplicate contacts; promote a discovery suggestion to a contact."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Organization
from accounts.quotas import quota_check
from contacts.identity import hashed_forms, identity_keys, normalize_email, normalize_name
from contacts.models import BrandContact, ContactSettings, ContactSource, ErasureRecord
from reports.models import Brand

# The fields a user (or an import) sets; everything else is provenance or bookkeeping.
EDITABLE_FIELDS = (
    "brand",
    "full_name",
    "title",
    "email",
    "phone",
    "linkedin_url",
    "company",
    "notes",
    "verified",
    "do_not_contact",
    "lawful_basis",
)


@dataclass(frozen=True)
class Duplicate:
    """An existing contact the new data matches, and by what."""

    contact: BrandContact
    reason: str  # "email" or "name"

    @property
    def message(self) -> str:
        if self.reason == "email":
            return f"{self.contact.full_name} already has the email {self.contact.email}."
        return f"{self.contact.full_name} is already a contact at {self.contact.brand.name}."


class DuplicateContact(ValidationError):
    """Raised with the contact it duplicates, so a page can offer to open it."""

    def __init__(self, duplicate: Duplicate) -> None:
        field = "email" if duplicate.reason == "email" else "full_name"
        super().__init__({field: duplicate.message})
        self.duplicate = duplicate


def contact_settings_for(organization: Organization) -> ContactSettings:
    settings_row, _ = ContactSettings.objects.get_or_create(organization=organization)
    return settings_row


def find_duplicate(
    *,
    organization: Organization,
    email: str,
    full_name: str,
    brand: Brand | None,
    exclude: Iterable[int] = (),
    suggested: bool | None = False,
) -> Duplicate | None:
    """The contact this data would duplicate: same email, else same name at the same brand.

    ``suggested`` narrows the search: False (the default) looks at contacts only, True at
    suggestions only, None at both."""
    rows = BrandContact.objects.filter(organization=organization).exclude(pk__in=list(exclude))
    if suggested is not None:
        rows = rows.filter(suggested=suggested)
    rows = rows.select_related("brand")
    if email.strip():
        match = rows.filter(email__iexact=normalize_email(email)).first()
        if match:
            return Duplicate(match, "email")
    if brand is not None and full_name.strip():
        wanted = normalize_name(full_name)
        # Few contacts per brand: compare normalized names in Python (accents, spacing).
        for candidate in rows.filter(brand=brand):
            if normalize_name(candidate.full_name) == wanted:
                return Duplicate(candidate, "name")
    return None


class Erasures:
    """One organization's erasures (data-subject requests), loaded once and looked up by a
    person's identity keys. Someone erased on request is never added again, whatever the
    path (discovery, import, a hand-typed add): the request outlives the record it removed.
    Build one per import or discovery run rather than one per row."""

    def __init__(self, organization: Organization) -> None:
        self.by_key: dict[str, ErasureRecord] = {}
        for record in ErasureRecord.objects.filter(organization=organization):
            for key in record.subject_keys or []:
                self.by_key[str(key)] = record

    def of(self, *, email: str, full_name: str, brand: Brand | None) -> ErasureRecord | None:
        """The newest erasure of this person, by email or by name at the brand."""
        keys = identity_keys(
            email=email, full_name=full_name, brand_id=brand.pk if brand is not None else None
        )
        found = [
            self.by_key[hashed]
            for key in keys
            for hashed in hashed_forms(key)
            if hashed in self.by_key
        ]
        return max(found, key=lambda record: (record.erased_at, record.pk), default=None)


def erasure_of(
    *, organization: Organization, email: str, full_name: str, brand: Brand | None
) -> ErasureRecord | None:
    """The erasure of one person (see :class:`Erasures`)."""
    return Erasures(organization).of(email=email, full_name=full_name, brand=brand)


class ErasedPerson(ValidationError):
    def __init__(self, record: ErasureRecord) -> None:
        super().__init__(
            f"This person was erased on request on {record.erased_at:%d %b %Y} (erasure "
            f"#{record.pk}) and cannot be added again."
        )
        self.record = record


def _check_brand(organization: Organization, brand: Brand) -> None:
    if brand.organization_id != organization.pk:
        raise ValidationError({"brand": "Choose one of this organization's brands."})
    if brand.merged_into_id:
        raise ValidationError({"brand": f"{brand.name} was merged into another brand."})


def _clean(contact: BrandContact) -> None:
    contact.full_name = contact.full_name.strip()
    contact.email = normalize_email(contact.email)
    contact.phone = contact.phone.strip()
    # Model validation covers email/URL shapes; the unique email is checked by find_duplicate.
    contact.full_clean(exclude=["organization", "brand", "created_by"], validate_unique=False)


@transaction.atomic
def contact_create(
    *,
    organization: Organization,
    actor: AbstractBaseUser | None,
    brand: Brand,
    source: str = ContactSource.MANUAL,
    source_url: str = "",
    **values: object,
) -> BrandContact:
    """A new contact; raises :class:`DuplicateContact` when it matches an existing one."""
    _check_brand(organization, brand)
    quota_check(organization, "contacts")
    contact = BrandContact(
        organization=organization,
        brand=brand,
        created_by=actor,
        source=source,
        source_url=source_url,
        **{field: value for field, value in values.items() if field in EDITABLE_FIELDS},
    )
    _clean(contact)
    duplicate = find_duplicate(
        organization=organization, email=contact.email, full_name=contact.full_name, brand=brand
    )
    if duplicate:
        raise DuplicateContact(duplicate)
    erased = erasure_of(
        organization=organization, email=contact.email, full_name=contact.full_name, brand=brand
    )
    if erased:
        raise ErasedPerson(erased)
    contact.save()
    return contact


@transaction.atomic
def contact_update(
    *, contact: BrandContact, brand: Brand | None = None, **values: object
) -> BrandContact:
    brand = brand or contact.brand
    _check_brand(contact.organization, brand)
    values["brand"] = brand
    changed = [field for field in EDITABLE_FIELDS if field in values]
    for field in changed:
        setattr(contact, field, values[field])
    _clean(contact)
    duplicate = find_duplicate(
        organization=contact.organization,
        email=contact.email,
        full_name=contact.full_name,
        brand=brand,
        exclude=[contact.pk],
        suggested=None if contact.suggested else False,
    )
    if duplicate and not duplicate.contact.suggested:
        raise DuplicateContact(duplicate)
    contact.save(update_fields=[*changed, "updated_at"])
    return contact


@transaction.atomic
def suggestion_delete(*, suggestion: BrandContact) -> None:
    """Remove an unverified suggestion (it would expire anyway; discovery may find it again).

    A contact is never deleted this way: it is erased (``contacts.services.privacy``), by an
    owner or admin with a reason, so its removal leaves an audit entry and the fingerprint
    that keeps the person from being added again (issue #17, item 8)."""
    if not suggestion.suggested:
        raise ValidationError(
            f"{suggestion.full_name} is a contact: an owner or admin can erase it, not delete it."
        )
    suggestion.delete()


@transaction.atomic
def suggestion_import(
    *, suggestion: BrandContact, actor: AbstractBaseUser | None
) -> tuple[BrandContact, bool]:
    """Promote a suggestion to a contact; (contact, created).

    When the person is already a contact (same email, or same name at the brand), the
    suggestion's new facts fill that contact's empty fields and the suggestion is removed:
    one person, one record."""
    if not suggestion.suggested:
        raise ValidationError(f"{suggestion.full_name} is already a contact.")
    erased = erasure_of(
        organization=suggestion.organization,
        email=suggestion.email,
        full_name=suggestion.full_name,
        brand=suggestion.brand,
    )
    if erased:
        raise ErasedPerson(erased)
    duplicate = find_duplicate(
        organization=suggestion.organization,
        email=suggestion.email,
        full_name=suggestion.full_name,
        brand=suggestion.brand,
        exclude=[suggestion.pk],
    )
    if duplicate:
        existing = duplicate.contact
        filled = [
            field
            for field in ("title", "email", "phone", "linkedin_url", "company")
            if not getattr(existing, field) and getattr(suggestion, field)
        ]
        for field in filled:
            setattr(existing, field, getattr(suggestion, field))
        if not existing.source_url and suggestion.source_url:
            existing.source_url = suggestion.source_url
            filled.append("source_url")
        suggestion.delete()
        existing.save(update_fields=[*filled, "updated_at"])
        return existing, False
    # A suggestion is not counted; the contact it becomes is.
    quota_check(suggestion.organization, "contacts")
    suggestion.suggested = False
    suggestion.expires_at = None
    suggestion.created_by = actor
    suggestion.save(update_fields=["suggested", "expires_at", "created_by", "updated_at"])
    return suggestion, True


@transaction.atomic
def contact_mark_contacted(*, contact: BrandContact, at: datetime | None = None) -> BrandContact:
    contact.last_contacted_at = at or timezone.now()
    contact.save(update_fields=["last_contacted_at", "updated_at"])
    return contact


def suggestion_expiry(organization: Organization) -> datetime:
    days = contact_settings_for(organization).suggestion_retention_days
    return timezone.now() + timedelta(days=days)


def suggestions_expire(*, now: datetime | None = None) -> int:
    """Erase every suggestion past its retention time (imported contacts have no expiry)."""
    expired = BrandContact.objects.filter(suggested=True, expires_at__lte=now or timezone.now())
    _, per_model = expired.delete()
    return per_model.get(BrandContact._meta.label, 0)
