"""GDPR: one contact's data as JSON, erasure that leaves an audit entry with no personal
data, who may erase, the erasure log and the privacy notice."""

import json

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Role
from contacts.identity import hashed_key
from contacts.models import BrandContact, ContactSource, EmailDraft, ErasureRecord
from contacts.services.contacts import (
    ErasedPerson,
    contact_create,
    contact_settings_for,
    suggestion_import,
)
from contacts.services.privacy import contact_erase, contact_export_data, scrub_reason
from contacts.services.transfer import contacts_import_confirm, contacts_import_preview
from tests.contacts.builders import make_article, make_brand, make_contact, make_report

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def jane(org_a, alice):
    brand = make_brand(org_a, "Acme")
    return make_contact(
        brand,
        "Jane Doe",
        email="jane.doe@acme.example",
        phone="+44 20 7946 0958",
        linkedin_url="https://www.linkedin.com/in/jane-doe/",
        notes="Prefers mornings",
        source=ContactSource.WEB_SEARCH,
        source_url="https://search.example/q=acme",
        source_excerpt="Jane Doe - Head of PR - Acme | LinkedIn",
        lawful_basis="legitimate interest",
        created_by=alice,
    )


def add_draft(contact, report=None, **values) -> EmailDraft:
    values.setdefault("subject", f"Hello {contact.full_name}")
    values.setdefault("body", f"Dear {contact.full_name}, about your launch…")
    return EmailDraft.objects.create(
        organization_id=contact.organization_id,
        contact=contact,
        report=report,
        template="pitch",
        tone="friendly",
        generated_at=timezone.now(),
        **values,
    )


def test_the_json_export_holds_the_fields_provenance_and_drafts(jane, org_a, alice):
    report = make_report(make_article(org_a, "/acme-launch", title="Acme launches a rocket"))
    add_draft(jane, report, sent=True, sent_at=timezone.now())

    data = contact_export_data(contact=jane)

    assert data["contact"]["full_name"] == "Jane Doe" and data["contact"]["brand"] == "Acme"
    assert data["contact"]["email"] == "jane.doe@acme.example"
    assert data["contact"]["phone"] == "+44 20 7946 0958"
    assert data["provenance"] == {
        "source": "web_search",
        "source_label": "Web search",
        "source_url": "https://search.example/q=acme",
        "source_excerpt": "Jane Doe - Head of PR - Acme | LinkedIn",
        "created_by": "alice",
        "created_at": jane.created_at.isoformat(),
    }
    [draft] = data["drafts"]
    assert draft["subject"] == "Hello Jane Doe" and draft["sent"] is True
    assert draft["report"] == {
        "title": "Acme launches a rocket",
        "url": "https://news.example/acme-launch",
    }
    assert data["exported_at"]


