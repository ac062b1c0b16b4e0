"""Dispatching due feeds and rescuing stalled extractions (without a worker)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from feeds import tasks
from feeds.models import Article, ArticleStatus
from tests.feeds.builders import make_feed

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, tuple]]:
    calls: list[tuple[str, tuple]] = []
    monkeypatch.setattr(tasks.refresh_feed, "delay", lambda *a: calls.append(("refresh", a)))
    monkeypatch.setattr(tasks.extract_articles, "delay", lambda *a: calls.append(("extract", a)))
    return calls


def test_due_feeds_are_dispatched_once_until_their_lease_ends(org_a, sent):
    now = timezone.now()
    due = make_feed(org_a, "https://a.example/due.xml", next_fetch_at=now - timedelta(minutes=1))
    new = make_feed(org_a, "https://a.example/new.xml")
    make_feed(org_a, "https://a.example/later.xml", next_fetch_at=now + timedelta(hours=1))
    make_feed(org_a, "https://a.example/off.xml", enabled=False)

    first = tasks.dispatch_due_feeds()
    second = tasks.dispatch_due_feeds()

    assert sorted(first) == sorted([due.pk, new.pk])
    assert second == []
    assert sorted(args[0] for _, args in sent) == sorted([due.pk, new.pk])
    due.refresh_from_db()
    assert due.next_fetch_at > now + timedelta(minutes=10)


def test_pending_articles_whose_extraction_stalled_are_queued_again(org_a, sent):
    old = timezone.now() - timedelta(hours=1)

    def article(n: int, **values) -> Article:
        return Article.objects.create(
            organization=org_a, canonical_url=f"https://a.example/{n}", url_hash=str(n), **values
        )

    lost = article(1)  # Never claimed: its task was lost.
    dead = article(2, fetched_at=old)  # Claimed by a worker that died.
    fresh = article(3)  # Just stored; its task is on the way.
    done = article(4, fetched_at=old, status=ArticleStatus.EXTRACTED)
    Article.objects.filter(pk__in=[lost.pk, dead.pk, done.pk]).update(created_at=old)

    tasks.refresh_due_feeds()

    assert ("extract", ([lost.pk, dead.pk],)) in sent
    assert fresh.pk not in sent[-1][1][0]
