"""parse_feed: RSS, Atom and JSON Feed bytes in, plain and safe entries out (no network)."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from feeds.parsing import (
    SUMMARY_MAX_CHARS,
    FeedParseError,
    ParsedEntry,
    ParsedFeed,
    parse_feed,
)
from tests.feeds.parsing_data import NOW, by_title, fixture, item, rss

# --- RSS 2.0 -------------------------------------------------------------------------------------


@pytest.fixture
def rss2() -> ParsedFeed:
    return parse_feed(
        fixture("rss2.xml"), url="https://news.example.com/rss", content_type="application/rss+xml"
    )


def test_an_rss2_feed_gives_its_kind_title_site_link_and_ttl(rss2: ParsedFeed) -> None:
    assert (rss2.kind, rss2.title, rss2.link, rss2.ttl_minutes) == (
        "rss",
        "Example Business News",
        "https://news.example.com/",
        60,
    )


def test_a_ttl_element_with_attributes_is_ignored_instead_of_crashing() -> None:
    # feedparser stores an unhandled element that has attributes as a dict of them.
    body = rss(item(1), channel='<ttl xml:lang="en">60</ttl>')
    assert parse_feed(body, url="https://site.example/rss", now=NOW).ttl_minutes is None


def test_rss2_entries_keep_feed_order_and_the_one_without_a_link_is_skipped(
    rss2: ParsedFeed,
) -> None:
    assert [e.title for e in rss2.entries] == [
        "Acme launches a rocket & a snack bar",
        "Globex opens a new plant",
        "Initech reorganises",
        "Umbrella Corp & Soylent sign a deal",
    ]
    assert rss2.total_entries == 5
    assert rss2.warnings == ["Skipped 1 entry without a link."]


def test_html_in_titles_is_stripped_and_entities_are_decoded(rss2: ParsedFeed) -> None:
    titles = [e.title for e in rss2.entries]
    assert "Acme launches a rocket & a snack bar" in titles  # escaped <b>, double-escaped &
    assert "Umbrella Corp & Soylent sign a deal" in titles  # CDATA with <i>


def test_a_relative_link_is_resolved_against_the_feed_url(rss2: ParsedFeed) -> None:
    entry = by_title(rss2)["Initech reorganises"]
    assert entry.link == "https://news.example.com/2024/03/initech-reorganises"


def test_an_entry_without_a_date_has_no_published_time(rss2: ParsedFeed) -> None:
    assert by_title(rss2)["Globex opens a new plant"].published is None


def test_published_times_are_timezone_aware_utc(rss2: ParsedFeed) -> None:
    acme = rss2.entries[0]
    assert acme.published == datetime(2024, 3, 5, 8, 30, tzinfo=UTC)  # +0100 in the feed
    assert acme.published.utcoffset() == timedelta(0)


def test_summaries_are_plain_text_without_tags_or_scripts(rss2: ParsedFeed) -> None:
    assert rss2.entries[0].summary == (
        "Acme Corp. said on Tuesday it would launch a rocket. Analysts were surprised."
    )
    assert by_title(rss2)["Globex opens a new plant"].summary == (
        "Globex & partners open a plant in Ohio."
    )


def test_content_encoded_serves_as_the_summary_when_there_is_no_description(
    rss2: ParsedFeed,
) -> None:
    entry = by_title(rss2)["Umbrella Corp & Soylent sign a deal"]
    assert entry.summary == "The deal is worth $2bn. Both brands will co-market."


def test_the_guid_is_the_entry_id_or_else_the_link(rss2: ParsedFeed) -> None:
    assert rss2.entries[0].guid == "news-example-1001"
    globex = by_title(rss2)["Globex opens a new plant"]
    assert globex.guid == globex.link


def test_authors_come_from_dc_creator_and_from_the_name_in_rss_author(rss2: ParsedFeed) -> None:
    assert rss2.entries[0].author == "Jane Reporter"
    assert by_title(rss2)["Umbrella Corp & Soylent sign a deal"].author == "Business Desk"


def test_links_keep_their_query_string_for_the_caller_to_canonicalize(rss2: ParsedFeed) -> None:
    assert rss2.entries[0].link == (
        "https://news.example.com/2024/03/acme-rocket?utm_source=rss&utm_medium=feed"
    )


# --- RSS 0.91, RSS 1.0, Atom ---------------------------------------------------------------------


def test_an_rss091_feed_with_the_netscape_doctype_is_accepted() -> None:
    feed = parse_feed(fixture("rss091.xml"), url="http://wire.example.org/rss.xml")
    assert feed.kind == "rss"
    assert feed.warnings == []
    assert [e.link for e in feed.entries] == [
        "http://wire.example.org/stories/hooli-buys",
        "http://wire.example.org/stories/pied-piper-raises",
    ]


def test_an_rss1_rdf_feed_is_of_kind_rss_and_reads_dublin_core_dates() -> None:
    feed = parse_feed(fixture("rss1_rdf.xml"), url="https://rdf.example.net/rss")
    assert feed.kind == "rss"
    assert feed.title == "RDF Site Summary News"
    assert [(e.title, e.published, e.author) for e in feed.entries] == [
        (
            "Vandelay Industries expands imports",
            datetime(2024, 2, 10, 10, tzinfo=UTC),
            "Art Vandelay",
        ),
        ("Kramerica signs a partner", datetime(2024, 2, 11, 9, 30, tzinfo=UTC), ""),
    ]


@pytest.fixture
def atom() -> ParsedFeed:
    return parse_feed(
        fixture("atom.xml"),
        url="https://feeds.example.net/brand.atom",  # xml:base, not this URL, decides
        content_type="application/atom+xml",
    )


def test_atom_links_are_resolved_against_xml_base(atom: ParsedFeed) -> None:
    assert atom.kind == "atom"
    assert atom.link == "https://blog.example.com/"
    assert [e.link for e in atom.entries] == [
        "https://blog.example.com/posts/wayne-car",
        "https://blog.example.com/archive/2024/stark-green",  # the entry's own xml:base
    ]


def test_a_relative_xml_base_is_resolved_against_the_feed_url() -> None:
    body = (
        b'<?xml version="1.0" encoding="utf-8"?>'
        b'<feed xmlns="http://www.w3.org/2005/Atom" xml:base="/blog/"><title>Blog</title>'
        b'<link href="./"/><entry><title>One</title><link href="posts/one"/><id>urn:1</id>'
        b'</entry><entry xml:base="https://cdn.example.org/x/"><title>Two</title>'
        b'<link href="two"/><id>urn:2</id></entry></feed>'
    )

    feed = parse_feed(body, url="https://site.example/feeds/atom.xml")

    assert feed.link == "https://site.example/blog/"
    assert [e.link for e in feed.entries] == [
        "https://site.example/blog/posts/one",
        "https://cdn.example.org/x/two",  # an absolute xml:base wins over the feed URL
    ]


def test_atom_prefers_published_and_falls_back_to_updated(atom: ParsedFeed) -> None:
    assert [e.published for e in atom.entries] == [
        datetime(2024, 4, 1, 8, 0, tzinfo=UTC),
        datetime(2024, 4, 2, 9, 15, tzinfo=UTC),
    ]


def test_atom_html_and_xhtml_become_plain_text(atom: ParsedFeed) -> None:
    wayne, stark = atom.entries
    assert (wayne.title, wayne.summary, wayne.author) == (
        "Wayne Enterprises unveils a car",
        "A new car was shown.",
        "Lucius Fox",
    )
    assert stark.summary == "Solar everywhere."


# --- JSON Feed -----------------------------------------------------------------------------------


@pytest.fixture
def json_feed() -> ParsedFeed:
    return parse_feed(
        fixture("jsonfeed.json"),
        url="https://json.example.com/feed.json",
        content_type="application/feed+json",
    )


def test_a_json_feed_gives_its_kind_title_and_home_page(json_feed: ParsedFeed) -> None:
    assert (json_feed.kind, json_feed.title, json_feed.link, json_feed.ttl_minutes) == (
        "json",
        "Example JSON News",
        "https://json.example.com/",
        None,
    )


def test_json_feed_items_become_entries_like_any_other_feed(json_feed: ParsedFeed) -> None:
    cyberdyne, tyrell, oscorp = json_feed.entries
    assert cyberdyne == ParsedEntry(
        guid="1",
        link="https://json.example.com/posts/cyberdyne",
        title="Cyberdyne ships a new chip",
        author="Miles Dyson",
        published=datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
        summary="Cyberdyne\u2019s chip is fast.",
    )
    assert tyrell.link == "https://json.example.com/posts/tyrell"  # relative url resolved
    assert tyrell.author == "Newsroom"  # the feed's authors apply to items without their own
    assert tyrell.published == datetime(2024, 5, 2, 9, 0, tzinfo=UTC)  # date_modified fallback
    assert oscorp.link == "https://json.example.com/posts/oscorp"  # the id is a URL


def test_a_json_item_without_a_title_takes_the_first_words_of_its_text(
    json_feed: ParsedFeed,
) -> None:
    title = json_feed.entries[1].title
    assert title.startswith("Tyrell Corporation announced a replicant recall")
    assert title.endswith("…")
    assert len(title) <= 80


def test_json_items_without_links_or_that_are_not_objects_are_skipped_with_warnings(
    json_feed: ParsedFeed,
) -> None:
    assert json_feed.total_entries == 5
    assert json_feed.warnings == [
        "Skipped 1 entry without a link.",
        "Skipped 1 item that was not a JSON object.",
    ]


def test_a_json_feed_is_recognised_without_a_content_type() -> None:
    feed = parse_feed(fixture("jsonfeed.json"), url="https://json.example.com/feed.json")
    assert feed.kind == "json"


def test_json_feed_1_0_author_objects_and_numeric_ids_are_understood() -> None:
    body = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1",
            "title": "Old",
            "author": {"name": "Feed Author"},
            "items": [
                {"id": 42, "url": "https://j.example/1", "title": "A", "author": {"name": "Ann"}},
                {"id": 43, "url": "https://j.example/2", "title": "B"},
            ],
        }
    ).encode()
    feed = parse_feed(body, url="https://j.example/feed.json", content_type="application/json")
    assert [(e.guid, e.author) for e in feed.entries] == [("42", "Ann"), ("43", "Feed Author")]


def test_json_that_is_not_a_json_feed_is_refused() -> None:
    body = b'{"version": "2.0", "items": []}'
    with pytest.raises(FeedParseError, match="not a JSON Feed"):
        parse_feed(body, url="https://j.example/api", content_type="application/json")


def test_a_json_document_that_is_not_an_object_is_refused_with_a_clear_error() -> None:
    with pytest.raises(FeedParseError) as caught:
        parse_feed(b'[{"id": 1}]', url="https://j.example/feed.json")
    assert caught.value.message == (
        "This is not a JSON Feed: a JSON Feed is a JSON object at the top level, not a list."
    )


def test_invalid_json_is_refused_with_its_line_and_column() -> None:
    body = b'{\n  "version": "https://jsonfeed.org/version/1.1",\n  "items": [,]\n}'
    with pytest.raises(FeedParseError, match=r"not valid JSON \(line 3, column 13"):
        parse_feed(body, url="https://j.example/feed.json", content_type="application/feed+json")


def test_deeply_nested_json_is_refused_before_it_is_decoded() -> None:
    body = b'{"version": "https://jsonfeed.org/version/1.1", "items": [], "x": ' + (
        b"[" * 100_000 + b"]" * 100_000 + b"}"
    )
    with pytest.raises(FeedParseError, match="nested more than"):
        parse_feed(body, url="https://j.example/feed.json")


def test_brackets_inside_json_strings_do_not_count_as_nesting() -> None:
    body = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "items": [{"id": "1", "url": "https://j.example/1", "title": "[" * 500 + '"{'}],
        }
    ).encode()
    assert parse_feed(body, url="https://j.example/feed.json").entries[0].title.startswith("[[[")


# --- Encodings -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type", [None, "text/xml", "application/rss+xml", "application/xml; charset=ISO-8859-1"]
)
def test_an_iso_8859_1_feed_decodes_its_accents(content_type: str | None) -> None:
    feed = parse_feed(
        fixture("latin1.xml"), url="https://n.example.es/rss", content_type=content_type
    )
    assert feed.title == "Café Noticias"
    assert feed.entries[0].title == "El niño y la piñata: Müller compra Café Olé"
    assert "según fuentes de España" in feed.entries[0].summary
    assert feed.warnings == []


def test_a_windows_1252_charset_from_the_http_header_is_honoured() -> None:
    title = "\u201cQuoted\u201d \u20ac5 caf\xe9"  # all outside ISO-8859-1 but the é
    doc = f'<rss version="2.0"><channel><title>{title}</title></channel></rss>'
    feed = parse_feed(
        doc.encode("windows-1252"),
        url="https://x.example/rss",
        content_type="application/rss+xml; charset=windows-1252",
    )
    assert feed.title == "\u201cQuoted\u201d \u20ac5 café"


def test_utf8_without_a_declared_encoding_or_content_type_is_read_as_utf8() -> None:
    # feedparser alone would fall back to ISO-8859-1 here (RFC 3023) and garble the text.
    doc = '<rss version="2.0"><channel><title>Zürich · Ünïcödé</title></channel></rss>'
    assert parse_feed(doc.encode(), url="https://x.example/rss").title == "Zürich · Ünïcödé"


def test_a_feed_that_lies_about_its_encoding_is_read_anyway_with_a_warning() -> None:
    doc = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Café</title>'
    body = (doc + item(1) + "</channel></rss>").encode("windows-1252")
    feed = parse_feed(body, url="https://x.example/rss")
    assert feed.title == "Café"
    assert feed.warnings == ["The feed's encoding is mislabelled; it was read as windows-1252."]


def test_a_utf16_feed_with_a_byte_order_mark_is_read() -> None:
    body = rss(item(1)).decode().replace('encoding="utf-8"', 'encoding="utf-16"').encode("utf-16")
    assert parse_feed(body, url="https://x.example/rss").entries[0].title == "Story 1"


# --- Dates, links, titles, sizes -----------------------------------------------------------------


def test_dates_more_than_a_day_ahead_are_dropped_but_slight_clock_skew_is_kept() -> None:
    body = rss(
        item(1, date=NOW + timedelta(hours=20))
        + item(2, date=NOW + timedelta(days=3))
        + item(3, date=NOW - timedelta(days=400))
    )
    feed = parse_feed(body, url="https://site.example/rss", now=NOW)
    assert [e.published for e in feed.entries] == [
        NOW + timedelta(hours=20),
        None,
        NOW - timedelta(days=400),
    ]


def test_unparseable_dates_become_none() -> None:
    body = rss(item(1).replace("</item>", "<pubDate>the day after tomorrow</pubDate></item>"))
    assert parse_feed(body, url="https://site.example/rss").entries[0].published is None


def test_duplicate_links_inside_one_feed_appear_once() -> None:
    body = rss(
        item(1, link="https://site.example/a?id=1&amp;utm_source=rss")
        + item(2, link="https://SITE.example/a?id=1#comments")
        + item(3, link="https://site.example/a?id=2")
        + item(4, link="https://site.example/a?id=1")
    )
    feed = parse_feed(body, url="https://site.example/rss")
    assert [e.title for e in feed.entries] == ["Story 1", "Story 3"]
    assert feed.warnings == ["Dropped 2 entries repeating an earlier link."]


def test_an_entry_without_a_link_uses_a_guid_that_is_a_url() -> None:
    body = rss(
        "<item><title>G</title><guid isPermaLink='false'>https://site.example/g</guid></item>"
        "<item><title>H</title><guid isPermaLink='false'>not-a-url</guid></item>"
    )
    feed = parse_feed(body, url="https://site.example/rss")
    assert [(e.title, e.link) for e in feed.entries] == [("G", "https://site.example/g")]


def test_a_missing_title_comes_from_the_summary_or_else_the_link() -> None:
    body = rss(
        "<item><link>https://site.example/1</link>"
        "<description>&lt;p&gt;Short &lt;b&gt;news&lt;/b&gt; text.&lt;/p&gt;</description></item>"
        "<item><link>https://site.example/2</link></item>"
    )
    feed = parse_feed(body, url="https://site.example/rss")
    assert [e.title for e in feed.entries] == ["Short news text.", "https://site.example/2"]


def test_plain_text_that_looks_like_a_comparison_is_not_eaten_as_a_tag() -> None:
    body = rss(
        "<item><title>Prices: a &lt; b and c > d</title><link>https://s.example/1</link></item>"
    )
    assert parse_feed(body, url="https://s.example/rss").entries[0].title == (
        "Prices: a < b and c > d"
    )


def test_summaries_are_capped_at_about_five_thousand_characters() -> None:
    words = " ".join(f"word{i}" for i in range(5000))
    body = rss(
        f"<item><title>Long</title><link>https://s.example/1</link><description>{words}</description></item>"
    )
    summary = parse_feed(body, url="https://s.example/rss").entries[0].summary
    assert len(summary) <= SUMMARY_MAX_CHARS
    assert summary.endswith("…")
    assert summary.startswith("word0 word1 ")


def test_whitespace_inside_titles_and_summaries_is_collapsed() -> None:
    body = rss(
        "<item><title>\n  Spaced \t  out\n</title><link>https://s.example/1</link>"
        "<description>&lt;p&gt;one&lt;/p&gt;&lt;p&gt;two&lt;br&gt;three&lt;/p&gt;</description></item>"
    )
    entry = parse_feed(body, url="https://s.example/rss").entries[0]
    assert (entry.title, entry.summary) == ("Spaced out", "one two three")
