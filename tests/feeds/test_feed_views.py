"""The feeds pages: the list with each feed's health, and the add/edit/delete/toggle drawer."""

import time
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import html

from feeds.models import Article, ArticleFeed, Feed, FeedKind, FetchStatus
from feeds.urls_canonical import url_hash
from tests.feeds.builders import make_feed, rss
from tests.harness.dribble_server import HeaderDribbleServer
from tests.harness.http_server import Reply

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
RSS_TYPE = {"Content-Type": "application/rss+xml; charset=utf-8"}
LIST_URL = reverse("feeds:list")
CREATE_URL = reverse("feeds:create")


def form_data(**overrides: str) -> dict[str, str]:
    data = {
        "source": "url",
        "name": "Tech News",
        "url": "https://news.example/rss.xml",
        "enabled": "on",
        "fetch_timeout": "20",
        "max_articles_per_run": "50",
    }
    return {**data, **overrides}


def add_article(feed: Feed, path: str, *, seen_days_ago: int = 0, **values) -> Article:
    url = f"https://news.example{path}"
    org = feed.organization
    article = Article.objects.create(
        organization=org, canonical_url=url, url_hash=url_hash(url), original_url=url, **values
    )
    seen = timezone.now() - timedelta(days=seen_days_ago)
    ArticleFeed.objects.create(article=article, feed=feed)
    ArticleFeed.objects.filter(article=article).update(first_seen_at=seen)
    return article


