"""Differential check of feeds.fastfeed against feedparser, shared by the tests.

`fields` lists every value feeds.parsing reads from a parse result; two results that agree on
it give the same ParsedFeed, since everything after it is shared code. tests/conftest.py wraps
fastfeed.parse with `checked_parse` for the whole suite, so every feed any test builds or
serves is parsed both ways whenever the fast path accepts it.
"""

from __future__ import annotations

import io
from typing import Any

import feedparser

from feeds import fastfeed

_original_parse = fastfeed.parse
mismatches: list[str] = []


def feedparser_result(body: bytes, headers: dict[str, str]) -> Any:
    # The call feeds.parsing makes.
    return feedparser.parse(
        io.BytesIO(body), response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )


def _get(mapping: Any, key: str) -> Any:
    # dict.get: FeedParserDict.get maps some keys to others (updated_parsed -> published...).
    return dict.get(mapping, key) if isinstance(mapping, dict) else None


def fields(parsed: Any) -> dict[str, Any]:
    feed = parsed["feed"]
    entries = []
    for entry in parsed["entries"]:
        content = (_get(entry, "content") or [{}])[0]
        entries.append(
            {
                "id": _get(entry, "id"),
                "link": _get(entry, "link"),
                "title": _get(entry, "title"),
                "title_type": _get(_get(entry, "title_detail"), "type"),
                "author": _get(entry, "author"),
                "author_name": _get(_get(entry, "author_detail"), "name"),
                "has_author_detail": bool(_get(entry, "author_detail")),
                "published_parsed": _get(entry, "published_parsed"),
                "updated_parsed": _get(entry, "updated_parsed"),
                "summary": _get(entry, "summary"),
                "summary_type": _get(_get(entry, "summary_detail"), "type"),
                "has_summary_detail": _get(entry, "summary_detail") is not None,
                "content_value": _get(content, "value"),
                "content_type": _get(content, "type"),
            }
        )
    return {
        "version": parsed.get("version") or "",
        "bozo": bool(parsed.get("bozo")),
        "feed_title": _get(feed, "title"),
        "feed_title_type": _get(_get(feed, "title_detail"), "type"),
        "feed_link": _get(feed, "link"),
        "feed_ttl": _get(feed, "ttl"),
        "entries": entries,
    }


def differences(body: bytes, headers: dict[str, str]) -> tuple[Any, str]:
    """(the fast path's result or None, a description of any difference from feedparser)."""
    fast = _original_parse(body, headers)
    if fast is None:
        return None, ""
    slow = fields(feedparser_result(body, headers))
    got = fields(fast)
    if got == slow:
        return fast, ""
    if got.keys() == slow.keys() and len(got["entries"]) == len(slow["entries"]):
        for index, (a, b) in enumerate(zip(got["entries"], slow["entries"], strict=True)):
            for key in a:
                if a[key] != b[key]:
                    return fast, f"entry {index} {key}: fast {a[key]!r}, feedparser {b[key]!r}"
    diff = {k: (got[k], slow[k]) for k in got if k != "entries" and got[k] != slow[k]}
    entries = (len(got["entries"]), len(slow["entries"]))
    return fast, f"fast vs feedparser: {diff} entries {entries}"


def checked_parse(body: bytes, headers: dict[str, str]) -> dict[str, Any] | None:
    """fastfeed.parse, and feedparser beside it whenever the fast path answers."""
    fast, difference = differences(body, headers)
    if difference:
        mismatches.append(f"{difference}\n  document: {body[:300]!r}")
    return fast
