"""Brands through the API: list and read, track, ignore, aliases (the pages' services)."""

from reports.models import Brand, BrandAlias, FeedbackAction, FeedbackEvent
from tests.reports.page_data import make_brand


def test_brands_list_by_name_pages_and_filters(alice_api, org_a):
    for name in ("Delta", "Acme", "Cobalt", "Bravo"):
        make_brand(org_a, name, status="tracked" if name != "Cobalt" else "ignored")
    merged = make_brand(org_a, "Acme Old", status="tracked")
    merged.merged_into = Brand.objects.get(name="Acme")
    merged.save(update_fields=["merged_into"])
    first = alice_api.get("/api/brands", {"limit": 2}).json()
    second = alice_api.get("/api/brands", {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [b["name"] for b in first["items"] + second["items"]] == [
        "Acme",
        "Bravo",
        "Cobalt",
        "Delta",
    ]
    assert second["next_cursor"] is None
    ignored = alice_api.get("/api/brands", {"status": "ignored"}).json()["items"]
    assert [b["name"] for b in ignored] == ["Cobalt"]


def test_a_merged_brand_is_gone_from_its_own_address(alice_api, org_a):
    target = make_brand(org_a, "Acme")
    merged = make_brand(org_a, "Acme Old", merged_into=target)
    assert alice_api.get(f"/api/brands/{merged.pk}").status_code == 404
    assert alice_api.get(f"/api/brands/{target.pk}").status_code == 200


def test_track_and_ignore_record_who_through_the_keys_creator(alice, alice_api, org_a):
    brand = make_brand(org_a, "Acme", status="unreviewed")
    tracked = alice_api.post(f"/api/brands/{brand.pk}/track")
    assert tracked.status_code == 200
    assert tracked.json()["status"] == "tracked"
    ignored = alice_api.post(f"/api/brands/{brand.pk}/ignore")
    assert ignored.json()["status"] == "ignored"
    events = FeedbackEvent.objects.filter(brand=brand).order_by("created_at", "id")
    assert [(e.action, e.actor) for e in events] == [
        (FeedbackAction.TRACK, alice),
        (FeedbackAction.IGNORE, alice),
    ]


def test_aliases_are_added_refused_and_removed(alice_api, org_a):
    brand = make_brand(org_a, "Acme Corp")
    make_brand(org_a, "Globex")
    added = alice_api.post(f"/api/brands/{brand.pk}/aliases", {"alias": "Roadrunner Supplies"})
    assert added.status_code == 201, added.content
    alias_id = added.json()["id"]
    detail = alice_api.get(f"/api/brands/{brand.pk}").json()
    assert [a["alias"] for a in detail["aliases"]] == ["Roadrunner Supplies"]
    clash = alice_api.post(f"/api/brands/{brand.pk}/aliases", {"alias": "Globex"})
    assert clash.status_code == 422
    assert clash.json()["error"]["details"][0]["field"] == "alias"
    assert "another brand" in clash.json()["error"]["message"]
    removed = alice_api.delete(f"/api/brands/{brand.pk}/aliases/{alias_id}")
    assert removed.status_code == 204
    assert not BrandAlias.objects.exists()


def test_an_alias_of_another_brand_is_not_removed_through_this_one(alice_api, org_a):
    acme, globex = make_brand(org_a, "Acme"), make_brand(org_a, "Globex")
    alias = BrandAlias.objects.create(
        organization=org_a, brand=globex, alias="GX", normalized="gx", source="manual"
    )
    response = alice_api.delete(f"/api/brands/{acme.pk}/aliases/{alias.pk}")
    assert response.status_code == 404
    assert BrandAlias.objects.filter(pk=alias.pk).exists()


def test_a_brand_is_tracked_changed_and_merged(alice_api, org_a):
    from reports.models import Industry

    industry = Industry.objects.create(organization=org_a, name="Retail")
    created = alice_api.post(
        "/api/brands",
        {"name": "Acme Corp", "aliases": ["Roadrunner Supplies"], "industry": industry.pk},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "tracked" and body["industry"] == industry.name
    assert [a["alias"] for a in body["aliases"]] == ["Roadrunner Supplies"]
    again = alice_api.post("/api/brands", {"name": "ACME Corp"})
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    changed = alice_api.patch(
        f"/api/brands/{body['id']}", {"website": "https://acme.example", "industry": None}
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["website"] == "https://acme.example"
    assert changed.json()["industry"] is None
    target = make_brand(org_a, "Acme Holdings")
    merged = alice_api.post(f"/api/brands/{body['id']}/merge", {"into": target.pk})
    assert merged.status_code == 200, merged.content
    assert merged.json()["id"] == target.pk
    assert alice_api.get(f"/api/brands/{body['id']}").status_code == 404
    assert Brand.objects.get(pk=body["id"]).merged_into_id == target.pk


def test_a_brand_cannot_be_merged_into_itself_nor_renamed_onto_another(alice_api, org_a):
    acme, globex = make_brand(org_a, "Acme"), make_brand(org_a, "Globex")
    itself = alice_api.post(f"/api/brands/{acme.pk}/merge", {"into": acme.pk})
    assert itself.status_code == 422
    clash = alice_api.patch(f"/api/brands/{acme.pk}", {"name": "Globex"})
    assert clash.status_code == 422
    assert clash.json()["error"]["details"][0]["field"] == "name"
    acme.refresh_from_db()
    assert acme.name == "Acme" and acme.merged_into is None and globex.merged_into is None


def test_two_brands_are_kept_apart(alice_api, org_a):
    from reports.models import BrandSeparation

    acme, acne = make_brand(org_a, "Acme"), make_brand(org_a, "Acne")
    response = alice_api.post(f"/api/brands/{acme.pk}/separate", {"other": acne.pk})
    assert response.status_code == 204
    assert BrandSeparation.objects.filter(brand=acme, other=acne).exists()
    itself = alice_api.post(f"/api/brands/{acme.pk}/separate", {"other": acme.pk})
    assert itself.status_code == 422