def test_the_export_page_downloads_the_json_and_404s_for_another_organization(
    jane, client_for, bob, charlie
):
    response = client_for(bob).get(reverse("contacts:privacy_export", args=[jane.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="contact-{jane.pk}.json"'
    assert json.loads(response.content)["contact"]["full_name"] == "Jane Doe"
    other = client_for(charlie).get(reverse("contacts:privacy_export", args=[jane.pk]))
    assert other.status_code == 404


def test_erasing_removes_the_contact_and_drafts_and_keeps_no_personal_data(jane, alice):
    add_draft(jane)
    add_draft(jane)
    other = make_contact(jane.brand, "Someone Else")
    add_draft(other)
    LogEntry.objects.create(
        user=alice,
        content_type=ContentType.objects.get_for_model(BrandContact),
        object_id=str(jane.pk),
        object_repr=str(jane),
        action_flag=CHANGE,
        change_message="Changed email of Jane Doe",
    )
    pk = jane.pk

    record = contact_erase(
        contact=jane,
        actor=alice,
        reason="Jane Doe (jane.doe@acme.example) asked by phone +44 20 7946 0958; DOE insisted",
    )

    assert not BrandContact.objects.filter(pk=pk).exists()
    assert EmailDraft.objects.filter(contact_id=pk).count() == 0
    assert EmailDraft.objects.filter(contact=other).count() == 1
    record.refresh_from_db()
    assert (record.contact_ref, record.drafts_erased, record.erased_by) == (pk, 2, alice)
    assert record.subject_keys == sorted(
        {hashed_key("email:jane.doe@acme.example"), hashed_key(f"name:{other.brand_id}:jane doe")}
    )
    stored = json.dumps(
        {field.attname: str(getattr(record, field.attname)) for field in record._meta.fields}
    ).casefold()
    for personal in ("jane", "doe", "acme.example", "7946"):
        assert personal not in stored
    assert "asked by phone" in record.reason
    entry = LogEntry.objects.get()
    assert "Jane" not in entry.object_repr and entry.change_message == ""


def test_the_reason_keeps_ordinary_words_that_contain_a_name(jane):
    assert scrub_reason("Request from Jane; see ticket Doehouse-12", contact=jane) == (
        "Request from [removed]; see ticket Doehouse-12"
    )


def test_an_owner_erases_from_the_drawer_with_a_reason(jane, client_for, alice):
    client = client_for(alice)
    form = client.get(reverse("contacts:erase", args=[jane.pk]), **HTMX)
    assert form.status_code == 200
    assert b"Do not type the person" in form.content and b'name="reason"' in form.content

    missing = client.post(reverse("contacts:erase", args=[jane.pk]), {"reason": ""}, **HTMX)
    assert missing.status_code == 200 and b"has-error" in missing.content
    assert BrandContact.objects.filter(pk=jane.pk).exists()

    done = client.post(
        reverse("contacts:erase", args=[jane.pk]), {"reason": "Request by email"}, **HTMX
    )
    assert done.status_code == 200 and done["HX-Redirect"] == reverse("contacts:list")
    assert not BrandContact.objects.filter(pk=jane.pk).exists()
    assert ErasureRecord.objects.get().reason == "Request by email"


def test_an_admin_may_erase_too(jane, client_for, bob, org_a):
    Membership.objects.filter(user=bob, organization=org_a).update(role=Role.ADMIN)

    response = client_for(bob).post(reverse("contacts:erase", args=[jane.pk]), {"reason": "DSR"})

    assert response.status_code == 302
    assert not BrandContact.objects.filter(pk=jane.pk).exists()


def test_a_member_is_told_they_cannot_erase_and_a_post_is_refused(jane, client_for, bob):
    client = client_for(bob)

    page = client.get(reverse("contacts:erase", args=[jane.pk]), **HTMX)
    refused = client.post(reverse("contacts:erase", args=[jane.pk]), {"reason": "DSR"})

    assert page.status_code == 200 and b"Only an owner or an admin" in page.content
    assert b'name="reason"' not in page.content
    assert refused.status_code == 403
    assert BrandContact.objects.filter(pk=jane.pk).exists()
    assert not ErasureRecord.objects.exists()


def test_another_organizations_contact_cannot_be_erased(jane, client_for, charlie):
    client = client_for(charlie)

    assert client.get(reverse("contacts:erase", args=[jane.pk])).status_code == 404
    assert (
        client.post(reverse("contacts:erase", args=[jane.pk]), {"reason": "x"}).status_code == 404
    )
    assert BrandContact.objects.filter(pk=jane.pk).exists()


def test_the_erasure_log_lists_this_organizations_erasures_for_admins_only(
    jane, client_for, alice, bob, charlie, org_b
):
    contact_erase(contact=jane, actor=alice, reason="Asked by email")
    theirs = make_contact(make_brand(org_b, "Globex"), "Hank Scorpio")
    contact_erase(contact=theirs, actor=charlie, reason="Globex request")

    page = client_for(alice).get(reverse("contacts:erasures"))

    assert page.status_code == 200
    assert b"Asked by email" in page.content and b"Globex request" not in page.content
    assert client_for(bob).get(reverse("contacts:erasures")).status_code == 403


def test_the_privacy_notice_tells_retention_llm_use_and_whom_to_contact(client_for, bob, org_a):
    settings_row = contact_settings_for(org_a)
    settings_row.suggestion_retention_days = 14
    settings_row.sender_email = "privacy@org-a.example"
    settings_row.save()

    page = client_for(bob).get(reverse("contacts:privacy_notice"))

    text = page.content.decode()
    assert page.status_code == 200
    assert "<strong>14 days</strong>" in text
    assert "privacy@org-a.example" in text
    assert "language model" in text and "robots.txt" in text
    assert reverse("contacts:erasures") not in text  # bob is a member: no log link.


def test_the_notice_names_the_model_when_an_llm_is_configured(client_for, bob, settings):
    settings.OPENAI_BASE_URL = "http://127.0.0.1:9/v1"
    settings.OPENAI_MODEL = "local-model"

    text = client_for(bob).get(reverse("contacts:privacy_notice")).content.decode()

    assert "local-model" in text and "name, job title, company and brand" in text
    assert "No contact address is set yet" in text


def test_an_erased_person_cannot_be_added_again_by_hand(jane, client_for, alice):
    brand = jane.brand
    contact_erase(contact=jane, actor=alice, reason="Data-subject request")

    response = client_for(alice).post(
        reverse("contacts:create"),
        {"brand": brand.pk, "full_name": "Someone", "email": "Jane.Doe@acme.example"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200  # the drawer again, saying why
    assert "erased on request" in response.content.decode()
    assert not BrandContact.objects.exists()


def test_an_erased_person_is_not_added_again_by_name_at_the_brand(jane, alice):
    brand = jane.brand
    contact_erase(contact=jane, actor=alice, reason="Data-subject request")

    with pytest.raises(ErasedPerson):
        contact_create(
            organization=brand.organization, actor=alice, brand=brand, full_name="jane doe"
        )


def test_a_suggestion_of_an_erased_person_cannot_be_imported(jane, alice):
    # Found by discovery before the erasure, under no email: the name at the brand matches.
    suggestion = make_contact(jane.brand, "Jane  Doe", suggested=True)
    contact_erase(contact=jane, actor=alice, reason="Data-subject request")

    with pytest.raises(ErasedPerson):
        suggestion_import(suggestion=suggestion, actor=alice)
    suggestion.refresh_from_db()
    assert suggestion.suggested


def test_an_import_skips_an_erased_person_and_says_why(jane, alice):
    org, brand = jane.organization, jane.brand
    contact_erase(contact=jane, actor=alice, reason="Data-subject request")
    text = (
        "brand,full_name,email\n"
        f"{brand.name},Jane Doe,jane.doe@acme.example\n"
        f"{brand.name},Joe Bloggs,joe@acme.example\n"
    )

    result = contacts_import_preview(
        organization=org, actor=alice, file=SimpleUploadedFile("c.csv", text.encode())
    )

    assert [row.action for row in result.rows] == ["skip", "new"]
    assert "erased on request" in result.rows[0].messages[0]
    contacts_import_confirm(organization=org, actor=alice, token=result.token)
    assert list(BrandContact.objects.values_list("full_name", flat=True)) == ["Joe Bloggs"]
