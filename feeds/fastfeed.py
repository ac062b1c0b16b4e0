"""A fast path for plain, well-formed RSS 2.0 and Atom 1.0 feeds, in front of feedparser.

feedparser runs a Python callback per SAX event and copies dictionaries per element: ~80 % of
a 50-entry feed's parse. Here lxml builds the tree in C and a few loops read the fields
`feeds.parsing` uses, giving them EXACTLY the values feedparser would (same key names, same
post-processing, through feedparser's own helpers where they are pure functions).

Anything this module does not fully understand returns None, and the caller runs feedparser:
other formats (RSS 0.9x/1.0, Atom 0.3), a DOCTYPE or entities, xml:base or any "base"
attribute, attributes it does not know on the elements it reads, an element it reads appearing
twice, child elements (or comments) inside text, elements feedparser has a handler for that
could change a value read here (media:title, itunes:*, atom:* inside RSS, ...), encodings
feedparser had to guess or override, and any XML that lxml refuses. tests/feeds/test_fastfeed.py
parses every fixture and thousands of generated feeds both ways and requires identical results;
tests/conftest.py does the same for every feed any other test parses.

feeds.parsing gives feedparser no base URI (no Content-Location), so links are joined against
an empty base here too; a document that sets one (xml:base) falls back.

Safety: lxml parses with no network, no DTD loading and no entity resolution, and documents
declaring a DOCTYPE or entities never reach it (feeds.parsing screens those first anyway).
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

import lxml.etree
from feedparser.datetimes import _parse_date
from feedparser.encodings import convert_to_utf8
from feedparser.html import _cp1252
from feedparser.mixin import _FeedParserMixin
from feedparser.urls import _urljoin

ATOM = "http://www.w3.org/2005/Atom"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_DC = "{http://purl.org/dc/elements/1.1/}"
_CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
_PARSER = lxml.etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
)
# feedparser reads a "base" attribute on any element (xml:base, or plain "base") as the base URI.
_BASE_ATTRIBUTE = re.compile(rb"\bbase\s*=", re.IGNORECASE)
_DECLARATION = re.compile(rb"xmlns:([^\s=]+)\s*=\s*[\"']([^\"']*)[\"']")
_ENTITY_IN_LINK = re.compile("&([A-Za-z0-9_]+);")
# Namespaces whose declaration makes feedparser call an RSS 1.0 / 0.90 document what it is.
_VERSION_URIS = frozenset({"http://purl.org/rss/1.0/", "http://my.netscape.com/rdf/simple/0.9/"})
_RSS_VERSIONS = {"0.91": "rss091u", "0.92": "rss092", "0.93": "rss093", "0.94": "rss094"}
# Atom text constructs this module reads (type attribute, lower-cased) -> feedparser's type.
_TEXT_TYPES = {
    None: None,
    "text": "text/plain",
    "html": "text/html",
    "text/plain": "text/plain",
    "text/html": "text/html",
}
_HTML_TYPES = frozenset({"application/xhtml+xml", "text/html"})
# Plain RSS elements that only add keys feeds.parsing never reads (tags, comments, enclosures).
_RSS_HARMLESS = frozenset({"category", "comments", "enclosure"})
_RSS_CHANNEL_HARMLESS = frozenset(
    {"description", "language", "copyright", "managingEditor", "webMaster", "pubDate"}
    | {"lastBuildDate", "generator", "docs", "category", "cloud"}
)
_IMAGE_CHILDREN = frozenset({"title", "link", "url", "width", "height", "description"})
_ATOM_FEED_HARMLESS = frozenset({"subtitle", "generator", "icon", "logo", "rights", "updated"})
# feedparser fills this class attribute on its first parse; build it here so it is never empty.
_STANDARD_PREFIXES = {uri.lower(): prefix for uri, prefix in _FeedParserMixin.namespaces.items()}
# Extension elements feedparser has handlers for that only fill keys of their own (media
# attachments, credits, subjects...); media:title, media:description, dc:title... are not here.
_HARMLESS_HANDLED = frozenset(
    {"media_content", "media_thumbnail", "media_credit", "media_rating", "media_restriction"}
    | {"media_license", "media_keywords", "media_category", "media_player"}
    | {"dc_subject", "dc_language", "dc_rights", "dc_publisher"}
)
# The keys feeds.parsing reads: an extension element stored as "<prefix>_<name>" must not be one.
_READ_KEYS = frozenset(
    {"title", "title_detail", "link", "id", "summary", "summary_detail", "content", "ttl"}
    | {"published_parsed", "updated_parsed", "author", "author_detail"}
)


class _Fallback(Exception):
    """This document needs feedparser."""


def parse(body: bytes, headers: dict[str, str]) -> dict[str, Any] | None:
    """feedparser.parse's result, for the keys feeds.parsing reads, or None to use feedparser.

    `headers` are the response headers given to feedparser (only content-type matters)."""
    info: dict[str, Any] = {}
    # The same bytes feedparser's strict parser gets: re-encoded as UTF-8, with a UTF-8 prolog.
    text = convert_to_utf8(dict(headers), body, info)
    if info.get("bozo") or not info.get("encoding"):
        return None  # a mislabelled or unknown encoding: feedparser words a warning for it
    if b"<!DOCTYPE" in text or b"<!ENTITY" in text or _BASE_ATTRIBUTE.search(text):
        return None
    try:
        namespace_map = _namespace_map(text)
        root = lxml.etree.fromstring(text, _PARSER)
        if root.tag == "rss":
            return _Reader(namespace_map, atom=False).rss(root)
        if root.tag == f"{{{ATOM}}}feed":
            return _Reader(namespace_map, atom=True).atom(root)
    except (_Fallback, lxml.etree.XMLSyntaxError, ValueError):
        pass
    return None


def _namespace_map(text: bytes) -> dict[str, str]:
    """feedparser's namespacemap: declared prefix -> its standard prefix, for known URIs."""
    found: dict[str, str] = {}
    for prefix, uri in _DECLARATION.findall(text):
        lowered = uri.decode().lower()
        if b"&" in uri or lowered in _VERSION_URIS or "backend.userland.com/rss" in lowered:
            raise _Fallback  # feedparser would remap these; not worth following here
        standard = _STANDARD_PREFIXES.get(lowered)
        if standard is not None:
            found[prefix.decode()] = standard
    return found


