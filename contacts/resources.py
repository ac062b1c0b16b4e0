"""The spreadsheet shape of contacts (django-import-export), for the app's import/export pages
and the admin. One resource instance works for one organization: brands are named in files
and resolved against that organization's live brands and their aliases, and rows are matched
to that organization's contacts only."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.urls import reverse
from import_export import fields, widgets

from accounts.models import Organization
from accounts.quotas import quota_limit, quota_used
from contacts.identity import normalize_email
from contacts.models import BrandContact, ContactSource
from contacts.services.contacts import EDITABLE_FIELDS, Erasures, find_duplicate
from marketing_hunting.spreadsheets import FormulaSafeResource
from reports.models import Brand, BrandAlias
from reports.normalize import normalize_brand

# The columns of a file are the fields a user sets (the same as the contact form's).
IMPORT_COLUMNS = EDITABLE_FIELDS
EXPORT_ONLY_COLUMNS = ("source", "source_url", "created_at", "last_contacted_at")
REQUIRED_COLUMNS = ("brand", "full_name")


class BrandLookup:
    """An organization's live brands by normalized name and alias, loaded once per file."""

    def __init__(self, organization: Organization) -> None:
        live = Brand.objects.filter(organization=organization, merged_into__isnull=True)
        self.by_key: dict[str, Brand] = {brand.key: brand for brand in live}
        by_pk = {brand.pk: brand for brand in self.by_key.values()}
        aliases = BrandAlias.objects.filter(organization=organization).values_list(
            "normalized", "brand_id"
        )
        self.by_alias = {key: by_pk[pk] for key, pk in aliases if pk in by_pk}
        # A merged brand's old name still means the brand it was merged into.
        merged = Brand.objects.filter(organization=organization, merged_into__isnull=False)
        self.by_merged = {
            brand.key: by_pk[brand.merged_into_id]
            for brand in merged
            if brand.merged_into_id in by_pk
        }

    def find(self, name: str) -> Brand | None:
        key = normalize_brand(name)
        if not key:
            return None
        return self.by_key.get(key) or self.by_alias.get(key) or self.by_merged.get(key)


class BrandNameWidget(widgets.ForeignKeyWidget):
    """The brand column: a name (or alias) in, the brand's name out.

    An unknown name is a row error rather than a new brand: a typo ("Acme Corp" for
    "ACME") would otherwise add a second brand that news mentions never resolve to."""

    def __init__(self, lookup: BrandLookup | None) -> None:
        super().__init__(Brand, field="name")
        self.lookup = lookup

    def clean(self, value: Any, row: dict | None = None, **kwargs: Any) -> Brand:
        name = str(value or "").strip()
        if not name:
            raise ValueError("Enter the brand's name.")
        brand = self.lookup.find(name) if self.lookup else None
        if brand is None:
            raise ValueError(
                f"Unknown brand “{name}”: add it first (Brands → Add brand, "
                f"{reverse('brands:add')}), or use the name or an alias of a brand you track."
            )
        return brand

    def render(self, value: Brand | None, obj: object = None, **kwargs: Any) -> str:
        return value.name if value else ""


class YesNoWidget(widgets.Widget):
    """yes/no in files; also reads true/false, 1/0, y/n, x; an empty cell is "no"."""

    TRUE = {"yes", "y", "true", "1", "x"}
    FALSE = {"no", "n", "false", "0", ""}

    def clean(self, value: Any, row: dict | None = None, **kwargs: Any) -> bool:
        if isinstance(value, bool):
            return value
        text = str(value if value is not None else "").strip().casefold()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValueError(f"Write yes or no (not “{value}”).")

    def render(self, value: Any, obj: object = None, **kwargs: Any) -> str:
        return "yes" if value else "no"


class TextWidget(widgets.CharWidget):
    """Empty cells become "" (never "None"), surrounding spaces are dropped."""

    def clean(self, value: Any, row: dict | None = None, **kwargs: Any) -> str:
        return "" if value is None else str(value).strip()


def _text(name: str) -> fields.Field:
    return fields.Field(attribute=name, column_name=name, widget=TextWidget())


def _yes_no(name: str) -> fields.Field:
    return fields.Field(attribute=name, column_name=name, widget=YesNoWidget())


def _export_only(name: str, widget: widgets.Widget | None = None) -> fields.Field:
    return fields.Field(
        attribute=name, column_name=name, widget=widget or TextWidget(), readonly=True
    )


