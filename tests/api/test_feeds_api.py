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


def test_testing_an_address_reads_its_entries_and_saves_nothing(alice_api, http_server):
    from tests.feeds.builders import rss
    from tests.harness.http_server import Reply

    items = [{"title": f"Entry {n}", "link": http_server.url_for(f"/e{n}")} for n in range(12)]
    http_server.add_route(
        "/feed.xml",
        Reply(body=rss(items, title="Demo"), headers={"Content-Type": "application/rss+xml"}),
    )
    response = alice_api.post("/api/feeds/test", {"url": http_server.url_for("/feed.xml")})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["ok"] is True and body["kind"] == "rss" and body["title"] == "Demo"
    assert body["total_entries"] == 12
    assert [entry["title"] for entry in body["entries"]] == [f"Entry {n}" for n in range(10)]
    assert not Feed.objects.exists()


def test_testing_a_page_that_is_not_a_feed_says_so_and_lists_its_feeds(alice_api, http_server):
    from tests.harness.http_server import Reply

    page = (
        '<html><head><link rel="alternate" type="application/rss+xml" title="News" '
        'href="/news.xml"></head><body>Hello</body></html>'
    )
    http_server.add_route("/", Reply(body=page, headers={"Content-Type": "text/html"}))
    http_server.add_route("/gone.xml", Reply(status=404, body="no"))
    html_page = alice_api.post("/api/feeds/test", {"url": http_server.url_for("/")}).json()
    assert html_page["ok"] is False and html_page["error"]
    assert html_page["alternates"] == [{"title": "News", "url": http_server.url_for("/news.xml")}]
    gone = alice_api.post("/api/feeds/test", {"url": http_server.url_for("/gone.xml")}).json()
    assert gone["ok"] is False and "404" in gone["error"]


def test_testing_needs_an_address_that_follows_the_rules(alice_api, http_server):
    missing = alice_api.post("/api/feeds/test", {})
    assert missing.status_code == 422
    with_credentials = alice_api.post(
        "/api/feeds/test", {"url": "https://someone:secret@wire.example/rss"}
    )
    assert with_credentials.status_code == 422
    assert with_credentials.json()["error"]["details"][0]["field"] == "url"
    assert http_server.requests == []
