"""CSV/XLSX import (preview, all-or-nothing confirm, refused files) and export of contacts,
through the services and the pages."""

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contacts.models import BrandContact, ContactSource
from contacts.services.transfer import (
    MAX_ROWS,
    contacts_export,
    contacts_import_confirm,
    contacts_import_preview,
)
from reports.models import BrandAlias
from reports.normalize import normalize_brand
from tests.contacts.builders import make_brand, make_contact, make_suggestion

pytestmark = pytest.mark.django_db

HEADER = "brand,full_name,title,email,phone,linkedin_url,company,notes,verified,do_not_contact,lawful_basis\n"


def upload(text: str | bytes, name: str = "contacts.csv") -> SimpleUploadedFile:
    data = text.encode() if isinstance(text, str) else text
    return SimpleUploadedFile(name, data)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def preview(org, user, text, name="contacts.csv", format=None):
    return contacts_import_preview(
        organization=org, actor=user, file=upload(text, name), format=format
    )


def fields_of(contact: BrandContact) -> dict:
    return {
        name: getattr(contact, name)
        for name in (
            "brand_id",
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
    }


@pytest.fixture
def acme(org_a):
    return make_brand(org_a, "Acme")


def test_a_clean_file_previews_then_imports_new_contacts_with_source_import(org_a, alice, acme):
    text = HEADER + (
        "Acme,Jane Doe,Head of PR,Jane@Acme.example,+44 20 7946 0958,"
        "https://www.linkedin.com/in/jane-doe/,Acme,met at fair,yes,no,legitimate interest\n"
    )

    result = preview(org_a, alice, text)

    assert result.ok and result.counts == {"new": 1, "update": 0, "skip": 0, "error": 0}
    assert not BrandContact.objects.exists()  # The preview saved nothing.

    done = contacts_import_confirm(organization=org_a, actor=alice, token=result.token)

    assert done.committed
    jane = BrandContact.objects.get()
    assert (jane.organization, jane.brand, jane.email) == (org_a, acme, "jane@acme.example")
    assert (jane.source, jane.created_by, jane.verified, jane.suggested) == (
        ContactSource.IMPORT,
        alice,
        True,
        False,
    )