def _finish(text: str | None, *, uri: bool = False, plain: bool = False) -> tuple[str, bool]:
    """What feedparser's pop() makes of an element's text: (value, looks like HTML).

    `uri`: a link or permalink, joined against the (empty) base URI as feedparser does.
    `plain`: a text/plain RSS element, for which feedparser guesses whether it is HTML."""
    value = (text or "").strip()
    # With an empty base, _urljoin only squeezes the slashes after "scheme://".
    if uri and ":///" in value:
        value = _urljoin("", value)
    html = plain and _FeedParserMixin.looks_like_html(value)
    if value.isascii():
        return value, html  # both steps below leave ASCII as it is
    # feedparser undoes UTF-8 read as ISO-8859-1, then maps C1 controls to windows-1252.
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
        value = value.encode("iso-8859-1").decode("utf-8")
    return value.translate(_cp1252), html


def _text(element: Any) -> str | None:
    """The text of an element that may hold nothing but text."""
    if len(element):  # child elements, comments or processing instructions
        raise _Fallback
    return element.text


def _attributes(element: Any, allowed: frozenset[str] = frozenset()) -> dict[str, str]:
    """The element's attributes (names lower-cased, as feedparser has them); xml:lang is
    ignored, as it only sets a language; any name outside `allowed` falls back."""
    found: dict[str, str] = {}
    if not element.keys():
        return found
    for name, value in element.items():
        if name == _XML_LANG:
            continue
        lowered = name.lower()
        if lowered not in allowed or lowered in found:
            raise _Fallback
        found[lowered] = value
    return found


def _link_text(value: str) -> str:
    # feedparser's repair of "?a=1&b=2" links that its loose parser turned into "&b;=2".
    return _ENTITY_IN_LINK.sub(r"&\g<1>", value) if "&" in value else value


