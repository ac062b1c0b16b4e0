"""The articles list's rows come from the cache (feeds.views.article_list) until something they
show is written: then the next load shows the change. Committing tests (``transaction=True``):
the organization's generation is replaced once a write commits."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from lxml import html

from accounts import briefing_cache
from feeds.models import Article, ArticleStatus
from feeds.services.extract import _save
from tests.reports.page_data import make_article, make_feed

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _healthy_cache(monkeypatch):
    monkeypatch.setattr(briefing_cache, "_health", briefing_cache._CacheHealth())


@pytest.fixture
def article(org_a):
    return make_article(
        org_a, "/acme-1", feeds=(make_feed(org_a),), title="Acme opens a plant", word_count=120
    )


@pytest.fixture
def client(client_for, alice, article):
    return client_for(alice)


def rows(client) -> list[str]:
    response = client.get("/feeds/articles/")
    assert response.status_code == 200
    found = html.fromstring(response.content.decode()).xpath("//tbody/tr")
    return [" ".join(row.text_content().split()) for row in found]


def test_a_second_load_reads_the_rows_from_the_cache(client):
    assert "Acme opens a plant" in rows(client)[0]

    with CaptureQueriesContext(connection) as queries:
        assert "Acme opens a plant" in rows(client)[0]

    assert not [q for q in queries if '"feeds_article"."title"' in q["sql"]]


def test_with_the_cache_off_the_rows_are_read_every_time(client, settings):
    settings.DASHBOARD_CACHE_SECONDS = 0
    rows(client)

    with CaptureQueriesContext(connection) as queries:
        rows(client)

    assert [q for q in queries if '"feeds_article"."title"' in q["sql"]]


def test_an_extraction_saved_with_raw_sql_shows_on_the_next_load(client, article):
    assert "extracted" in rows(client)[0]

    article.title = "Acme closes a plant"
    article.status = ArticleStatus.FAILED
    article.word_count = 7
    _save([article])

    shown = rows(client)[0]
    assert "Acme closes a plant" in shown
    assert "failed" in shown
    assert " 7" in shown


def test_a_status_saved_alone_shows_on_the_next_load(client, article):
    assert "extracted" in rows(client)[0]

    article.status = ArticleStatus.SKIPPED
    article.status_reason = "Not an article."
    article.save(update_fields=["status", "status_reason"])

    assert "skipped" in rows(client)[0]


def test_a_status_updated_in_bulk_shows_on_the_next_load(client, article):
    rows(client)

    Article.objects.filter(pk=article.pk).update(status=ArticleStatus.PENDING)

    assert "pending" in rows(client)[0]


def test_a_new_article_shows_on_the_next_load(client, org_a):
    assert len(rows(client)) == 1

    make_article(org_a, "/acme-2", title="Acme hires")

    assert any("Acme hires" in row for row in rows(client))


def test_another_organizations_list_never_shows_these_rows(client, client_for, charlie, org_b):
    rows(client)
    make_article(org_b, "/globex-1", title="Globex hires")

    shown = rows(client_for(charlie))

    assert len(shown) == 1
    assert "Globex hires" in shown[0]
    assert "Acme opens a plant" in rows(client)[0]
