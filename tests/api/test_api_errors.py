"""Bad input: one error body, the field named, nothing written."""

from feeds.models import Feed
from reports.models import BrandAlias
from tests.reports.page_data import make_brand


def test_unknown_fields_are_refused_by_name(alice_api, org_a):
    response = alice_api.post(
        "/api/feeds", {"name": "Wire", "url": "https://wire.example/rss", "colour": "red"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"] == [{"field": "colour", "message": "Unknown field."}]
    assert not Feed.objects.exists()


def test_wrong_types_are_refused_by_name(alice_api, org_a):
    response = alice_api.post(
        "/api/feeds", {"name": "Wire", "url": "https://wire.example/rss", "fetch_timeout": "soon"}
    )
    assert response.status_code == 422
    fields = [detail["field"] for detail in response.json()["error"]["details"]]
    assert fields == ["fetch_timeout"]
    assert not Feed.objects.exists()


def test_a_body_that_is_not_json_is_a_400(alice_api, org_a):
    response = alice_api.client.post(
        "/api/feeds",
        "{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {alice_api.token}"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"


def test_a_body_over_the_upload_limit_is_a_413(settings, alice_api, org_a):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    brand = make_brand(org_a, "Acme")
    response = alice_api.post(f"/api/brands/{brand.pk}/aliases", {"alias": "x" * 5000})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert not BrandAlias.objects.exists()


def test_a_service_refusal_is_a_422_on_its_field(alice_api, org_a):
    response = alice_api.post(
        "/api/feeds", {"name": "Local", "url": "https://someone:secret@wire.example/rss"}
    )
    assert response.status_code == 422, response.content
    assert response.json()["error"]["details"][0]["field"] == "url"


def test_an_unknown_address_under_api_is_a_json_404(alice_api, client):
    for response in (
        alice_api.get("/api/nothing-here"),
        alice_api.get("/api/reports/-1"),
        client.get("/api/feeds/x/"),
        alice_api.post("/api/brands/-1/track"),
        # A newline in the path (%0A): the schema fuzz test found it answered with the app's
        # HTML 404 page.
        alice_api.delete("/api/brands/a%0Ab/aliases/null"),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_an_unknown_query_parameter_is_refused_by_name(alice_api):
    response = alice_api.get("/api/reports", {"brnad": 3, "limit": 5})
    assert response.status_code == 422
    assert response.json()["error"]["details"] == [{"field": "brnad", "message": "Unknown field."}]


def test_ids_past_64_bits_are_a_422_not_a_database_error(alice_api, org_a):
    huge = 2**64
    responses = [
        alice_api.get(f"/api/reports/{huge}"),
        alice_api.get("/api/reports", {"brand": huge}),
        alice_api.post("/api/brands", {"name": "Acme", "groups": [huge]}),
    ]
    for response in responses:
        assert response.status_code == 422, response.content
        assert response.json()["error"]["code"] == "invalid_input"
