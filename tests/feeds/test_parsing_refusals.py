"""parse_feed refuses what is not a feed or is hostile: broken XML, HTML pages (with the feeds
they advertise), entity bombs, external entities and unsafe links."""

import io
import time
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest

from feeds.parsing import (
    ENTITIES_REFUSED,
    NOT_A_FEED,
    UNREADABLE_CHARACTER,
    FeedParseError,
    NotAFeed,
    parse_feed,
)
from tests.feeds.parsing_data import fixture, item, rss

# --- Broken and non-feeds ------------------------------------------------------------------------


def test_a_malformed_feed_keeps_its_valid_entries_and_warns() -> None:
    feed = parse_feed(fixture("malformed.xml"), url="https://broken.example.com/rss")
    assert [e.link for e in feed.entries][:2] == [
        "https://broken.example.com/1",
        "https://broken.example.com/2",
    ]
    assert feed.entries[0].published == datetime(2024, 4, 1, 10, tzinfo=UTC)
    first = feed.warnings[0]
    assert first.startswith("The feed is not well-formed XML (line 17: mismatched tag); ")
    assert first.endswith(f"{len(feed.entries)} entries could still be read.")


def test_a_reference_to_a_surrogate_is_refused_instead_of_crashing() -> None:
    # feedparser's forgiving parser made the character and raised UnicodeEncodeError.
    body = rss("<item><title>a&#xD800;b</title><link>https://site.example/1</link></item>")
    with pytest.raises(FeedParseError, match=UNREADABLE_CHARACTER):
        parse_feed(body, url="https://site.example/rss")


@pytest.mark.parametrize(
    "body",
    [
        b"hello, this is plain text",
        b'<?xml version="1.0"?><note><to>Tove</to><body>Hi</body></note>',
        b"/etc/passwd",  # never opened: feedparser only ever sees io.BytesIO
        b"http://127.0.0.1:1/feed.xml",  # never fetched
    ],
)
def test_something_that_is_not_a_feed_is_refused_with_a_clear_sentence(body: bytes) -> None:
    with pytest.raises(FeedParseError) as caught:
        parse_feed(body, url="https://x.example/feed")
    assert caught.value.message == NOT_A_FEED


def test_an_empty_response_is_refused() -> None:
    with pytest.raises(FeedParseError, match="empty"):
        parse_feed(b"  \n", url="https://x.example/feed")


def test_hopelessly_broken_xml_says_that_no_entries_could_be_read() -> None:
    body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></chanel></rss>'
    with pytest.raises(
        FeedParseError,
        match=r"not well-formed XML \(line 1: mismatched tag\); no entry could be read",
    ):
        parse_feed(body, url="https://x.example/feed")


def test_a_valid_feed_without_entries_is_returned_empty() -> None:
    feed = parse_feed(rss(""), url="https://site.example/rss")
    assert (feed.title, feed.entries, feed.warnings, feed.total_entries) == ("T", [], [], 0)


# --- HTML pages ----------------------------------------------------------------------------------


def test_an_html_page_lists_the_feeds_it_advertises_with_absolute_urls() -> None:
    with pytest.raises(NotAFeed) as caught:
        parse_feed(
            fixture("html_page_with_alternates.html"),
            url="https://www.example.com/newsroom/index.html",
            content_type="text/html; charset=utf-8",
        )
    assert caught.value.message == (
        "This address is a web page, not a feed. It advertises 2 feeds: choose one below."
    )
    # Resolved against <base href>, duplicates once, WordPress's JSON API and hreflang left out.
    assert caught.value.alternates == [
        ("Newsroom RSS", "https://www.example.com/newsroom/feed.rss"),
        ("Newsroom & Press (Atom)", "https://feeds.example.com/press.atom"),
    ]


def test_an_html_page_without_feeds_says_it_advertises_none() -> None:
    with pytest.raises(NotAFeed) as caught:
        parse_feed(fixture("html_page_without_feed.html"), url="https://x.example/")
    assert caught.value.message == "This address is a web page, not a feed, and advertises no feed."
    assert caught.value.alternates == []


def test_an_html_page_is_recognised_even_when_served_as_a_feed() -> None:
    with pytest.raises(NotAFeed):
        parse_feed(
            fixture("html_page_without_feed.html"),
            url="https://x.example/",
            content_type="application/rss+xml",
        )


def test_an_untitled_feed_link_is_named_after_its_type() -> None:
    page = b'<html><head><link rel="alternate" type="application/feed+json" href="/f.json">'
    with pytest.raises(NotAFeed) as caught:
        parse_feed(page, url="https://x.example/blog/")
    assert caught.value.message.endswith("It advertises 1 feed: choose it below.")
    assert caught.value.alternates == [("JSON Feed", "https://x.example/f.json")]


def test_a_feed_served_as_text_html_is_still_parsed_as_a_feed() -> None:
    feed = parse_feed(rss(item(1)), url="https://site.example/rss", content_type="text/html")
    assert [e.title for e in feed.entries] == ["Story 1"]


# --- Security ------------------------------------------------------------------------------------