class BrandContactResource(FormulaSafeResource):
    brand = fields.Field(attribute="brand", column_name="brand", widget=BrandNameWidget(None))
    full_name = _text("full_name")
    title = _text("title")
    email = _text("email")
    phone = _text("phone")
    linkedin_url = _text("linkedin_url")
    company = _text("company")
    notes = _text("notes")
    verified = _yes_no("verified")
    do_not_contact = _yes_no("do_not_contact")
    lawful_basis = _text("lawful_basis")
    source = _export_only("source")
    source_url = _export_only("source_url")
    created_at = _export_only("created_at", widgets.DateTimeWidget("%Y-%m-%d %H:%M:%S"))
    last_contacted_at = _export_only(
        "last_contacted_at", widgets.DateTimeWidget("%Y-%m-%d %H:%M:%S")
    )

    class Meta:
        model = BrandContact
        fields = (*IMPORT_COLUMNS, *EXPORT_ONLY_COLUMNS)
        export_order = (*IMPORT_COLUMNS, *EXPORT_ONLY_COLUMNS)
        import_id_fields: tuple[str, ...] = ()  # Matching is ours: see get_instance.
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def __init__(
        self,
        *,
        organization: Organization | None = None,
        actor: AbstractBaseUser | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.target_organization = organization
        self.actor = actor if actor is not None and actor.is_authenticated else None
        lookup = BrandLookup(organization) if organization else None
        self.fields["brand"].widget = BrandNameWidget(lookup)
        self.notes_by_row: dict[int, str] = {}
        self.erasures = Erasures(organization) if organization else None
        self.contacts_limit: int | None = None  # Set by before_import, from the plan.
        self.contacts_count = 0

    def get_queryset(self) -> QuerySet[BrandContact]:
        rows = BrandContact.objects.contacts().select_related("brand")
        if self.target_organization is None:
            return rows.none()
        return rows.filter(organization=self.target_organization).order_by("full_name", "id")

    def filter_export(self, queryset: QuerySet[BrandContact], **kwargs: Any) -> QuerySet:
        # Whoever exports (the app's page or the admin's, with any admin filter), a file of
        # contacts never carries unverified suggestions: nobody chose to work with them yet.
        return queryset.filter(suggested=False)

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        if self.target_organization is None:
            raise ValidationError("Choose the organization to import the contacts into.")
        # The plan's limit: rows past it are skipped with the reason (the file's first rows
        # are imported up to the limit), never an error that would refuse the whole file.
        fresh = Organization.objects.select_related("plan").get(pk=self.target_organization.pk)
        self.contacts_limit = quota_limit(fresh, "contacts")
        self.contacts_count = quota_used(fresh, "contacts")

    def get_instance(self, instance_loader: Any, row: dict) -> BrandContact | None:
        """The contact this row is: same email, else same name at the same brand; a
        suggestion of the same person becomes that contact."""
        email = str(row.get("email") or "").strip()
        full_name = str(row.get("full_name") or "").strip()
        try:
            brand = self.fields["brand"].widget.clean(row.get("brand"))
        except ValueError:
            brand = None  # Reported as the row's error by import_instance.
        for suggested in (False, True):
            duplicate = find_duplicate(
                organization=self.target_organization,
                email=email,
                full_name=full_name,
                brand=brand,
                suggested=suggested,
            )
            if duplicate:
                return duplicate.contact
        return None

    def init_instance(self, row: dict | None = None) -> BrandContact:
        return BrandContact(
            organization=self.target_organization,
            source=ContactSource.IMPORT,
            created_by=self.actor,
        )

    def import_instance(self, instance: BrandContact, row: dict, **kwargs: Any) -> None:
        errors: dict[str, Any] = {}
        asked_not_to_be_contacted = instance.pk is not None and instance.do_not_contact
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if asked_not_to_be_contacted and not instance.do_not_contact:
            # An empty or "no" cell (an old spreadsheet, a column left blank) must not
            # quietly put someone who asked not to be contacted back on the list.
            instance.do_not_contact = True
            self.notes_by_row[kwargs.get("row_number", 0)] = (
                "Stays do-not-contact: a file cannot lift that; edit the contact to do so."
            )
        instance.email = normalize_email(instance.email)
        # Field shapes (email, phone, LinkedIn URL) are checked by full_clean afterwards
        # (clean_model_instances), with the model's validators.
        if instance.pk is None and self.erasures is not None:
            erased = self.erasures.of(
                email=instance.email,
                full_name=instance.full_name,
                brand=instance.brand if instance.brand_id else None,
            )
            if erased:  # As discovery and the contact form: an erased person stays erased.
                instance.erased_on_request = True  # skip_row skips it
                self.notes_by_row[kwargs.get("row_number", 0)] = (
                    f"Skipped: this person was erased on request (erasure #{erased.pk})."
                )
                return
        if (instance.pk is None or instance.suggested) and self._over_quota(row):
            instance.over_quota = True  # skip_row skips it
            self.notes_by_row[kwargs.get("row_number", 0)] = (
                f"Skipped: your plan allows {self.contacts_limit} contacts; "
                f"you have {self.contacts_count}."
            )
            return
        if instance.suggested:
            # Importing a suggested person makes them a contact, as "Import contact" does.
            instance.suggested = False
            instance.expires_at = None
            self.notes_by_row[kwargs.get("row_number", 0)] = "Was a suggestion: becomes a contact."
        if errors:
            raise ValidationError(errors)

    def _over_quota(self, row: dict) -> bool:
        """Whether one more contact would pass the plan; counts it when it fits."""
        if all(str(value or "").strip() == "" for value in row.values()):
            return False  # A blank line is skipped, not a contact.
        if self.contacts_limit is not None and self.contacts_count >= self.contacts_limit:
            return True
        self.contacts_count += 1
        return False

    def skip_row(
        self,
        instance: BrandContact,
        original: BrandContact | None,
        row: dict,
        import_validation_errors: dict | None = None,
    ) -> bool:
        if all(str(value or "").strip() == "" for value in row.values()):
            return True  # Blank lines between rows (common in spreadsheets) are not errors.
        if getattr(instance, "erased_on_request", False) or getattr(instance, "over_quota", False):
            return True
        if original is not None and original.suggested and not instance.suggested:
            return False
        return super().skip_row(instance, original, row, import_validation_errors)


class AdminBrandContactResource(BrandContactResource):
    """The admin exports every organization's rows at once, so it names the organization."""

    organization = fields.Field(
        attribute="organization",
        column_name="organization",
        widget=widgets.ForeignKeyWidget(Organization, field="slug"),
        readonly=True,
    )

    class Meta(BrandContactResource.Meta):
        fields = ("organization", *IMPORT_COLUMNS, *EXPORT_ONLY_COLUMNS)
        export_order = ("organization", *IMPORT_COLUMNS, *EXPORT_ONLY_COLUMNS)
