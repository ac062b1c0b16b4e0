"""Feed bytes and helpers shared by the parse_feed tests."""

from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

from feeds.parsing import ParsedEntry, ParsedFeed

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def rss(items: str, *, channel: str = "", prolog: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{prolog}<rss version="2.0"><channel>'
        f"<title>T</title><link>https://site.example/</link>{channel}{items}</channel></rss>"
    ).encode()


def item(n: int, *, date: datetime | None = None, link: str | None = None) -> str:
    pub = f"<pubDate>{format_datetime(date)}</pubDate>" if date else ""
    href = link if link is not None else f"https://site.example/a/{n}"
    return f"<item><title>Story {n}</title><link>{href}</link>{pub}</item>"


def by_title(feed: ParsedFeed) -> dict[str, ParsedEntry]:
    return {entry.title: entry for entry in feed.entries}