def cls(name: str) -> str:
    """An XPath test for one CSS class (lxml's cssselect needs a package we do not ship)."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def texts(response, xpath: str) -> list[str]:
    found = html.fromstring(response.content.decode()).xpath(xpath)
    return [" ".join(node.text_content().split()) for node in found]


def field_errors(response, name: str) -> list[str]:
    return texts(
        response, f"//div[{cls('field-' + name)} and {cls('has-error')}]/p[{cls('field-error')}]"
    )


def input_value(response, name: str) -> str | None:
    [field] = html.fromstring(response.content.decode()).xpath(f"//input[@name='{name}']")
    return field.get("value")


def cells(response, feed: Feed) -> list[str]:
    return texts(response, f"//tr[@id='feed-{feed.pk}']/td")


def assert_drawer_partial(response) -> None:
    assert response.status_code == 200
    assert b"<html" not in response.content  # only the drawer, not a whole page
    assert b'class="drawer-form feed-form"' in response.content


def test_the_list_shows_each_feeds_health(client_for, alice, org_a):
    healthy = make_feed(
        org_a,
        "https://a.example/rss",
        name="Healthy",
        last_status=FetchStatus.OK,
        last_fetched_at=timezone.now() - timedelta(minutes=10),
        next_fetch_at=datetime(2031, 3, 4, 15, 30, tzinfo=UTC),
    )
    for n in range(3):
        add_article(healthy, f"/recent-{n}")
    add_article(healthy, "/old", seen_days_ago=8)
    broken = make_feed(
        org_a,
        "https://b.example/rss",
        name="Broken",
        last_status=FetchStatus.ERROR,
        last_error="The server answered 404 Not Found.",
        consecutive_failures=3,
    )

    response = client_for(alice).get(LIST_URL)

    name, health, last_fetch, recent, next_fetch, _ = cells(response, healthy)
    assert name.startswith("Healthy") and "https://a.example/rss" in name
    assert (health, recent, next_fetch) == ("ok", "3", "4 Mar 15:30")
    assert last_fetch == "10 minutes ago"
    _, health, last_fetch, recent, next_fetch, _ = cells(response, broken)
    assert health == "error \N{MULTIPLICATION SIGN}3 The server answered 404 Not Found."
    assert (last_fetch, recent, next_fetch) == ("—", "0", "soon")


def test_the_list_shows_only_the_organizations_feeds(client_for, alice, charlie, org_a, org_b):
    make_feed(org_a, "https://a.example/rss", name="Alice's feed")
    theirs = make_feed(org_b, "https://b.example/rss", name="Charlie's feed")

    content = client_for(alice).get(LIST_URL).content.decode()

    assert "Alice&#x27;s feed" in content
    assert "Charlie" not in content and f'id="feed-{theirs.pk}"' not in content


def test_adding_a_feed_closes_the_drawer_and_saves_it(client_for, alice, org_a):
    client = client_for(alice)
    response = client.post(CREATE_URL, form_data(), **HTMX)

    assert response.status_code == 200
    assert response["HX-Redirect"] == LIST_URL
    feed = Feed.objects.get()
    assert (feed.organization, feed.name, feed.url) == (org_a, "Tech News", form_data()["url"])
    assert (feed.kind, feed.enabled, feed.fetch_timeout) == (FeedKind.UNKNOWN, True, 20)
    page = client.get(LIST_URL)
    assert "Feed “Tech News” added" in page.content.decode()
    assert cells(page, feed)[1] == "new"


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("not a url", "Enter a valid URL."),
        ("ftp://x", "Enter a valid URL."),
        ("ftp://files.example/rss.xml", "Only http and https URLs are allowed, not ftp:."),
    ],
)
def test_an_invalid_address_is_refused_next_to_the_field(client_for, alice, url, error):
    response = client_for(alice).post(CREATE_URL, form_data(url=url), **HTMX)

    assert_drawer_partial(response)
    assert field_errors(response, "url") == [error]
    assert input_value(response, "url") == url
    assert input_value(response, "name") == "Tech News"
    assert Feed.objects.count() == 0


def test_a_duplicate_address_names_the_feed_already_watching_it(client_for, alice, org_a):
    make_feed(org_a, "https://news.example/rss.xml", name="Existing News")

    response = client_for(alice).post(CREATE_URL, form_data(), **HTMX)

    assert_drawer_partial(response)
    assert field_errors(response, "url") == [
        "This organization already watches this feed (Existing News)."
    ]
    assert input_value(response, "name") == "Tech News"
    assert Feed.objects.count() == 1


def test_the_same_address_in_another_organization_is_fine(client_for, charlie, org_a, org_b):
    make_feed(org_a, "https://news.example/rss.xml", name="Existing News")

    response = client_for(charlie).post(CREATE_URL, form_data(), **HTMX)

    assert response["HX-Redirect"] == LIST_URL
    assert Feed.objects.get(organization=org_b).name == "Tech News"


@pytest.mark.parametrize(
    "timeout, error",
    [
        ("0", "Ensure this value is greater than or equal to 1."),
        ("121", "Ensure this value is less than or equal to 120."),
    ],
)
def test_a_fetch_timeout_out_of_bounds_is_refused(client_for, alice, timeout, error):
    response = client_for(alice).post(CREATE_URL, form_data(fetch_timeout=timeout), **HTMX)

    assert_drawer_partial(response)
    assert field_errors(response, "fetch_timeout") == [error]
    assert input_value(response, "fetch_timeout") == timeout
    assert input_value(response, "url") == form_data()["url"]
    assert Feed.objects.count() == 0


def test_a_keyword_search_builds_a_google_news_feed(client_for, alice, org_a):
    data = form_data(source="search", url="", keywords="electric cars", language="EN")
    response = client_for(alice).post(CREATE_URL, {**data, "country": "us"}, **HTMX)

    assert response["HX-Redirect"] == LIST_URL
    feed = Feed.objects.get()
    assert feed.kind == FeedKind.SEARCH
    assert (feed.keywords, feed.language, feed.country) == ("electric cars", "en", "US")
    assert feed.url == (
        "https://news.google.com/rss/search?q=electric+cars&hl=en-US&gl=US&ceid=US:en"
    )


def test_a_duplicate_keyword_search_is_refused_next_to_the_keywords(client_for, alice, org_a):
    # The URL field is hidden for a keyword search, so its error must show elsewhere.
    data = form_data(source="search", url="", keywords="tesla", language="en", country="US")
    client = client_for(alice)
    client.post(CREATE_URL, {**data, "name": "Tesla news"}, **HTMX)

    response = client.post(CREATE_URL, data, **HTMX)

    assert_drawer_partial(response)
    assert field_errors(response, "keywords") == [
        "This organization already watches this feed (Tesla news)."
    ]
    assert input_value(response, "keywords") == "tesla"
    assert Feed.objects.count() == 1


def test_a_keyword_search_needs_keywords_language_and_country(client_for, alice):
    response = client_for(alice).post(CREATE_URL, form_data(source="search", url=""), **HTMX)

    assert_drawer_partial(response)
    for name in ("keywords", "language", "country"):
        assert field_errors(response, name) == ["Required for a keyword search."]
    assert field_errors(response, "url") == []
    assert Feed.objects.count() == 0


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://127.0.0.1/feed.xml", "127.0.0.1 is a loopback address"),
        ("http://169.254.169.254/latest/", "link-local cloud metadata address"),
    ],
)
def test_a_private_address_is_refused_with_the_reason(client_for, alice, settings, url, reason):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False

    response = client_for(alice).post(CREATE_URL, form_data(url=url), **HTMX)

    assert_drawer_partial(response)
    [error] = field_errors(response, "url")
    assert reason in error
    assert Feed.objects.count() == 0


def test_test_feed_shows_the_first_ten_entries_without_saving(client_for, alice, http_server):
    items = [{"title": f"Entry {n}", "link": http_server.url_for(f"/e{n}")} for n in range(12)]
    http_server.add_route("/feed.xml", Reply(body=rss(items, title="Demo"), headers=RSS_TYPE))
    data = form_data(url=http_server.url_for("/feed.xml"), _test="1")

    response = client_for(alice).post(CREATE_URL, data, **HTMX)

    assert_drawer_partial(response)
    titles = texts(response, f"//ol[{cls('preview-entries')}]/li/a")
    assert titles == [f"Entry {n}" for n in range(10)]
    [summary] = texts(response, f"//div[{cls('preview')}]/p[1]")
    assert summary == "RSS feed “Demo” with 12 entries."
    assert input_value(response, "name") == "Tech News"
    assert Feed.objects.count() == 0


def test_test_feed_on_a_web_page_lists_the_feeds_it_advertises(client_for, alice, http_server):
    page = (
        "<!doctype html><html><head><title>News</title>"
        '<link rel="alternate" type="application/rss+xml" title="All news" href="/all.xml">'
        '<link rel="alternate" type="application/atom+xml" title="Tech" href="/tech.atom">'
        "</head><body>Hello</body></html>"
    )
    http_server.add_route("/", Reply(body=page, headers={"Content-Type": "text/html"}))

    response = client_for(alice).post(
        CREATE_URL, form_data(url=http_server.url + "/", _test="1"), **HTMX
    )

    [error] = texts(response, f"//div[@id='feed-preview']/div[{cls('form-errors')}]")
    assert (
        error == "This address is a web page, not a feed. It advertises 2 feeds: choose one below."
    )
    doc = html.fromstring(response.content.decode())
    advertised = [b.get("data-fill-url") for b in doc.xpath("//ul[@class='alternates']//button")]
    assert advertised == [http_server.url_for("/all.xml"), http_server.url_for("/tech.atom")]
    assert Feed.objects.count() == 0


def test_test_feed_on_a_missing_page_says_what_the_server_answered(client_for, alice, http_server):
    data = form_data(url=http_server.url_for("/gone.xml"), _test="1")

    response = client_for(alice).post(CREATE_URL, data, **HTMX)

    [error] = texts(response, f"//div[@id='feed-preview']/div[{cls('form-errors')}]")
    assert error.startswith("The server answered 404 Not Found.")
    assert Feed.objects.count() == 0


def test_test_feed_on_a_dribbling_server_answers_within_its_own_short_bound(client_for, alice):
    # A web request that fetches must not wait the 20 s a feed refresh may take: a server
    # dribbling its headers a byte a second is cut off at the preview's own 8 s bound.
    with HeaderDribbleServer(byte_delay=1.0, max_bytes=30) as server:
        data = form_data(url=server.url_for("/feed.xml"), _test="1")
        started = time.monotonic()
        response = client_for(alice).post(CREATE_URL, data, **HTMX)
        elapsed = time.monotonic() - started

    [error] = texts(response, f"//div[@id='feed-preview']/div[{cls('form-errors')}]")
    assert error == "timed out after 8 s"
    assert 7.9 <= elapsed < 9.5
    assert Feed.objects.count() == 0


def test_editing_a_feed_shows_its_values_and_saves_changes(client_for, alice, org_a):
    feed = make_feed(org_a, "https://news.example/rss.xml", name="Old name", fetch_timeout=30)
    url = reverse("feeds:edit", args=[feed.pk])

    form = client_for(alice).get(url, **HTMX)
    assert (input_value(form, "name"), input_value(form, "fetch_timeout")) == ("Old name", "30")
    response = client_for(alice).post(url, form_data(name="New name", url=feed.url), **HTMX)

    assert response["HX-Redirect"] == LIST_URL
    feed.refresh_from_db()
    assert (feed.name, feed.fetch_timeout) == ("New name", 20)


def test_editing_only_the_name_keeps_the_fetch_state(client_for, alice, org_a):
    next_fetch = timezone.now() + timedelta(minutes=20)
    feed = make_feed(org_a, "https://news.example/rss.xml", etag='"v7"', next_fetch_at=next_fetch)

    client_for(alice).post(
        reverse("feeds:edit", args=[feed.pk]), form_data(name="Renamed", url=feed.url), **HTMX
    )

    feed.refresh_from_db()
    assert (feed.name, feed.etag, feed.next_fetch_at) == ("Renamed", '"v7"', next_fetch)


def test_changing_the_address_starts_the_feed_afresh(client_for, alice, org_a):
    feed = make_feed(
        org_a,
        "https://news.example/rss.xml",
        etag='"v7"',
        next_fetch_at=timezone.now() + timedelta(hours=3),
    )
    data = form_data(url="https://news.example/atom.xml")

    client_for(alice).post(reverse("feeds:edit", args=[feed.pk]), data, **HTMX)

    feed.refresh_from_db()
    assert (feed.url, feed.etag, feed.next_fetch_at) == (data["url"], "", None)


def test_deleting_a_feed_asks_first_and_keeps_its_articles(client_for, alice, org_a):
    feed = make_feed(org_a, "https://news.example/rss.xml", name="<b>Bold</b> News")
    article = add_article(feed, "/story")
    url = reverse("feeds:delete", args=[feed.pk])

    client = client_for(alice)
    confirm = client.get(url, **HTMX)
    assert b"<html" not in confirm.content
    assert "Delete “&lt;b&gt;Bold&lt;/b&gt; News”?" in confirm.content.decode()
    assert "Articles already read from it are kept" in confirm.content.decode()
    assert Feed.objects.filter(pk=feed.pk).exists()

    response = client.post(url, **HTMX)

    assert response["HX-Redirect"] == LIST_URL
    assert not Feed.objects.filter(pk=feed.pk).exists()
    assert Article.objects.filter(pk=article.pk).exists()
    assert "Its articles were kept." in client.get(LIST_URL).content.decode()


def test_disabling_and_enabling_a_feed(client_for, alice, org_a):
    feed = make_feed(org_a, "https://news.example/rss.xml", name="Daily", consecutive_failures=4)
    url = reverse("feeds:toggle", args=[feed.pk])
    client = client_for(alice)

    page = client.post(url, follow=True)
    feed.refresh_from_db()
    assert not feed.enabled
    assert "Feed “Daily” disabled." in page.content.decode()
    assert cells(page, feed)[1] == "disabled"

    page = client.post(url, follow=True)
    feed.refresh_from_db()
    assert (feed.enabled, feed.consecutive_failures, feed.next_fetch_at) == (True, 0, None)
    assert "Feed “Daily” enabled." in page.content.decode()


@pytest.mark.parametrize(
    "name, method",
    [
        *[("edit", "get"), ("edit", "post"), ("delete", "get"), ("delete", "post")],
        *[("toggle", "post"), ("refresh", "post")],
    ],
)
def test_another_organizations_feed_is_not_found(client_for, charlie, org_a, name, method):
    feed = make_feed(org_a, "https://news.example/rss.xml", name="Alice's")
    url = reverse(f"feeds:{name}", args=[feed.pk])

    response = getattr(client_for(charlie), method)(url, form_data(name="Hijacked"), **HTMX)

    assert response.status_code == 404
    after = Feed.objects.get(pk=feed.pk)
    assert (after.name, after.enabled, after.url) == ("Alice's", True, feed.url)


def test_a_member_can_manage_feeds(client_for, bob, org_a):
    client = client_for(bob)

    added = client.post(CREATE_URL, form_data(name="Bob's feed"), **HTMX)
    assert added["HX-Redirect"] == LIST_URL
    feed = Feed.objects.get(organization=org_a)
    client.post(reverse("feeds:edit", args=[feed.pk]), form_data(name="Renamed"), **HTMX)
    client.post(reverse("feeds:toggle", args=[feed.pk]))
    feed.refresh_from_db()
    assert (feed.name, feed.enabled) == ("Renamed", False)

    client.post(reverse("feeds:delete", args=[feed.pk]), **HTMX)
    assert not Feed.objects.exists()
