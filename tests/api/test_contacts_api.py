"""Contacts through the API: the contact pages' services, GDPR export and erasure."""

from contacts.models import BrandContact, ErasureRecord
from tests.reports.page_data import make_brand


def test_a_contact_is_added_listed_changed_exported_and_erased(alice, alice_api, org_a):
    brand = make_brand(org_a, "Acme")
    created = alice_api.post(
        "/api/contacts",
        {
            "brand": brand.pk,
            "full_name": "Jane Roe",
            "email": "Jane.Roe@Acme.example",
            "title": "Head of PR",
            "lawful_basis": "Press contact on the brand's site",
        },
    )
    assert created.status_code == 201, created.content
    contact = created.json()
    assert contact["email"] == "jane.roe@acme.example" and contact["brand_name"] == "Acme"
    assert BrandContact.objects.get().created_by == alice
    listed = alice_api.get("/api/contacts", {"q": "jane acme"}).json()["items"]
    assert [c["id"] for c in listed] == [contact["id"]]
    changed = alice_api.patch(f"/api/contacts/{contact['id']}", {"do_not_contact": True})
    assert changed.status_code == 200 and changed.json()["do_not_contact"] is True
    export = alice_api.get(f"/api/contacts/{contact['id']}/export")
    assert export.status_code == 200
    assert export.json()["contact"]["full_name"] == "Jane Roe"
    assert export.json()["provenance"]["created_by"] == "alice"
    erased = alice_api.post(f"/api/contacts/{contact['id']}/erase", {"reason": "Asked by mail"})
    assert erased.status_code == 200, erased.content
    assert not BrandContact.objects.exists()
    record = ErasureRecord.objects.get(pk=erased.json()["erasure_id"])
    assert "Jane" not in str(record.__dict__)
    again = alice_api.post(
        "/api/contacts",
        {"brand": brand.pk, "full_name": "Jane Roe", "email": "jane.roe@acme.example"},
    )
    assert again.status_code == 422
    assert "erased on request" in again.json()["error"]["message"]


def test_a_duplicate_is_refused_on_its_field(alice_api, org_a):
    brand = make_brand(org_a, "Acme")
    first = {"brand": brand.pk, "full_name": "Jane Roe", "email": "jane@acme.example"}
    assert alice_api.post("/api/contacts", first).status_code == 201
    duplicate = alice_api.post("/api/contacts", {**first, "full_name": "J. Roe"})
    assert duplicate.status_code == 422
    assert duplicate.json()["error"]["details"][0]["field"] == "email"
    assert BrandContact.objects.count() == 1


def test_suggestions_are_not_contacts(alice_api, org_a):
    brand = make_brand(org_a, "Acme")
    suggestion = BrandContact.objects.create(
        organization=org_a, brand=brand, full_name="Sam Poe", suggested=True, source="web_search"
    )
    assert alice_api.get("/api/contacts").json()["items"] == []
    assert alice_api.get(f"/api/contacts/{suggestion.pk}").status_code == 404


def test_a_read_key_exports_but_cannot_erase(alice, key_for, org_a):
    brand = make_brand(org_a, "Acme")
    contact = BrandContact.objects.create(organization=org_a, brand=brand, full_name="Jane Roe")
    reader = key_for(alice, ["contacts:read"])
    assert reader.get(f"/api/contacts/{contact.pk}/export").status_code == 200
    assert reader.post(f"/api/contacts/{contact.pk}/erase", {}).status_code == 403
    assert BrandContact.objects.filter(pk=contact.pk).exists()


