"""The articles list (filters, pages, isolation) and the article page (text, sources, safety)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from lxml import html

from feeds.models import Article, ArticleFeed, ArticleStatus, Feed
from feeds.urls_canonical import url_hash
from tests.feeds.builders import make_feed

pytestmark = pytest.mark.django_db

LIST_URL = reverse("feeds:articles")
DAY = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
XSS_TITLE = "<script>alert(1)</script> Acme wins"
REASON = "No article text found on the page (paywall or empty page)."
XSS_TEXT = "Acme's results. <img src=x onerror=alert(1)> More text."


def add_article(org, path: str, *, feeds: tuple[Feed, ...] = (), **values) -> Article:
    url = f"https://news.example{path}"
    values.setdefault("published_at", DAY)
    article = Article.objects.create(
        organization=org, canonical_url=url, url_hash=url_hash(url), original_url=url, **values
    )
    for feed in feeds:
        ArticleFeed.objects.create(article=article, feed=feed)
    return article


def titles(response) -> list[str]:
    doc = html.fromstring(response.content.decode())
    return [a.text_content() for a in doc.xpath("//table//tbody/tr/td[1]/a")]


def text_of(response, xpath: str) -> str:
    doc = html.fromstring(response.content.decode())
    return " ".join(" ".join(node.text_content().split()) for node in doc.xpath(xpath))


@pytest.fixture
def catalogue(org_a, org_b):
    wire = make_feed(org_a, "https://wire.example/rss", name="Wire")
    blog = make_feed(org_a, "https://blog.example/rss", name="Blog")
    add_article(org_a, "/1", title="Acme opens a plant", feeds=(wire,), status="extracted")
    add_article(
        org_a,
        "/2",
        title="Globex buys ACME parts",
        feeds=(blog,),
        status="failed",
        published_at=DAY - timedelta(days=5),
    )
    add_article(org_a, "/3", title="Initech hires", feeds=(wire, blog), status="pending")
    theirs = make_feed(org_b, "https://wire.example/rss", name="Wire")
    add_article(org_b, "/1", title="Acme in B only", feeds=(theirs,), status="extracted")
    return {"wire": wire, "blog": blog}


def test_the_list_shows_only_the_organizations_articles(client_for, alice, catalogue):
    response = client_for(alice).get(LIST_URL)

    assert sorted(titles(response)) == [
        "Acme opens a plant",
        "Globex buys ACME parts",
        "Initech hires",
    ]
    assert "3 articles" in response.content.decode()


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"q": "acme"}, ["Acme opens a plant", "Globex buys ACME parts"]),
        ({"feed": "wire"}, ["Acme opens a plant", "Initech hires"]),
        ({"feed": "blog", "q": "initech"}, ["Initech hires"]),
        ({"status": "failed"}, ["Globex buys ACME parts"]),
        ({"since": "2026-03-08"}, ["Acme opens a plant", "Initech hires"]),
        ({"q": "nothing like this"}, []),
    ],
)
def test_the_filters_narrow_the_list(client_for, alice, catalogue, query, expected):
    if "feed" in query:
        query = {**query, "feed": catalogue[query["feed"]].pk}

    response = client_for(alice).get(LIST_URL, query)

    assert sorted(titles(response)) == expected
    if not expected:
        assert "Nothing matches these filters." in response.content.decode()


def test_another_organizations_feed_is_not_a_filter_choice(client_for, alice, charlie, catalogue):
    theirs = Feed.objects.get(name="Wire", organization__name="Organization B")

    response = client_for(alice).get(LIST_URL, {"feed": theirs.pk})

    # Not a choice, so the filter is ignored: alice sees her own articles, none of B's.
    assert sorted(titles(response)) == [
        "Acme opens a plant",
        "Globex buys ACME parts",
        "Initech hires",
    ]
    options = html.fromstring(response.content.decode()).xpath("//select[@name='feed']/option")
    assert [o.text for o in options] == ["All feeds", "Blog", "Wire"]


def test_an_invalid_filter_is_shown_and_the_valid_ones_still_apply(client_for, alice, catalogue):
    response = client_for(alice).get(LIST_URL, {"q": "acme", "since": "not-a-date"})

    # Before, one bad value dropped every filter without a word.
    assert sorted(titles(response)) == ["Acme opens a plant", "Globex buys ACME parts"]
    page = html.fromstring(response.content.decode())
    assert page.xpath("//div[contains(@class,'field-since')]//p[@class='field-error small']")


def test_51_articles_make_two_pages_and_the_filters_follow(client_for, alice, org_a):
    for n in range(51):
        add_article(org_a, f"/s{n}", title=f"Story {n:02}", published_at=DAY + timedelta(hours=n))
    add_article(org_a, "/other", title="Unrelated")
    client = client_for(alice)

    first = client.get(LIST_URL, {"q": "story"})
    assert titles(first)[:2] == ["Story 50", "Story 49"] and len(titles(first)) == 50
    assert "Page 1 of 2" in first.content.decode()
    [older] = html.fromstring(first.content.decode()).xpath("//a[@rel='next']")
    assert older.get("href") == "?q=story&page=2"

    second = client.get(LIST_URL + older.get("href"))
    assert titles(second) == ["Story 00"]
    [newer] = html.fromstring(second.content.decode()).xpath("//a[@rel='prev']")
    assert newer.get("href") == "?q=story&page=1"


def test_the_article_page_shows_the_text_and_where_it_was_seen(client_for, alice, catalogue):
    article = Article.objects.get(title="Initech hires")
    Article.objects.filter(pk=article.pk).update(
        text="Initech hired 200 engineers.\n\nThe company plans more.",
        status=ArticleStatus.EXTRACTED,
        word_count=9,
        language="en",
    )

    response = client_for(alice).get(article.get_absolute_url())

    assert response.status_code == 200
    assert text_of(response, "//h1") == "Initech hires"
    paragraphs = html.fromstring(response.content.decode()).xpath("//div[@class='article-text']/p")
    assert [p.text for p in paragraphs] == [
        "Initech hired 200 engineers.",
        "The company plans more.",
    ]
    assert text_of(response, "//dt[.='Seen in']/following-sibling::dd[1]") == "Blog, Wire"
    assert text_of(response, "//dt[.='Language']/following-sibling::dd[1]") == "en · 9 words"
    assert "Showing the feed's summary" not in response.content.decode()


def test_a_failed_extraction_shows_the_summary_and_why(client_for, alice, org_a):
    article = add_article(
        org_a,
        "/paywalled",
        title="Behind a paywall",
        summary="Acme's chief executive resigned on Monday.",
        status=ArticleStatus.FAILED,
        status_reason=REASON,
    )

    response = client_for(alice).get(article.get_absolute_url())

    status = text_of(response, "//dt[.='Status']/following-sibling::dd[1]")
    assert status == f"Failed {REASON}"
    assert text_of(response, "//p[@class='notice']") == f"Showing the feed's summary: {REASON}"
    text = text_of(response, "//div[@class='article-text']")
    assert text == "Acme's chief executive resigned on Monday."


def test_a_duplicate_links_to_its_original_and_back(client_for, alice, org_a):
    original = add_article(org_a, "/original", title="The original story", text="Same text.")
    copy = add_article(
        org_a,
        "/copy",
        title="A syndicated copy",
        text="Same text.",
        duplicate_of=original,
        status=ArticleStatus.SKIPPED,
    )
    client = client_for(alice)

    page = client.get(copy.get_absolute_url())
    [link] = html.fromstring(page.content.decode()).xpath(
        "//dt[.='Copy of']/following-sibling::dd[1]/a"
    )
    assert (link.get("href"), link.text) == (original.get_absolute_url(), "The original story")

    page = client.get(original.get_absolute_url())
    [back] = html.fromstring(page.content.decode()).xpath(
        "//dt[.='Copies']/following-sibling::dd[1]/a"
    )
    assert back.get("href") == copy.get_absolute_url()
    listed = client.get(LIST_URL)
    assert "duplicate" in text_of(listed, f"//a[@href='{copy.get_absolute_url()}']/../../td[3]")


def test_untrusted_titles_and_text_are_escaped(client_for, alice, org_a):
    feed = make_feed(org_a, "https://x.example/rss", name="<img src=x onerror=alert(2)>")
    article = add_article(
        org_a,
        "/xss",
        feeds=(feed,),
        title=XSS_TITLE,
        text=XSS_TEXT,
        author="<script>alert(3)</script>",
        status=ArticleStatus.EXTRACTED,
    )
    client = client_for(alice)

    for response in (client.get(article.get_absolute_url()), client.get(LIST_URL)):
        content = response.content.decode()
        assert "<script>alert" not in content
        assert "<img src=x" not in content
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Acme wins" in content
    detail = client.get(article.get_absolute_url()).content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in detail
    assert "&lt;img src=x onerror=alert(2)&gt;" in detail
    assert text_of(client.get(article.get_absolute_url()), "//h1") == XSS_TITLE


def test_another_organizations_article_is_not_found(client_for, alice, charlie, org_a):
    article = add_article(org_a, "/secret", title="Alice's scoop", text="Secret.")

    response = client_for(charlie).get(article.get_absolute_url())

    assert response.status_code == 404
    assert "Alice" not in response.content.decode()
    assert client_for(alice).get(article.get_absolute_url()).status_code == 200
