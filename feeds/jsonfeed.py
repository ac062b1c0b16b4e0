"""JSON Feed 1.0 / 1.1 (https://jsonfeed.org/version/1.1), parsed with the standard json module.

`feeds.parsing.parse_feed` dispatches here; entries then go through the same rules (links,
de-duplication, dates, plain text) as RSS and Atom, in `feeds.parsing.finish_feed`.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime
from typing import Any

from feeds.parsing import (
    FeedParseError,
    ParsedEntry,
    ParsedFeed,
    as_html,
    finish_feed,
    parse_date,
    utc_or_none,
)

VERSION_PREFIXES: tuple[str, ...] = (
    "https://jsonfeed.org/version/",
    "http://jsonfeed.org/version/",
)
# A fetched feed is capped upstream; this guards direct callers. 20 MB is ~100,000 items.
MAX_JSON_BYTES = 20 * 1024 * 1024
# JSON Feed needs about five levels (feed > items > item > attachments > attachment); extensions
# may add some. Deeper documents are hostile or broken, and deep nesting costs recursion.
MAX_DEPTH = 64

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


def is_json_feed_version(version: object) -> bool:
    return isinstance(version, str) and version.startswith(VERSION_PREFIXES)


def parse_json_feed(body: bytes, *, url: str, max_entries: int | None, now: datetime) -> ParsedFeed:
    """Parse a JSON Feed; FeedParseError (with a user-facing message) when it is not one."""
    data = _load(body)
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        raise FeedParseError(
            f"This is not a JSON Feed: a JSON Feed is a JSON object at the top level, not {kind}."
        )
    if not is_json_feed_version(data.get("version")):
        raise FeedParseError(
            'This is JSON, but not a JSON Feed: its "version" is not a jsonfeed.org address.'
        )
    items = data.get("items")
    if not isinstance(items, list):
        raise FeedParseError('This JSON Feed has no "items" list.')
    feed_author = _author(data)
    raws = [_entry(item, feed_author, now) for item in items if isinstance(item, dict)]
    title = as_html(_str(data.get("title")))
    result = finish_feed("json", title, _str(data.get("home_page_url")), raws, url, max_entries)
    if skipped := len(items) - len(raws):
        noun = "item that was" if skipped == 1 else "items that were"
        result.warnings.append(f"Skipped {skipped} {noun} not a JSON object.")
    return replace(result, total_entries=len(items))


def _entry(item: dict[str, Any], feed_author: str, now: datetime) -> ParsedEntry:
    """A ParsedEntry whose title and summary are still HTML, as finish_feed expects."""
    # JSON Feed 1.0 allowed numeric ids; 1.1 says "string", so be lenient and stringify.
    raw_id = item.get("id")
    numeric = isinstance(raw_id, int) and not isinstance(raw_id, bool)
    guid = str(raw_id).strip() if isinstance(raw_id, str) or numeric else ""
    plain_summary = _str(item.get("summary")) or _str(item.get("content_text"))
    date = _str(item.get("date_published")) or _str(item.get("date_modified"))
    return ParsedEntry(
        guid=guid,
        # "url" is the item's own page; "external_url" the page it links to (link blogs).
        link=_str(item.get("url")) or _str(item.get("external_url")),
        title=as_html(_str(item.get("title"))),  # plain text, per the spec
        author=as_html(_author(item) or feed_author),
        published=utc_or_none(parse_date(date), now) if date else None,
        summary=as_html(plain_summary) if plain_summary else _str(item.get("content_html")),
    )


def _load(body: bytes) -> Any:
    if len(body) > MAX_JSON_BYTES:
        raise FeedParseError("The JSON Feed is larger than 20 MB and was refused.")
    try:
        text = body.decode(json.detect_encoding(body)).lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        raise FeedParseError("The JSON Feed is not valid UTF-8 text.") from exc
    if _max_depth(text) > MAX_DEPTH:
        raise FeedParseError(f"The JSON Feed is nested more than {MAX_DEPTH} levels deep.")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FeedParseError(
            f"The JSON Feed is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from exc
    except (RecursionError, ValueError) as exc:  # e.g. integers beyond Python's digit limit
        raise FeedParseError("The JSON Feed is not valid JSON.") from exc


def _max_depth(text: str) -> int:
    # Brackets inside strings do not nest, so blank the strings out first (C-speed regexes).
    brackets = "".join(_BRACKETS.findall(_STRING.sub("", text)))
    depth = deepest = 0
    for char in brackets:
        if char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    break
        else:
            depth -= 1
    return deepest


def _author(obj: dict[str, Any]) -> str:
    # 1.1 uses an "authors" list; 1.0 had a single "author" object.
    authors = obj.get("authors")
    if not isinstance(authors, list):
        authors = [obj.get("author")]
    names = [_str(a.get("name")) for a in authors if isinstance(a, dict)]
    return ", ".join(name for name in names if name)


def _str(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""
