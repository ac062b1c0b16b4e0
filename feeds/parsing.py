"""Turn fetched feed bytes (RSS 0.9x/1.0/2.0, Atom, JSON Feed) into plain, trustworthy entries.

Pure functions: no database, no network. The caller fetches; this module never lets a parser
fetch anything (feedparser gets bytes via io.BytesIO, lxml runs with no_network).
"""

from __future__ import annotations

import io
import re
import time
import xml.sax
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit
from xml.parsers import expat

import feedparser
import lxml.etree
import lxml.html
from feedparser.datetimes import _parse_date as parse_date  # its lenient, many-format parser
from feedparser.encodings import convert_to_utf8

from feeds import fastfeed
from feeds.urls_canonical import canonicalize_url

SUMMARY_MAX_CHARS = 5000
_HTML_INPUT_MAX_CHARS = 100_000  # enough for any summary; bounds the cost of huge content
_FUTURE_TOLERANCE = timedelta(days=1)
_JSON_TYPES = frozenset({"application/feed+json", "application/json"})
_FEED_LINK_TYPES = {"application/rss+xml": "RSS feed", "application/atom+xml": "Atom feed"}
_FEED_LINK_TYPES |= dict.fromkeys(_JSON_TYPES, "JSON Feed")
_BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer"  # noqa: SIM905
    " h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section table td th tr ul".split()
)
_DROP_TAGS = ("script", "style", "template", "iframe", "object", "svg", "math")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_HTML_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
# Feeds larger than this (with max_entries set) are pre-trimmed with lxml before feedparser,
# which costs ~0.15 ms per entry and would need ~2 s for a 10,000-entry feed.
_PRESELECT_MIN_ENTRIES = 500
# feedparser's sources of "published", then of "updated" (date is dc:date).
_DATE_TAGS = ("pubDate", "published", "issued", "updated", "modified", "date")
_ROOT_TAG = re.compile(rb"<([A-Za-z_][\w:.-]*)")
_ENTITY_DECL = re.compile(rb"<!ENTITY[^>]*>")
_HARMLESS_VALUE = rb"(?:&#\d{1,7};|&#x[0-9A-Fa-f]{1,6};|[^\"'&<%]{0,8})"
_HARMLESS_DECL = re.compile(
    rb"<!ENTITY\s+[\w.:-]+\s+(?:\"" + _HARMLESS_VALUE + rb"\"|'" + _HARMLESS_VALUE + rb"')\s*>"
)
_ENCODING_ERRORS = (feedparser.CharacterEncodingOverride, feedparser.CharacterEncodingUnknown)
ENTITIES_REFUSED = "The feed declares XML entities, which are refused for safety."
UNREADABLE_CHARACTER = (
    "The feed is not well-formed XML: it refers to a character XML does not allow."
)
NOT_A_FEED = "This is not a feed: no RSS, Atom or JSON Feed entries were found."


class FeedParseError(ValueError):
    """The body cannot be used as a feed; the message is a sentence to show to users."""

    message = property(lambda self: str(self))


class NotAFeed(FeedParseError):
    """The body is an HTML page; `alternates` are the (title, absolute URL) feeds it advertises."""

    def __init__(self, message: str, alternates: list[tuple[str, str]]) -> None:
        super().__init__(message)
        self.alternates = alternates


@dataclass(frozen=True)
class ParsedEntry:
    guid: str
    link: str
    title: str
    author: str
    published: datetime | None
    summary: str


@dataclass(frozen=True)
class ParsedFeed:
    kind: str  # "rss", "atom" or "json"
    title: str
    link: str
    ttl_minutes: int | None
    entries: list[ParsedEntry]
    warnings: list[str]
    total_entries: int  # entries in the document, before skipping, de-duplication and max_entries


