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
