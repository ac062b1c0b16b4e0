"""Feeds through the API: the feed pages' services and rules."""

from feeds.models import Feed, FeedKind
from tests.reports.page_data import make_feed


def test_a_feed_is_created_read_changed_and_deleted(alice_api, org_a):
    created = alice_api.post(
        "/api/feeds", {"name": "Wire", "url": "https://wire.example/rss", "fetch_timeout": 15}
    )
    assert created.status_code == 201, created.content
    feed_id = created.json()["id"]
    assert created.json()["kind"] == FeedKind.UNKNOWN
    read = alice_api.get(f"/api/feeds/{feed_id}")
    assert read.json()["fetch_timeout"] == 15
    etag = read["ETag"]
    assert (
        alice_api.get(f"/api/feeds/{feed_id}", headers={"If-None-Match": etag}).status_code == 304
    )
    changed = alice_api.patch(f"/api/feeds/{feed_id}", {"name": "Wire (EU)", "enabled": False})
    assert changed.status_code == 200, changed.content
    assert changed.json()["name"] == "Wire (EU)" and changed.json()["enabled"] is False
    assert changed.json()["url"] == "https://wire.example/rss"
    assert (
        alice_api.get(f"/api/feeds/{feed_id}", headers={"If-None-Match": etag}).status_code == 200
    )
    assert alice_api.delete(f"/api/feeds/{feed_id}").status_code == 204
    assert not Feed.objects.exists()


def test_a_keyword_search_feed_gets_its_address_built(alice_api, org_a):
    response = alice_api.post(
        "/api/feeds",
        {
            "name": "Acme news",
            "source": "search",
            "keywords": "acme",
            "language": "EN",
            "country": "us",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == FeedKind.SEARCH
    assert body["language"] == "en"
    assert "acme" in body["url"]
    refused = alice_api.patch(f"/api/feeds/{body['id']}", {"url": "https://other.example/rss"})
    assert refused.status_code == 422
    assert refused.json()["error"]["details"][0]["field"] == "url"


def test_a_second_feed_at_the_same_address_is_refused(alice_api, org_a):
    make_feed(org_a, "Wire")
    response = alice_api.post("/api/feeds", {"name": "Again", "url": "https://wire.example/rss"})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "url"
    assert Feed.objects.count() == 1


def test_a_url_feed_needs_its_url_and_null_is_no_value(alice_api, org_a):
    missing = alice_api.post("/api/feeds", {"name": "Nowhere"})
    assert missing.status_code == 422
    assert missing.json()["error"]["details"] == [
        {"field": "url", "message": "This field is required."}
    ]
    feed = make_feed(org_a, "Wire")
    nulled = alice_api.patch(f"/api/feeds/{feed.pk}", {"name": None})
    assert nulled.status_code == 422
    feed.refresh_from_db()
    assert feed.name == "Wire"


def test_refresh_queues_a_fetch(alice_api, org_a, settings):
    feed = make_feed(org_a, "Wire")
    response = alice_api.post(f"/api/feeds/{feed.pk}/refresh")
    assert response.status_code == 202, response.content
    assert response.json() == {"status": "queued"}


def test_cors_is_off_unless_origins_are_set(alice_api, settings):
    origin = {"Origin": "https://crm.example"}
    closed = alice_api.get("/api/feeds", headers=origin)
    assert "Access-Control-Allow-Origin" not in closed
    settings.CORS_ALLOWED_ORIGINS = ["https://crm.example"]
    opened = alice_api.get("/api/feeds", headers=origin)
    assert opened["Access-Control-Allow-Origin"] == "https://crm.example"
    page = alice_api.client.get("/login/", headers=origin)
    assert "Access-Control-Allow-Origin" not in page