def test_a_billion_laughs_feed_is_refused_without_expanding_anything() -> None:
    started = time.monotonic()
    with pytest.raises(FeedParseError) as caught:
        parse_feed(fixture("billion_laughs.xml"), url="https://lol.example.com/rss")
    assert caught.value.message == ENTITIES_REFUSED
    assert time.monotonic() - started < 5


def test_a_billion_laughs_declared_on_the_prolog_line_is_refused() -> None:
    # feedparser's own DOCTYPE stripping only looks at line starts; expat would see this one.
    decls = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)
    )
    body = rss(item(1).replace("Story 1", "&i;"), prolog=f"<!DOCTYPE rss [{decls}]>")
    with pytest.raises(FeedParseError, match="refused for safety"):
        parse_feed(body, url="https://lol.example.com/rss")


def test_one_big_entity_used_many_times_is_refused() -> None:
    # The "quadratic blow-up": feedparser re-declares entities without "&" as "safe" and its
    # fallback parser expands them without limit (100 kB x 20,000 took 8 GB before the screen).
    prolog = '\n<!DOCTYPE rss [\n<!ENTITY a "' + "A" * 10_000 + '">\n]>\n'
    body = rss(item(1).replace("Story 1", "&a;" * 2_000), prolog=prolog)
    with pytest.raises(FeedParseError, match="refused for safety"):
        parse_feed(body, url="https://x.example/rss")


def test_an_entity_hidden_in_a_prolog_comment_is_refused() -> None:
    # expat ignores comments, but feedparser's regex still picks the declaration up.
    prolog = '\n<!DOCTYPE rss [\n<!--\n<!ENTITY a "' + "A" * 1000 + '">\n-->\n]>\n'
    with pytest.raises(FeedParseError, match="refused for safety"):
        parse_feed(rss(item(1), prolog=prolog), url="https://x.example/rss")


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-7f3a9c")
    (tmp_path / "evil.dtd").write_text(f'<!ENTITY leak SYSTEM "{path.as_uri()}">')
    return path


@pytest.mark.parametrize(
    "template",
    [
        '\n<!DOCTYPE rss [\n<!ENTITY xxe SYSTEM "{secret}">\n]>\n',
        '<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret}">]>',
        '<!DOCTYPE rss [<!ENTITY xxe PUBLIC "-//X//Y" "{secret}">]>',
        '<!DOCTYPE rss [<!ENTITY % p SYSTEM "{dtd}"> %p;]>',
    ],
)
def test_an_external_entity_feed_is_refused_and_never_reads_the_file(
    secret_file: Path, template: str
) -> None:
    prolog = template.format(
        secret=secret_file.as_uri(), dtd=(secret_file.parent / "evil.dtd").as_uri()
    )
    body = rss(item(1).replace("Story 1", "x &xxe; y"), prolog=prolog)
    with pytest.raises(FeedParseError) as caught:
        parse_feed(body, url="https://x.example/rss")
    assert caught.value.message == ENTITIES_REFUSED
    assert "TOP-SECRET" not in repr(caught.value)


def test_an_external_dtd_is_neither_loaded_nor_expanded(secret_file: Path) -> None:
    dtd = (secret_file.parent / "evil.dtd").as_uri()
    body = rss(
        item(1) + item(2).replace("Story 2", "&leak;"), prolog=f'<!DOCTYPE rss SYSTEM "{dtd}">'
    )
    feed = parse_feed(body, url="https://x.example/rss")
    assert "TOP-SECRET" not in repr(feed)
    assert feed.entries[0].title == "Story 1"


def test_feedparser_on_its_own_never_reads_an_external_entity(secret_file: Path) -> None:
    # A canary for the assumption above: if a feedparser upgrade starts resolving SYSTEM
    # entities, this fails even though parse_feed refuses such feeds before feedparser runs.
    for prolog in (
        f'\n<!DOCTYPE rss [\n<!ENTITY xxe SYSTEM "{secret_file.as_uri()}">\n]>\n',
        f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret_file.as_uri()}">]>',
    ):
        body = rss(item(1).replace("Story 1", "&xxe;"), prolog=prolog)
        result = feedparser.parse(io.BytesIO(body), sanitize_html=False)
        assert "TOP-SECRET" not in repr(result)


def test_harmless_character_entities_in_a_doctype_are_still_accepted() -> None:
    prolog = '\n<!DOCTYPE rss [\n<!ENTITY nbsp "&#160;">\n<!ENTITY copy "&#xA9;">\n]>\n'
    body = rss(item(1).replace("Story 1", "Acme&nbsp;Corp &copy; 2024"), prolog=prolog)
    assert parse_feed(body, url="https://x.example/rss").entries[0].title == "Acme Corp © 2024"


def test_javascript_and_data_links_are_treated_as_missing() -> None:
    body = rss(item(1, link="javascript:alert(1)") + item(2, link="data:text/html,hi") + item(3))
    feed = parse_feed(body, url="https://site.example/rss")
    assert [e.link for e in feed.entries] == ["https://site.example/a/3"]
    assert feed.warnings == ["Skipped 2 entries without a link."]