def _sync_author(entry: dict[str, Any], detail: dict[str, str]) -> None:
    """feedparser's _sync_author_detail, run when an author element ends."""
    if detail:
        name, email = detail.get("name"), detail.get("email")
        if name and email:
            entry["author"] = f"{name} ({email})"
        elif name or email:
            entry["author"] = name or email
        entry["author_detail"] = detail
        return
    author = entry.get("author")
    if not author:
        return
    email = None
    match = _EMAIL.search(author)
    if match:
        email = match.group(0)
        author = author.replace(email, "").replace("()", "").replace("<>", "")
        author = author.replace("&lt;&gt;", "").strip()
        if author and author[0] == "(":
            author = author[1:]
        if author and author[-1] == ")":
            author = author[:-1]
        author = author.strip()
    if author or email:
        entry["author_detail"] = detail
    if author:
        detail["name"] = author
    if email:
        detail["email"] = email


_EMAIL = re.compile(  # feedparser's, verbatim
    r"""(([a-zA-Z0-9\_\-\.\+]+)@((\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.)|(([a-zA-Z0-9\-]+\.)+))([a-zA-Z]{2,4}|[0-9]{1,3})(\]?))(\?subject=\S+)?"""
)


class _Reader:
    def __init__(self, namespace_map: dict[str, str], *, atom: bool) -> None:
        self.namespace_map = namespace_map
        self.is_atom = atom

    # --- document level ---------------------------------------------------------------------

    def rss(self, root: Any) -> dict[str, Any]:
        version = _attributes(root, frozenset({"version"})).get("version", "")
        version = _RSS_VERSIONS.get(version) or ("rss20" if version.startswith("2.") else "rss")
        channels = [child for child in root if isinstance(child.tag, str)]
        if len(channels) != 1 or channels[0].tag != "channel":
            raise _Fallback
        channel = channels[0]
        _attributes(channel)
        feed: dict[str, Any] = {}
        entries = []
        seen: set[str] = set()
        for child in channel:
            tag = child.tag
            if not isinstance(tag, str):
                continue  # a comment or processing instruction between elements
            if tag == "item":
                entries.append(self.rss_item(child))
            elif tag in ("title", "link", "ttl"):
                self.once(seen, tag)
                if tag == "title":
                    self.title(feed, child)
                elif tag == "link":
                    _attributes(child)
                    # The feed's link gets entity-looking text fixed, but not "&amp;".
                    value = _finish(_text(child), uri=True)[0]
                    feed["link"] = _link_text(value)
                else:
                    if child.keys():
                        # feedparser stores an unhandled element with attributes (even
                        # xml:lang) as a dict of them instead of its text.
                        raise _Fallback
                    feed["ttl"] = _finish(_text(child))[0]
            elif tag == "image":
                self.image(child)
            elif tag in _RSS_CHANNEL_HARMLESS:
                _text(child)
            elif tag == f"{{{ATOM}}}link":
                self.atom_link(feed, child)
            else:
                self.harmless(child)
        return {"version": version, "feed": feed, "entries": entries, "bozo": False}

    def atom(self, root: Any) -> dict[str, Any]:
        _attributes(root)
        feed: dict[str, Any] = {}
        entries = []
        seen: set[str] = set()
        for child in root:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            local = self.atom_local(child)
            if local == "entry":
                entries.append(self.atom_entry(child))
            elif local in ("title", "id"):
                self.once(seen, local)
                if local == "title":
                    self.title(feed, child)
                else:
                    self.identifier(feed, child, permalink=True)
            elif local == "link":
                self.atom_link(feed, child)
            elif local == "author":
                self.author(feed, child)  # the feed's own author: read for its side effects
            elif local == "category":
                _attributes(child, frozenset({"term", "scheme", "label"}))
                _text(child)
            elif local in _ATOM_FEED_HARMLESS:
                _attributes(child, frozenset({"type", "uri", "version"}))
                if _TEXT_TYPES.get(child.get("type", "").lower() or None, "?") == "?":
                    raise _Fallback
                _text(child)
            elif local is None:
                self.harmless(child)
            else:
                raise _Fallback
        return {"version": "atom10", "feed": feed, "entries": entries, "bozo": False}

    # --- entries ------------------------------------------------------------------------------

    def rss_item(self, item: Any) -> dict[str, Any]:
        _attributes(item)
        entry: dict[str, Any] = {}
        seen: set[str] = set()
        for child in item:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            if tag == "title":
                self.once(seen, tag)
                self.title(entry, child)
            elif tag == "link":
                self.once(seen, tag)
                _attributes(child)
                value = _finish(_text(child), uri=True)[0]
                entry["link"] = _link_text(value.replace("&amp;", "&"))
            elif tag == "guid":
                self.once(seen, tag)
                permalink = _attributes(child, frozenset({"ispermalink"}))
                self.identifier(entry, child, permalink.get("ispermalink", "true") == "true")
            elif tag == "pubDate":
                self.once(seen, tag)
                _attributes(child)
                entry["published_parsed"] = _parse_date(_finish(_text(child))[0])
            elif tag == f"{_DC}date":
                self.once(seen, tag)
                _attributes(child)
                entry["updated_parsed"] = _parse_date(_finish(_text(child))[0])
            elif tag == "description":
                self.once(seen, tag)
                _attributes(child)
                entry["summary"] = _finish(_text(child))[0]
                entry["summary_detail"] = {"type": "text/html"}
            elif tag == _CONTENT_ENCODED:
                self.once(seen, tag)
                _attributes(child)
                self.content(entry, _finish(_text(child))[0], "text/html")
            elif tag in ("author", f"{_DC}creator"):
                self.once(seen, "author")
                _attributes(child)
                entry["author"] = _finish(_text(child))[0]
                _sync_author(entry, {})
            elif tag in _RSS_HARMLESS:
                _attributes(child, frozenset({"domain", "url", "length", "type"}))
                _text(child)
            else:
                self.harmless(child)
        return entry

    def atom_entry(self, element: Any) -> dict[str, Any]:
        _attributes(element)
        entry: dict[str, Any] = {}
        seen: set[str] = set()
        for child in element:
            if not isinstance(child.tag, str):
                continue
            local = self.atom_local(child)
            if local in ("title", "id", "published", "updated", "summary", "content", "author"):
                self.once(seen, local)
            if local == "title":
                self.title(entry, child)
            elif local == "id":
                self.identifier(entry, child, permalink=True)
            elif local == "link":
                self.atom_link(entry, child)
            elif local in ("published", "updated"):
                _attributes(child)
                entry[f"{local}_parsed"] = _parse_date(_finish(_text(child))[0])
            elif local == "summary":
                kind = self.text_type(child, "text/plain")
                entry["summary"] = _finish(_text(child))[0]
                entry["summary_detail"] = {"type": kind}
            elif local == "content":
                kind = self.text_type(child, "text/plain")
                self.content(entry, _finish(_text(child))[0], kind)
            elif local == "author":
                self.author(entry, child)
            elif local == "category":
                _attributes(child, frozenset({"term", "scheme", "label"}))
                _text(child)
            elif local is None:
                self.harmless(child)
            else:
                raise _Fallback
        return entry

    # --- elements -----------------------------------------------------------------------------

    @staticmethod
    def once(seen: set[str], name: str) -> None:
        # feedparser's rules for a repeated element differ by element and position (first
        # non-empty title, last link, ...): not worth following for what real feeds never do.
        if name in seen:
            raise _Fallback
        seen.add(name)

    def title(self, context: dict[str, Any], element: Any) -> None:
        kind = self.text_type(element, "text/plain")
        value, html = _finish(_text(element), plain=not self.is_atom and kind == "text/plain")
        context["title"] = value
        context["title_detail"] = {"type": "text/html" if html else kind}

    def text_type(self, element: Any, default: str) -> str:
        """The content type feedparser gives a text element (RSS ones take no attribute)."""
        attributes = _attributes(element, frozenset({"type"}) if self.is_atom else frozenset())
        kind = _TEXT_TYPES.get(attributes.get("type", "").lower() or None, "?")
        if kind == "?":
            raise _Fallback  # xhtml (markup as elements), base64 media types, ...
        return kind or default

    @staticmethod
    def identifier(context: dict[str, Any], element: Any, permalink: bool) -> None:
        if element.tag.endswith("}id"):
            _attributes(element)
        value = _finish(_text(element), uri=permalink)[0]
        context["id"] = value
        if permalink:
            # A permalink is the link unless a link came first; a later link replaces it.
            context.setdefault("link", value)

    @staticmethod
    def content(entry: dict[str, Any], value: str, kind: str) -> None:
        entry.setdefault("content", []).append({"type": kind, "value": value})
        entry.setdefault("summary", value)  # a later summary or description replaces it

    @staticmethod
    def atom_link(context: dict[str, Any], element: Any) -> None:
        """feedparser's _start_link for a link with an href (RSS's text links are elsewhere)."""
        allowed = frozenset({"href", "rel", "type", "hreflang", "title", "length"})
        attributes = _attributes(element, allowed)
        _text(element)
        if "href" not in attributes:
            raise _Fallback
        rel = attributes.get("rel", "alternate").lower()
        default = "application/atom+xml" if rel == "self" else "text/html"
        kind = _FeedParserMixin.map_content_type(attributes.get("type", default).lower())
        if rel == "alternate" and kind in _HTML_TYPES:
            context["link"] = _urljoin("", attributes["href"])

    def author(self, entry: dict[str, Any], element: Any) -> None:
        """An Atom author: name, email and uri children, and only white space around them."""
        _attributes(element)
        detail: dict[str, str] = {}
        if (element.text or "").strip():
            raise _Fallback
        for child in element:
            if (child.tail or "").strip() or not isinstance(child.tag, str):
                raise _Fallback
            local = self.atom_local(child)
            if local not in ("name", "email", "uri") or local in detail:
                raise _Fallback
            _attributes(child)
            text = _text(child)
            if local == "uri":
                detail["href"] = _finish(text, uri=True)[0]
            else:
                detail[local] = (text or "").strip()  # feedparser leaves these unprocessed
        entry["author"] = ""  # the author element's own (blank) text, then the sync
        _sync_author(entry, detail)

    def image(self, element: Any) -> None:
        # An RSS channel image: its title and link stay inside it as long as it holds only
        # these children (any other element makes feedparser leave "image mode").
        _attributes(element)
        for child in element:
            if isinstance(child.tag, str):
                if child.tag not in _IMAGE_CHILDREN:
                    raise _Fallback
                _attributes(child)
                _text(child)

    def atom_local(self, element: Any) -> str | None:
        """The local name of an Atom element; None for another namespace's element."""
        namespace, _, local = element.tag[1:].partition("}")
        if element.tag[0] != "{":
            raise _Fallback  # no namespace inside an Atom document
        return local if namespace == ATOM else None

    def harmless(self, element: Any) -> None:
        """Accept an extension element feedparser only stores under its own name (sy:*,
        slash:*, wfw:*, media:content...): text only, and no handler of feedparser's that
        touches what feeds.parsing reads."""
        if element.tag[0] != "{" or element.prefix is None:
            raise _Fallback  # plain RSS elements are listed above; default namespaces no
        namespace, _, local = element.tag[1:].partition("}")
        local = local.lower()
        given = element.prefix.lower()
        candidates = {given, element.prefix, _STANDARD_PREFIXES.get(namespace.lower())}
        candidates |= {self.namespace_map.get(p) for p in list(candidates) if p}
        for prefix in candidates:
            if prefix == "":
                raise _Fallback  # an RSS or Atom namespace: the element is a core one
            if (
                prefix
                and _has_handler(prefix, local)
                and f"{prefix}_{local}" not in _HARMLESS_HANDLED
            ):
                raise _Fallback  # an element feedparser handles (media:title, itunes:author...)
            if f"{prefix}_{local}" in _READ_KEYS:
                raise _Fallback
        _text(element)


def _has_handler(prefix: str, local: str) -> bool:
    key = f"{prefix}_{local}"
    found = _HANDLERS.get(key)
    if found is None:
        found = _HANDLERS[key] = any(
            hasattr(_FeedParserMixin, f"{side}{key}") for side in ("_start_", "_end_")
        )
    return found


_HANDLERS: dict[str, bool] = {}