def test_a_draft_is_composed_edited_marked_sent_and_kept_as_sent(alice_api, org_a):
    from tests.reports.page_data import make_article, make_report

    brand = make_brand(org_a, "Acme")
    contact = BrandContact.objects.create(
        organization=org_a, brand=brand, full_name="Jane Roe", email="jane@acme.example"
    )
    report = make_report(make_article(org_a, "/plant", title="Acme opens a plant"))
    composed = alice_api.post(
        "/api/drafts", {"contact": contact.pk, "report": report.pk, "template": "pitch"}
    )
    assert composed.status_code == 201, composed.content
    draft = composed.json()
    assert draft["by_ai"] is False and draft["notice"]  # No language model in this test.
    assert "https://news.example/plant" in draft["body"]
    edited = alice_api.patch(
        f"/api/drafts/{draft['id']}", {"subject": "Your new plant", "body": "Hello Jane"}
    )
    assert edited.status_code == 200 and edited.json()["subject"] == "Your new plant"
    sent = alice_api.post(f"/api/drafts/{draft['id']}/sent")
    assert sent.status_code == 200 and sent.json()["sent"] is True
    contact.refresh_from_db()
    assert contact.last_contacted_at is not None
    frozen = alice_api.patch(f"/api/drafts/{draft['id']}", {"subject": "Later", "body": "x"})
    assert frozen.status_code == 422
    listed = alice_api.get("/api/drafts", {"contact": contact.pk, "sent": True}).json()
    assert [d["id"] for d in listed["items"]] == [draft["id"]]
    assert alice_api.delete(f"/api/drafts/{draft['id']}").status_code == 204


def test_no_draft_to_a_do_not_contact_person(alice_api, org_a):
    from contacts.models import EmailDraft

    contact = BrandContact.objects.create(
        organization=org_a,
        brand=make_brand(org_a, "Acme"),
        full_name="Jane Roe",
        do_not_contact=True,
    )
    response = alice_api.post("/api/drafts", {"contact": contact.pk})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "contact"
    assert not EmailDraft.objects.exists()


IMPORT_HEADER = "brand,full_name,title,email\n"


def _upload(alice_api, text: str, name: str = "contacts.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return alice_api.client.post(
        "/api/contacts/import",
        {"file": SimpleUploadedFile(name, text.encode())},
        headers={"Authorization": f"Bearer {alice_api.token}"},
    )


def test_an_import_is_previewed_then_confirmed_once(alice_api, org_a):
    make_brand(org_a, "Acme")
    response = _upload(
        alice_api,
        IMPORT_HEADER + "Acme,Jane Roe,PR,jane@acme.example\nAcme,Sam Poe,CEO,sam@acme.example\n",
    )
    assert response.status_code == 200, response.content
    preview = response.json()
    assert preview["counts"]["new"] == 2 and preview["committed"] is False
    assert not BrandContact.objects.exists()
    confirmed = alice_api.post("/api/contacts/import/confirm", {"token": preview["token"]})
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["committed"] is True
    assert sorted(BrandContact.objects.values_list("full_name", flat=True)) == [
        "Jane Roe",
        "Sam Poe",
    ]
    again = alice_api.post("/api/contacts/import/confirm", {"token": preview["token"]})
    assert again.status_code == 422
    assert BrandContact.objects.count() == 2


def test_a_file_with_a_bad_row_cannot_be_confirmed(alice_api, org_a):
    make_brand(org_a, "Acme")
    response = _upload(alice_api, IMPORT_HEADER + "Nobody Inc,Jane Roe,PR,not-an-email\n")
    preview = response.json()
    assert preview["counts"]["error"] == 1 and preview["token"] is None
    assert preview["rows"][0]["messages"]
    unreadable = _upload(alice_api, "\x00\x01binary", name="contacts.pdf").json()
    assert unreadable["errors"] and unreadable["token"] is None
    assert not BrandContact.objects.exists()


def test_charlie_cannot_confirm_alices_import(alice_api, charlie_api, org_a):
    make_brand(org_a, "Acme")
    token = _upload(alice_api, IMPORT_HEADER + "Acme,Jane Roe,PR,jane@acme.example\n").json()[
        "token"
    ]
    stolen = charlie_api.post("/api/contacts/import/confirm", {"token": token})
    assert stolen.status_code == 422
    assert not BrandContact.objects.exists()
