"""The "Refresh now" button: a real task on a live worker; a clear message if the broker is down."""

import time

import pytest
from django.urls import reverse
from kombu.exceptions import OperationalError

from feeds.models import Article, ArticleStatus, Feed, FetchStatus
from tests.feeds.builders import article_page, make_feed, rss
from tests.harness.dead_broker import point_celery_at_a_dead_broker
from tests.harness.http_server import Reply

RSS_TYPE = {"Content-Type": "application/rss+xml; charset=utf-8"}
HTML_TYPE = {"Content-Type": "text/html; charset=utf-8"}
STORIES = {
    "Acme opens a plant in Lyon": (
        "Acme will build its first European factory near Lyon, hiring four hundred workers. "
        "The regional council offered land and training grants to win the project. "
        "Production of the electric scooters should start late next year. "
    ),
    "Globex buys Initech": (
        "Globex agreed to acquire the software maker Initech for two billion dollars in cash. "
        "Shareholders of the target will receive a premium of thirty percent. "
        "Regulators in Brussels are expected to review the deal over the summer. "
    ),
    "Umbrella recalls a drug": (
        "Umbrella Pharmaceuticals is recalling a batch of its allergy tablets from pharmacies. "
        "Inspectors found that the packaging line mixed up two dosages in March. "
        "Patients are asked to return open boxes; no injuries have been reported. "
    ),
}
TITLES = list(STORIES)
BROKER_DOWN = "The task queue is not answering, so the refresh could not be started."


def serve_feed_with_pages(server) -> str:
    items = []
    for n, (title, body) in enumerate(STORIES.items()):
        page = article_page(title, body * 3)  # Distinct texts: copies would be marked duplicates.
        server.add_route(f"/story-{n}", Reply(body=page, headers=HTML_TYPE))
        items.append({"title": title, "link": server.url_for(f"/story-{n}")})
    server.add_route("/feed.xml", Reply(body=rss(items), headers=RSS_TYPE))
    return server.url_for("/feed.xml")


def wait_for(condition, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def toasts(response) -> str:
    return response.content.decode().split('id="toasts"', 1)[1]


def test_refresh_now_fetches_the_feed_and_extracts_its_articles_on_a_worker(
    celery_worker, http_server, client_for, alice, org_a
):
    feed = make_feed(org_a, serve_feed_with_pages(http_server), name="Business wire")

    response = client_for(alice).post(reverse("feeds:refresh", args=[feed.pk]), follow=True)

    assert response.redirect_chain == [(reverse("feeds:list"), 302)]
    assert "Refreshing “Business wire” now. New articles appear in a moment." in toasts(response)
    extracted = Article.objects.filter(organization=org_a, status=ArticleStatus.EXTRACTED)
    assert wait_for(lambda: extracted.count() == len(TITLES)), list(
        Article.objects.values_list("title", "status", "status_reason")
    )
    assert sorted(extracted.values_list("title", flat=True)) == sorted(TITLES)
    for article in extracted:
        assert STORIES[article.title].split(".")[0] in article.text
        assert article.word_count > 60
        assert list(article.feeds.all()) == [feed]
    feed.refresh_from_db()
    assert (feed.last_status, feed.kind) == (FetchStatus.OK, "rss")
    assert len(http_server.requests_to("/feed.xml")) == 1
    for n in range(len(TITLES)):
        assert len(http_server.requests_to(f"/story-{n}")) == 1


@pytest.fixture
def broker_down(monkeypatch):
    """Point Celery at a port where nothing listens, with no connection pool kept from before."""
    from marketing_hunting.celery import app

    point_celery_at_a_dead_broker(monkeypatch)
    # The pools are built once from the broker URL; drop them so the new URL is used.
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)


def test_kombu_fails_fast_on_the_broken_broker(broker_down):
    # Guards the test below, which uses the real broker client rather than a mock: publishing
    # must raise, not hang. redis-py's own connection retries (with backoff) take about 6 s
    # even with retry=False; kombu adds no retries of its own on top.
    from feeds.tasks import refresh_feed

    started = time.monotonic()
    with pytest.raises(OperationalError):
        refresh_feed.apply_async(args=[0], retry=False)
    assert time.monotonic() - started < 15


@pytest.mark.django_db
def test_with_the_broker_down_the_page_says_so_and_nothing_is_lost(
    broker_down, http_server, client_for, alice, org_a
):
    feed = make_feed(org_a, serve_feed_with_pages(http_server), name="Business wire")
    Article.objects.create(
        organization=org_a, canonical_url="https://x.example/a", url_hash="a" * 64, title="Kept"
    )

    response = client_for(alice).post(reverse("feeds:refresh", args=[feed.pk]), follow=True)

    assert response.status_code == 200
    shown = toasts(response)
    assert BROKER_DOWN in shown and "toast-error" in shown
    assert "Refreshing" not in shown
    assert Feed.objects.filter(pk=feed.pk, enabled=True, last_status=FetchStatus.NEVER).exists()
    assert list(Article.objects.values_list("title", flat=True)) == ["Kept"]
    assert http_server.requests == []  # Nothing was fetched in the web process instead.
