"""parse_feed's max_entries: the newest entries of a big feed, chosen fast and the same way as
parsing it whole."""

import random
import time
from datetime import datetime, timedelta

import pytest

from feeds.parsing import (
    parse_feed,
)
from tests.feeds.parsing_data import NOW, item, rss

# --- max_entries ---------------------------------------------------------------------------------


def test_max_entries_keeps_the_newest_in_feed_order_with_undated_ones_last() -> None:
    body = rss(
        item(1, date=NOW - timedelta(days=5))
        + item(2)
        + item(3, date=NOW - timedelta(days=1))
        + item(4, date=NOW - timedelta(days=9))
        + item(5)
        + item(6)
    )
    newest = parse_feed(body, url="https://site.example/rss", max_entries=2, now=NOW)
    assert [e.title for e in newest.entries] == ["Story 1", "Story 3"]
    with_undated = parse_feed(body, url="https://site.example/rss", max_entries=5, now=NOW)
    assert [e.title for e in with_undated.entries] == [
        "Story 1",
        "Story 2",
        "Story 3",
        "Story 4",
        "Story 5",
    ]
    assert newest.total_entries == with_undated.total_entries == 6


def test_max_entries_zero_returns_no_entries_and_negative_is_an_error() -> None:
    assert parse_feed(rss(item(1)), url="https://site.example/rss", max_entries=0).entries == []
    with pytest.raises(ValueError):
        parse_feed(rss(item(1)), url="https://site.example/rss", max_entries=-1)


def big_feed(
    count: int, *, seed: int, atom: bool = False
) -> tuple[bytes, list[tuple[int, datetime | None]]]:
    """`count` entries in random date order (distinct dates), about 5% undated, with comments
    and processing instructions among them, as RSS 2.0 or as Atom with only <updated> dates."""
    rng = random.Random(seed)  # noqa: S311 (test data, not secrets)
    minutes = rng.sample(range(10**6), count)
    dated: list[tuple[int, datetime | None]] = [
        (n, None if rng.random() < 0.05 else NOW - timedelta(minutes=minutes[n]))
        for n in range(count)
    ]
    if not atom:
        items = "<!-- generated -->".join(item(n, date=date) for n, date in dated)
        return rss(items, channel="<?generator x?>"), dated
    entries = "<!-- generated -->".join(
        f"<entry><title>Story {n}</title><link href='/a/{n}'/><id>urn:x:{n}</id>"
        + (f"<updated>{date.isoformat()}</updated>" if date else "")
        + "</entry>"
        for n, date in dated
    )
    feed = f'<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>{entries}</feed>'
    return feed.encode(), dated


def test_a_ten_thousand_entry_feed_returns_only_the_newest_max_entries_fast() -> None:
    body, dated = big_feed(10_000, seed=1)
    started = time.monotonic()
    feed = parse_feed(body, url="https://site.example/rss", max_entries=50, now=NOW)
    elapsed = time.monotonic() - started
    newest = sorted((d, n) for n, d in dated if d)[-50:]
    assert [e.title for e in feed.entries] == [f"Story {n}" for n in sorted(n for _, n in newest)]
    assert feed.total_entries == 10_000
    assert elapsed < 5  # a loose guard; about 0.3 s on a laptop, 2 s+ without pre-selection


@pytest.mark.parametrize("atom", [False, True], ids=["rss", "atom"])
def test_pre_selecting_a_big_feed_chooses_the_same_entries_as_parsing_it_whole(
    atom: bool,
) -> None:
    body, _ = big_feed(700, seed=2, atom=atom)
    whole = parse_feed(body, url="https://site.example/feed", now=NOW)
    dated = sorted(
        (e for e in whole.entries if e.published),
        key=lambda e: e.published or NOW,
        reverse=True,
    )
    undated = [e for e in whole.entries if not e.published]
    assert len(dated) > 600 and undated  # both kinds are exercised
    expected = {e.link for e in (dated + undated)[:40]}
    trimmed = parse_feed(body, url="https://site.example/feed", max_entries=40, now=NOW)
    assert {e.link for e in trimmed.entries} == expected
    assert [e.link for e in trimmed.entries] == [
        e.link for e in whole.entries if e.link in expected
    ]
    assert trimmed.total_entries == whole.total_entries == 700
    assert trimmed.kind == whole.kind == ("atom" if atom else "rss")
