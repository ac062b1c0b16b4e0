"""feeds.fastfeed reads plain RSS 2.0 and Atom 1.0 exactly as feedparser does, and falls back.

The comparison is on every value feeds.parsing reads (tests/feeds/fastfeed_check.py); the
same check runs on every feed of the rest of the suite (tests/conftest.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks._ingest_support import feed_xml
from feeds import fastfeed, parsing
from tests.feeds import builders, parsing_data
from tests.feeds.fastfeed_check import differences, feedparser_result, fields
from tests.feeds.feed_generator import FeedGenerator

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"
XML = {"content-type": "application/xml"}


def _fixture_documents() -> list[tuple[str, bytes]]:
    documents = [(path.name, path.read_bytes()) for path in sorted(FIXTURES.glob("*.xml"))]
    items = [
        {"title": f"T {n} &amp; <b>", "link": f"https://n.example/{n}?a=1&b=2"} for n in range(3)
    ]
    documents.append(("builders.rss", builders.rss(items, ttl=30).encode()))
    entries = "".join(parsing_data.item(n, date=parsing_data.NOW) for n in range(3))
    documents.append(("parsing_data.rss", parsing_data.rss(entries)))
    documents.append(("benchmark feed", feed_xml(3, 50, "http://127.0.0.1:8000")))
    return documents


@pytest.mark.parametrize(("name", "body"), _fixture_documents(), ids=lambda v: str(v)[:30])
def test_every_fixture_feed_reads_the_same_both_ways(name: str, body: bytes) -> None:
    fast, difference = differences(body, XML)
    assert not difference
    if name in ("rss2.xml", "builders.rss", "parsing_data.rss", "benchmark feed"):
        assert fast is not None, f"{name} should take the fast path"


def test_generated_feeds_read_the_same_both_ways() -> None:
    taken = {"rss": 0, "atom": 0}
    fell_back = 0
    for seed in range(3000):
        body, headers = FeedGenerator(seed).document()
        fast, difference = differences(body, headers)
        assert not difference, f"seed {seed}: {difference}"
        if fast is None:
            fell_back += 1
        else:
            taken["atom" if fast["version"] == "atom10" else "rss"] += 1
    # The generator must exercise both paths, and the fast one for both formats.
    assert taken["rss"] > 700 and taken["atom"] > 700 and fell_back > 300, (taken, fell_back)


def test_parse_feed_gives_the_same_parsed_feed_with_and_without_the_fast_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    documents = [body for _, body in _fixture_documents()]
    documents += [FeedGenerator(seed).document()[0] for seed in range(300)]
    compared = 0
    for body in documents:
        results = []
        for use_fast in (True, False):
            if not use_fast:
                monkeypatch.setattr(fastfeed, "parse", lambda body, headers: None)
            try:
                results.append(
                    parsing.parse_feed(
                        body,
                        url="https://feeds.example/f.xml",
                        content_type="application/rss+xml",
                        max_entries=4,
                        now=parsing_data.NOW,
                    )
                )
            except parsing.FeedParseError as error:
                results.append(str(error))
            monkeypatch.undo()
        assert results[0] == results[1]
        compared += 1
    assert compared == len(documents)


def _rss(item: str, declarations: str = "", channel: str = "") -> bytes:
    body = f"<channel>{channel}<item>{item}</item></channel>"
    return f'<rss version="2.0"{declarations}>{body}</rss>'.encode()


def _atom(entry: str) -> bytes:
    return f'<feed xmlns="http://www.w3.org/2005/Atom"><entry>{entry}</entry></feed>'.encode()


_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_FALLBACKS = {
    "RSS 1.0": f'<rdf:RDF xmlns:rdf="{_RDF}" xmlns="http://purl.org/rss/1.0/"/>'.encode(),
    "Atom 0.3": b'<feed xmlns="http://purl.org/atom/ns#" version="0.3"><title>t</title></feed>',
    "malformed": b"<rss><channel><item><title>x</item></channel></rss>",
    "HTML entity": _rss("<title>a&nbsp;b</title>"),
    "DOCTYPE": b'<!DOCTYPE rss SYSTEM "http://x.example/rss.dtd">' + _rss(""),
    "entity": b'<!DOCTYPE rss [<!ENTITY e "x">]>' + _rss("<title>&e;</title>"),
    "external entity": b'<!DOCTYPE rss [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    + _rss("<title>&e;</title>"),
    "xml:base": _atom('<link href="a"/>').replace(b"<entry>", b'<entry xml:base="https://b/">'),
    "base attribute": _rss('<link base="https://b.example/">x</link>'),
    "comment in text": _rss("<title>a<!-- c -->b</title>"),
    "child in text": _rss("<title>a<b>b</b></title>"),
    "two titles": _rss("<title>a</title><title>b</title>"),
    "title type": _rss('<title type="html">a</title>'),
    "unknown element": _rss("<foo>a</foo>"),
    "handled extension": _rss(
        "<media:title>a</media:title>", ' xmlns:media="http://search.yahoo.com/mrss/"'
    ),
    "atom in rss item": _rss("<a:title>a</a:title>", ' xmlns:a="http://www.w3.org/2005/Atom"'),
    "prefix posing as dc": _rss("<dc:creator>a</dc:creator>", ' xmlns:dc="http://not-dc/"'),
    "key-colliding extension": _rss("<title:detail>a</title:detail>", ' xmlns:title="http://t/"'),
    "default namespace element": _rss('<x xmlns="http://x.example/">a</x>'),
    "source": _rss('<source url="https://s.example/">S</source>'),
    "ttl with xml:lang": _rss("", channel='<ttl xml:lang="en">60</ttl>'),
    "image with other child": _rss("", channel="<image><foo/><title>i</title></image>"),
    "xhtml content": _atom(
        '<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">x</div></content>'
    ),
    "content src": _atom('<content src="https://c.example/"/>'),
    "link without href": _atom("<link>https://l.example/</link>"),
    "two channels": b'<rss version="2.0"><channel/><channel/></rss>',
    "namespaced rss": b'<rss xmlns="http://backend.userland.com/rss2" version="2.0"/>',
    "rss 1.0 namespace declared": _rss("", ' xmlns:r="http://purl.org/rss/1.0/"'),
}


@pytest.mark.parametrize("name", sorted(_FALLBACKS))
def test_what_the_fast_path_does_not_fully_understand_falls_back(name: str) -> None:
    assert fastfeed.parse(_FALLBACKS[name], XML) is None


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (
            b'<?xml version="1.0" encoding="utf-8"?>'
            + _rss("<title>caf</title>").replace(b"caf", b"caf\xe9"),
            XML,
        ),
        (_rss("<title>t</title>"), {"content-type": "application/xml; charset=bogus"}),
    ],
    ids=["mislabelled", "unknown charset"],
)
def test_a_guessed_or_overridden_encoding_falls_back(body: bytes, headers: dict[str, str]) -> None:
    assert feedparser_result(body, headers).get("bozo")
    assert fastfeed.parse(body, headers) is None


def test_the_billion_laughs_fixture_never_reaches_lxml() -> None:
    assert fastfeed.parse((FIXTURES / "billion_laughs.xml").read_bytes(), XML) is None


def test_a_plain_feed_takes_the_fast_path_with_every_field_it_reads() -> None:
    body = (
        b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        b'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Site</title>'
        b"<link>https://site.example/</link><ttl>15</ttl><item><title>A &amp;amp; B</title>"
        b"<link>https://site.example/a?x=1&amp;y=2</link><guid>https://site.example/a</guid>"
        b"<pubDate>Tue, 05 Mar 2024 09:30:00 +0100</pubDate><dc:creator>Jane</dc:creator>"
        b"<description>&lt;p&gt;Text&lt;/p&gt;</description></item></channel></rss>"
    )
    fast = fastfeed.parse(body, XML)
    assert fast is not None
    assert fields(fast) == fields(feedparser_result(body, XML))
    assert fast["entries"][0]["link"] == "https://site.example/a?x=1&y=2"
    assert fast["feed"]["ttl"] == "15"


_EDGES = {
    "undeclared prefix": _rss("<x:foo>a</x:foo><title>t</title>"),
    "duplicate namespaced attribute": _rss(
        '<e:x xmlns:e="http://f/" a:y="1" b:y="2">v</e:x>',
        ' xmlns:a="http://e/" xmlns:b="http://e/"',
    ),
    "U+FFFE": _rss("<title>a\ufffeb</title>"),
    "reference to U+0001": _rss("<title>a&#1;b</title>"),
    "reference to a surrogate": _rss("<title>a&#xD800;b</title>"),
    "]]> in text": _rss("<title>a]]>b</title>"),
    "NUL": _rss("<title>a\x00b</title>"),
    "vertical tab": _rss("<title>a\x0bb</title>"),
    "XML 1.1 NEL": b'<?xml version="1.1"?>' + _rss("<title>a\xc2\x85b</title>"),
    "xml prefix declared": _rss(
        "<title>t</title>", ' xmlns:xml="http://www.w3.org/XML/1998/namespace"'
    ),
    "empty namespace for a prefix": _rss('<e:x xmlns:e="">v</e:x>'),
    "junk after the root": _rss("") + b"<x/>",
    "300 levels deep": _rss(
        '<e:x xmlns:e="http://f/">' + "<e:y>" * 300 + "</e:y>" * 300 + "</e:x>"
    ),
    "dc redeclared": _rss(
        '<dc:creator xmlns:dc="http://other/">a</dc:creator>',
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"',
    ),
    "dc under another prefix": _rss(
        "<d:creator>a</d:creator>", ' xmlns:d="http://purl.org/dc/elements/1.1/"'
    ),
    "upper-case prefix": _rss(
        "<DC:creator>a</DC:creator>", ' xmlns:DC="http://purl.org/dc/elements/1.1/"'
    ),
    "upper-case namespace": _rss(
        "<dc:creator>a</dc:creator>", ' xmlns:dc="HTTP://PURL.ORG/dc/elements/1.1/"'
    ),
}


@pytest.mark.parametrize("name", sorted(_EDGES))
def test_where_lxml_and_expat_could_disagree_the_results_still_match(name: str) -> None:
    # Whatever the fast path accepts, feedparser's strict parser must accept too (a document
    # it refuses goes through its forgiving parser, with other results).
    _, difference = differences(_EDGES[name], XML)
    assert not difference