def parse_feed(
    body: bytes,
    *,
    url: str,
    content_type: str | None = None,
    max_entries: int | None = None,
    now: datetime | None = None,
) -> ParsedFeed:
    """Parse fetched bytes; NotAFeed for HTML pages, FeedParseError for anything else unusable.
    `now` (default: the current time) only decides which dates count as "in the future"."""
    if max_entries is not None and max_entries < 0:
        raise ValueError("max_entries must be zero or more.")
    now = now or datetime.now(UTC)
    media_type = (content_type or "").split(";")[0].strip().lower()
    head = body[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head:
        raise FeedParseError("The address returned an empty document, not a feed.")
    if head[:1] in (b"{", b"[") or (media_type in _JSON_TYPES and head[:1] != b"<"):
        from feeds.jsonfeed import parse_json_feed  # here: jsonfeed builds on this module

        return parse_json_feed(body, url=url, max_entries=max_entries, now=now)
    if _looks_like_html(head, media_type):
        found = find_feed_alternates(body, url)
        n = len(found)
        advertises = {0: ", and advertises no feed.", 1: ". It advertises 1 feed: choose it below."}
        message = advertises.get(n, f". It advertises {n} feeds: choose one below.")
        raise NotAFeed(f"This address is a web page, not a feed{message}", found)
    return _parse_xml(body, url, content_type, max_entries, now)


def find_feed_alternates(page: bytes, url: str) -> list[tuple[str, str]]:
    """(title, absolute URL) of the feeds an HTML page advertises with <link rel="alternate">."""
    try:
        doc = lxml.html.document_fromstring(page)
    except (lxml.etree.ParserError, ValueError):
        return []
    base = next((urljoin(url, b.get("href") or "") for b in doc.iter("base")), url)
    found: dict[str, str] = {}
    for link in doc.iter("link"):
        feed_type = (link.get("type") or "").split(";")[0].strip().lower()
        if (
            "alternate" not in (link.get("rel") or "").lower().split()
            or feed_type not in _FEED_LINK_TYPES
        ):
            continue
        href = _web_url(link.get("href") or "", base)
        # WordPress advertises its REST API as an application/json "alternate": not a feed.
        if not href or href in found or (feed_type == "application/json" and "/wp-json/" in href):
            continue
        found[href] = " ".join((link.get("title") or "").split()) or _FEED_LINK_TYPES[feed_type]
    return [(title, href) for href, title in found.items()]


def html_to_text(markup: str, limit: int = SUMMARY_MAX_CHARS) -> str:
    """Visible text of an HTML fragment: no tags, scripts or styles; entities decoded."""
    markup = _CONTROL_CHARS.sub("", markup[:_HTML_INPUT_MAX_CHARS])
    if "<" not in markup and "&" not in markup:
        return _truncate(" ".join(markup.split()), limit)
    # Bytes, because lxml refuses str input that carries an XML encoding declaration.
    root = lxml.etree.fromstring(
        b"<html><body>" + markup.encode(errors="replace") + b"</body></html>", _HTML_PARSER
    )
    for element in list(root.iter(*_DROP_TAGS)):
        element.drop_tree()  # keeps the tail text that follows the element
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag in _BLOCK_TAGS:
            # Separate block-level text so "<p>a</p><p>b</p>" reads "a b", not "ab".
            element.text = " " + (element.text or "")
            element.tail = " " + (element.tail or "")
    return _truncate(" ".join(root.text_content().split()), limit)


def _parse_xml(
    body: bytes, url: str, ctype: str | None, keep: int | None, now: datetime
) -> ParsedFeed:
    # Only the charset matters. feedparser follows RFC 3023, which decodes text/* without one as
    # US-ASCII and a missing Content-Type as ISO-8859-1; RFC 7303 (and we) use the XML prolog.
    charset = (ctype or "").partition("charset=")[2].strip(" \"'").lower()
    xml_type = f"application/xml; charset={charset}" if charset else "application/xml"
    # No content-location: feedparser would urljoin it into every element (a sixth of the
    # parse). xml:base still applies, and finish_feed resolves what is left relative against
    # the feed URL, which is the same result.
    headers = {"content-type": xml_type}
    _refuse_unsafe_entities(body, headers)
    total: int | None = None
    trimmed = _preselect(body, charset, keep, now) if keep is not None else None
    if trimmed is not None:
        body, total = trimmed
        headers["content-type"] = "application/xml; charset=utf-8"  # what lxml wrote
    # resolve_relative_uris only rewrites links inside summary/content markup, which we keep
    # as plain text; entry links are resolved either way (xml:base, then _web_url). Off, it
    # saves re-parsing every summary with feedparser's HTML processor.
    # Plain RSS 2.0 and Atom 1.0 take lxml and feeds.fastfeed (the same result, several times
    # faster); anything else, or anything it is unsure of, takes feedparser.
    parsed = fastfeed.parse(body, headers) or _feedparser_parse(body, headers)
    raws = [_raw_entry(entry, now) for entry in parsed["entries"]]
    version = parsed.get("version") or ""
    error = parsed.get("bozo_exception") if parsed.get("bozo") else None
    syntax = error if isinstance(error, xml.sax.SAXParseException) else None
    where = f"line {syntax.getLineNumber()}: {syntax.getMessage()}" if syntax else ""
    if not raws and not version:
        raise FeedParseError(NOT_A_FEED)
    if not raws and syntax:
        raise FeedParseError(f"The feed is not well-formed XML ({where}); no entry could be read.")
    feed = parsed["feed"]
    kind = "atom" if version.startswith("atom") or (not version and b"<feed" in body) else "rss"
    title = as_html(feed.get("title", ""), feed.get("title_detail", {}).get("type"))
    result = finish_feed(kind, title, feed.get("link", ""), raws, url, keep)
    if syntax:
        read = f"{_entries(len(result.entries))} could still be read"
        result.warnings.insert(0, f"The feed is not well-formed XML ({where}); {read}.")
    elif isinstance(error, _ENCODING_ERRORS):
        encoding = parsed.get("encoding") or "unknown"
        result.warnings.insert(0, f"The feed's encoding is mislabelled; it was read as {encoding}.")
    ttl = feed.get("ttl", "")
    # An element with attributes is a dict in feedparser's result: <ttl a="1">60</ttl> crashed.
    ttl = ttl.strip() if isinstance(ttl, str) else ""
    return replace(
        result,
        ttl_minutes=int(ttl) if ttl.isdigit() and 0 < int(ttl) <= 525_600 else None,
        total_entries=total if total is not None else len(parsed["entries"]),
    )


def _feedparser_parse(body: bytes, headers: dict[str, str]) -> Any:
    try:
        return feedparser.parse(
            io.BytesIO(body),
            response_headers=headers,
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except UnicodeEncodeError as exc:
        # Its forgiving parser turns a character reference to a surrogate (&#xD800;) into a
        # character it then fails to encode; the strict parser had refused the document.
        raise FeedParseError(UNREADABLE_CHARACTER) from exc


def _raw_entry(entry: dict[str, Any], now: datetime) -> ParsedEntry:
    """A ParsedEntry whose title and summary are still HTML; _clean turns them into text."""
    content = (entry.get("content") or [{}])[0]
    # feedparser copies content:encoded into "summary" without a summary_detail; use its type.
    summary = entry.get("summary") or content.get("value", "")
    summary_type = (entry.get("summary_detail") or content).get("type")
    # Not entry.get("updated_parsed"): that falls back to published with a DeprecationWarning.
    date = entry.get("published_parsed") or dict.get(entry, "updated_parsed")
    return ParsedEntry(
        guid=(entry.get("id") or "").strip(),
        link=(entry.get("link") or "").strip(),
        title=as_html(entry.get("title", ""), entry.get("title_detail", {}).get("type")),
        author=as_html(entry.get("author_detail", {}).get("name") or entry.get("author", "")),
        published=utc_or_none(date, now),
        summary=as_html(summary, summary_type),
    )


class _ReachedRoot(Exception):
    pass


def _refuse_unsafe_entities(body: bytes, headers: dict[str, str]) -> None:
    """Refuse entity declarations that could blow up (billion laughs, quadratic) or load files.

    feedparser drops SYSTEM entities but re-declares internal ones without "&" and expands them in
    its fallback parser with no limit: one 100 kB entity used 20,000 times took 8 GB. Short
    character entities such as <!ENTITY nbsp "&#160;"> stay allowed."""
    # Screen exactly the text feedparser will parse: its own converter picks the encoding.
    text = convert_to_utf8(dict(headers), body, {})
    if b"<!ENTITY" not in text:
        return
    scanner = expat.ParserCreate()
    unsafe: list[str] = []

    def on_entity(name: str, is_param: int, value: str | None, _base: str, *external: str) -> None:
        # Harmless: internal (no SYSTEM/PUBLIC/NDATA), general, and one character or a few
        # without markup, so nothing can nest, load or blow up.
        harmless = value is not None and not is_param and not any(external)
        if not harmless or (len(value) > 1 and (len(value) > 8 or "&" in value or "<" in value)):
            unsafe.append(name)

    def on_start(name: str, attributes: object) -> None:
        raise _ReachedRoot

    scanner.EntityDeclHandler = on_entity
    scanner.StartElementHandler = on_start
    try:
        scanner.Parse(text, True)
    except _ReachedRoot:
        # feedparser also reads declarations with a regex, so check their text too.
        prolog = text[: scanner.CurrentByteIndex]
        unsafe += [m for m in _ENTITY_DECL.findall(prolog) if not _HARMLESS_DECL.fullmatch(m)]
    except expat.ExpatError:
        unsafe.append("?")  # unreadable prolog: be strict rather than guess what gets expanded
    if unsafe:
        raise FeedParseError(ENTITIES_REFUSED)


def _preselect(body: bytes, charset: str, keep: int, now: datetime) -> tuple[bytes, int] | None:
    """For big feeds, drop all but the newest `keep` entries before feedparser sees them:
    (smaller UTF-8 document, entries in the original), or None to parse the body as is."""
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = lxml.etree.fromstring(body, parser)
    except lxml.etree.XMLSyntaxError:
        return None  # feedparser's forgiving parser handles broken feeds
    if charset and charset != (root.getroottree().docinfo.encoding or "utf-8").lower():
        return None  # feedparser lets the HTTP charset win; don't second-guess it here
    children = [el for el in root if isinstance(el.tag, str)]  # not comments or PIs
    channels = [el for el in children if lxml.etree.QName(el).localname == "channel"]
    children += [el for channel in channels for el in channel if isinstance(el.tag, str)]
    elements = [el for el in children if lxml.etree.QName(el).localname in ("item", "entry")]
    if len(elements) <= max(keep, _PRESELECT_MIN_ENTRIES):
        return None
    dates: list[datetime | None] = []
    for element in elements:
        children = [c for c in reversed(element) if isinstance(c.tag, str)]  # first one wins
        found = {lxml.etree.QName(c).localname: (c.text or "").strip() for c in children}
        text = next((found[tag] for tag in _DATE_TAGS if found.get(tag)), "")
        dates.append(utc_or_none(parse_date(text), now) if text else None)
    for index in set(range(len(elements))) - set(_newest(dates, keep)):
        elements[index].getparent().remove(elements[index])
    document = lxml.etree.tostring(root.getroottree(), encoding="utf-8", xml_declaration=True)
    return document, len(elements)


def finish_feed(
    kind: str, title: str, site_link: str, raws: list[ParsedEntry], url: str, keep: int | None
) -> ParsedFeed:
    """Skip link-less and duplicate entries, keep the newest `keep`, then turn HTML into text
    (the costly part, hence last). Also used by feeds.jsonfeed."""
    candidates: list[tuple[str, ParsedEntry]] = []
    seen: set[str] = set()
    skipped = duplicates = 0
    for raw in raws:
        link = _web_url(raw.link, url) or (_web_url(raw.guid, None) if raw.guid else None)
        try:
            key = canonicalize_url(link) if link else None
        except ValueError:  # e.g. an invalid port or host name
            key = None
        if not link or not key:
            skipped += 1
        elif key in seen:
            duplicates += 1
        else:
            seen.add(key)
            candidates.append((link, raw))
    if keep is not None and len(candidates) > keep:
        kept = set(_newest([raw.published for _, raw in candidates], keep))
        candidates = [c for index, c in enumerate(candidates) if index in kept]
    warnings = []
    if skipped:
        warnings.append(f"Skipped {_entries(skipped)} without a link.")
    if duplicates:
        warnings.append(f"Dropped {_entries(duplicates)} repeating an earlier link.")
    return ParsedFeed(
        kind=kind,
        title=html_to_text(title, 1000),
        link=_web_url(site_link, url) or "",
        ttl_minutes=None,
        entries=[_clean(link, raw) for link, raw in candidates],
        warnings=warnings,
        total_entries=len(raws),
    )


def _clean(link: str, raw: ParsedEntry) -> ParsedEntry:
    summary = html_to_text(raw.summary, SUMMARY_MAX_CHARS)
    # A title is what people scan; borrow the summary's first words, else show the link.
    title = html_to_text(raw.title, 1000) or _truncate(summary, 80) or link
    author = html_to_text(raw.author, 200)
    return replace(
        raw, guid=raw.guid or link, link=link, title=title, author=author, summary=summary
    )


def _newest(dates: list[datetime | None], keep: int) -> list[int]:
    """Indexes of the `keep` newest entries: dated ones by date, then undated in feed order."""
    rank = {i: (0, -d.timestamp(), i) if d else (1, 0.0, i) for i, d in enumerate(dates)}
    return sorted(rank, key=rank.__getitem__)[:keep]


def utc_or_none(parsed: time.struct_time | None, now: datetime) -> datetime | None:
    """feedparser's UTC struct_time as an aware datetime; None if absent, invalid or future."""
    if not parsed:
        return None
    try:
        value = datetime(*parsed[:6], tzinfo=UTC)
    except (ValueError, TypeError, OverflowError):
        return None
    return None if value > now + _FUTURE_TOLERANCE else value


def _web_url(value: str, base: str | None) -> str | None:
    """`value` as an absolute http(s) URL (resolved against `base`), or None."""
    value = (value or "").strip()
    if not value:
        return None
    absolute = urljoin(base, value) if base else value
    parts = urlsplit(absolute)
    return absolute if parts.scheme.lower() in ("http", "https") and parts.hostname else None


def as_html(value: str, content_type: str | None = "text/plain") -> str:
    """Plain text as HTML for html_to_text: escape "<" only, so that "a < b" survives while
    entities, which feeds often escape twice ("AT&amp;amp;T"), are still decoded."""
    return value if "html" in (content_type or "") else value.replace("<", "&lt;")


def _entries(count: int) -> str:
    return f"{count} entry" if count == 1 else f"{count} entries"


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    cut = cut.rsplit(" ", 1)[0] if " " in cut[limit // 2 :] else cut
    return cut.rstrip(" ,;:.-") + "…"


def _looks_like_html(head: bytes, media_type: str) -> bool:
    lowered = head.lower()
    root = _ROOT_TAG.search(lowered)
    name = root.group(1) if root else b""
    if name in (b"rss", b"feed", b"rdf:rdf", b"rdf", b"channel"):
        return False  # a feed served as text/html, which many servers do
    html_type = media_type in ("text/html", "application/xhtml+xml")
    return lowered.startswith(b"<!doctype html") or name == b"html" or html_type
