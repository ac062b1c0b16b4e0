"""The contacts admin: pages load, the import asks for the organization and imports into it,
actions go through the services, and the audit records cannot be edited."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from import_export.formats.base_formats import CSV

from contacts.models import BrandContact, ContactSource, EmailDraft, ErasureRecord
from contacts.services.privacy import contact_erase
from tests.contacts.builders import make_brand, make_contact, make_suggestion

pytestmark = pytest.mark.django_db

CSV_FILE = (
    "brand,full_name,title,email,verified,do_not_contact\n"
    "Acme Corp,Jane Doe,Head of PR,jane@acme.example,yes,no\n"
)


@pytest.fixture
def ops(client_for):
    return client_for(User.objects.create_superuser("ops", "ops@example.com", "x"))


def csv_format_index() -> str:
    formats = admin.site._registry[BrandContact].get_import_formats()
    return str(next(i for i, f in enumerate(formats) if issubclass(f, CSV)))


@pytest.mark.parametrize(
    "model",
    [
        "brandcontact",
        "emaildraft",
        "emailtemplate",
        "contactsettings",
        "discoveryrun",
        "erasurerecord",
    ],
)
def test_every_contacts_changelist_loads(ops, org_a, model):
    acme = make_brand(org_a, "Acme")
    make_contact(acme, "Jane Doe")
    make_suggestion(acme, "Sam Lee")

    response = ops.get(reverse(f"admin:contacts_{model}_changelist"))

    assert response.status_code == 200


def test_the_admin_import_asks_for_the_organization_and_imports_into_it(ops, org_a, org_b):
    acme_a = make_brand(org_a, "Acme Corp")
    make_brand(org_b, "Acme Corp")
    upload = SimpleUploadedFile("contacts.csv", CSV_FILE.encode())

    form = ops.get(reverse("admin:contacts_brandcontact_import"))
    assert b'name="organization"' in form.content
    preview = ops.post(
        reverse("admin:contacts_brandcontact_import"),
        {"organization": org_a.pk, "import_file": upload, "format": csv_format_index()},
    )
    assert preview.status_code == 200
    confirm = preview.context["confirm_form"]
    assert confirm is not None and not BrandContact.objects.exists()
    done = ops.post(
        reverse("admin:contacts_brandcontact_process_import"),
        {name: confirm.initial[name] for name in confirm.initial},
    )

    assert done.status_code == 302
    jane = BrandContact.objects.get()
    assert (jane.organization, jane.brand, jane.source) == (org_a, acme_a, ContactSource.IMPORT)
    assert jane.verified is True


def test_the_admin_import_shows_row_errors_and_offers_no_confirmation(ops, org_a):
    make_brand(org_a, "Acme Corp")
    bad = CSV_FILE + "Unknown Brand,Joe,,joe@x.example,no,no\n"

    preview = ops.post(
        reverse("admin:contacts_brandcontact_import"),
        {
            "organization": org_a.pk,
            "import_file": SimpleUploadedFile("c.csv", bad.encode()),
            "format": csv_format_index(),
        },
    )

    assert preview.status_code == 200
    assert "confirm_form" not in preview.context
    assert "Unknown brand" in preview.content.decode()
    assert not BrandContact.objects.exists()


def test_the_erase_action_asks_for_a_reason_then_erases_through_the_service(ops, org_a):
    jane = make_contact(make_brand(org_a, "Acme"), "Jane Doe", email="jane@acme.example")
    url = reverse("admin:contacts_brandcontact_changelist")
    selection = {"action": "erase", "_selected_action": [jane.pk]}

    confirm = ops.post(url, selection)
    assert confirm.status_code == 200 and b"Do not type the person" in confirm.content
    assert BrandContact.objects.filter(pk=jane.pk).exists()

    done = ops.post(url, {**selection, "confirm": "yes", "reason": "Request from Jane Doe"})

    assert done.status_code == 302
    assert not BrandContact.objects.filter(pk=jane.pk).exists()
    record = ErasureRecord.objects.get()
    assert record.contact_ref == jane.pk and record.reason == "Request from [removed]"


def test_mark_verified_goes_through_the_contact_service(ops, org_a):
    jane = make_contact(make_brand(org_a, "Acme"), "Jane Doe")

    ops.post(
        reverse("admin:contacts_brandcontact_changelist"),
        {"action": "mark_verified", "_selected_action": [jane.pk]},
    )

    jane.refresh_from_db()
    assert jane.verified is True


def test_a_bulk_action_reports_the_contacts_it_could_not_update_and_does_the_rest(ops, org_a):
    acme = make_brand(org_a, "Acme")
    jane = make_contact(acme, "Jane Doe")
    # Older rows the rules now refuse: the same person twice at one brand.
    make_contact(acme, "Sam Lee")
    broken = make_contact(acme, "Sam  Lee")

    response = ops.post(
        reverse("admin:contacts_brandcontact_changelist"),
        {"action": "mark_verified", "_selected_action": [jane.pk, broken.pk]},
        follow=True,
    )

    assert response.status_code == 200
    text = response.content.decode()
    assert "1 contacts updated." in text
    assert f"Sam  Lee (#{broken.pk}): Sam Lee is already a contact at Acme." in text
    jane.refresh_from_db()
    broken.refresh_from_db()
    assert (jane.verified, broken.verified) == (True, False)


def test_erasure_records_cannot_be_added_changed_or_deleted(ops, org_a):
    jane = make_contact(make_brand(org_a, "Acme"), "Jane Doe")
    record = contact_erase(contact=jane, actor=None, reason="DSR")

    assert ops.get(reverse("admin:contacts_erasurerecord_add")).status_code == 403
    view = ops.get(reverse("admin:contacts_erasurerecord_change", args=[record.pk]))
    assert view.status_code == 200 and b'name="reason"' not in view.content
    assert (
        ops.post(reverse("admin:contacts_erasurerecord_delete", args=[record.pk])).status_code
        == 403
    )
    assert ErasureRecord.objects.filter(pk=record.pk).exists()


def test_the_admin_form_checks_phone_and_linkedin_shapes(ops, org_a):
    acme = make_brand(org_a, "Acme")

    response = ops.post(
        reverse("admin:contacts_brandcontact_add"),
        {
            "organization": org_a.pk,
            "brand": acme.pk,
            "full_name": "Jane Doe",
            "phone": "call me",
            "linkedin_url": "https://www.linkedin.com/company/acme",
            "source": ContactSource.MANUAL,
        },
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "phone" in errors and "linkedin_url" in errors
    assert not BrandContact.objects.exists()


def test_the_admin_export_names_each_rows_organization(ops, org_a, org_b):
    make_contact(make_brand(org_a, "Acme"), "Jane Doe")
    make_contact(make_brand(org_b, "Globex"), "Hank Scorpio")
    contact_admin = admin.site._registry[BrandContact]
    formats = contact_admin.get_export_formats()
    index = next(i for i, f in enumerate(formats) if f is CSV)
    resource = contact_admin.get_export_resource_classes(None)[0]
    fields = {
        f"{resource.__name__.lower()}_{name}": "on"
        for name in resource(organization=None).get_export_order()
    }

    response = ops.post(
        reverse("admin:contacts_brandcontact_export"), {"format": index, "resource": 0, **fields}
    )

    assert response.status_code == 200
    text = response.content.decode()
    assert text.splitlines()[0].startswith("organization,brand,full_name")
    assert "organization-a,Acme,Jane Doe" in text and "organization-b,Globex,Hank Scorpio" in text


def admin_export_csv(ops) -> str:
    contact_admin = admin.site._registry[BrandContact]
    formats = contact_admin.get_export_formats()
    index = next(i for i, f in enumerate(formats) if f is CSV)
    resource = contact_admin.get_export_resource_classes(None)[0]
    fields = {
        f"{resource.__name__.lower()}_{name}": "on"
        for name in resource(organization=None).get_export_order()
    }
    response = ops.post(
        reverse("admin:contacts_brandcontact_export"), {"format": index, "resource": 0, **fields}
    )
    assert response.status_code == 200
    return response.content.decode()


def test_the_admin_export_leaves_suggestions_out_like_the_apps(ops, org_a):
    acme = make_brand(org_a, "Acme")
    make_contact(acme, "Jane Doe")
    make_suggestion(acme, "Sam Suggested")

    text = admin_export_csv(ops)

    assert "Jane Doe" in text and "Sam Suggested" not in text


def test_the_admin_export_escapes_cells_a_spreadsheet_would_run_as_formulas(ops, org_a):
    make_contact(make_brand(org_a, "Acme"), '=HYPERLINK("https://evil.example","x")')

    text = admin_export_csv(ops)

    assert "'=HYPERLINK" in text
    assert not any(line.split(",")[2].startswith("=") for line in text.splitlines()[1:])


def test_the_admin_form_refuses_a_brand_of_another_organization(ops, org_a, org_b):
    globex = make_brand(org_b, "Globex")

    response = ops.post(
        reverse("admin:contacts_brandcontact_add"),
        {
            "organization": org_a.pk,
            "brand": globex.pk,
            "full_name": "Jane Doe",
            "source": ContactSource.MANUAL,
        },
    )

    assert response.status_code == 200
    assert "brand" in response.context["adminform"].form.errors
    assert not BrandContact.objects.exists()


def draft_post(org, contact, **values) -> dict:
    return {
        "organization": org.pk,
        "contact": contact.pk,
        "subject": "Hello",
        "body": "About your launch",
        "template": "pitch",
        "tone": "friendly",
        "generated_at_0": "2026-01-05",
        "generated_at_1": "10:00:00",
        **values,
    }


def test_the_admin_cannot_write_or_mark_sent_a_draft_to_a_do_not_contact_person(ops, org_a):
    acme = make_brand(org_a, "Acme")
    jane = make_contact(acme, "Jane Doe", do_not_contact=True)

    response = ops.post(
        reverse("admin:contacts_emaildraft_add"), draft_post(org_a, jane, sent="on")
    )

    assert response.status_code == 200
    assert "contact" in response.context["adminform"].form.errors
    assert not EmailDraft.objects.exists()


def test_the_admin_cannot_mark_sent_an_old_draft_once_the_person_opted_out(ops, org_a):
    jane = make_contact(make_brand(org_a, "Acme"), "Jane Doe")
    draft = EmailDraft.objects.create(
        organization=org_a,
        contact=jane,
        subject="Hello",
        body="About your launch",
        template="pitch",
        tone="friendly",
        generated_at=timezone.now(),
    )
    BrandContact.objects.filter(pk=jane.pk).update(do_not_contact=True)

    response = ops.post(
        reverse("admin:contacts_emaildraft_change", args=[draft.pk]),
        draft_post(org_a, jane, sent="on"),
    )

    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.sent is False


def test_the_admin_draft_form_keeps_contact_and_organization_together(ops, org_a, org_b):
    hank = make_contact(make_brand(org_b, "Globex"), "Hank Scorpio")

    response = ops.post(reverse("admin:contacts_emaildraft_add"), draft_post(org_a, hank))

    assert response.status_code == 200
    assert "contact" in response.context["adminform"].form.errors
    assert not EmailDraft.objects.exists()
