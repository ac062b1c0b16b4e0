"""The reports list's rows come from the cache (reports.views.reports._rows) until something they
show is written: then the next load shows the change.

The tests commit (``transaction=True``): the organization's generation is replaced once a write
commits, and a connection with uncommitted writes of an organization does not use the cache.
"""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from lxml import html

from accounts import briefing_cache
from feeds.models import Article, Feed
from reports.models import Brand, Mention, Report, ReviewStatus
from tests.reports.page_data import add_mention, make_article, make_brand, make_feed, make_report

pytestmark = pytest.mark.django_db(transaction=True)

ANALYSED = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _healthy_cache(monkeypatch):
    monkeypatch.setattr(briefing_cache, "_health", briefing_cache._CacheHealth())


@pytest.fixture
def report(org_a):
    feed = make_feed(org_a, "Wire")
    article = make_article(org_a, "/acme-1", feeds=(feed,), title="Acme opens a plant")
    report = make_report(article, analysed_at=ANALYSED)
    add_mention(report, make_brand(org_a, "Acme Corp"))
    return report


@pytest.fixture
def client(client_for, alice, report):
    return client_for(alice)


def row(client) -> str:
    """The text and classes of the list's one row (after a load that may fill the cache)."""
    response = client.get("/reports/")
    assert response.status_code == 200
    rows = html.fromstring(response.content.decode()).xpath("//tbody/tr")
    assert len(rows) == 1
    classes = " ".join(a.get("class") for a in rows[0].xpath(".//a[contains(@class, 'chip')]"))
    return f"{' '.join(rows[0].text_content().split())} [{classes}]"


def test_a_second_load_reads_the_rows_from_the_cache(client):
    assert "Acme opens a plant" in row(client)

    with CaptureQueriesContext(connection) as queries:
        assert "Acme opens a plant" in row(client)

    sql = [query["sql"] for query in queries]
    assert not [q for q in sql if "reports_mention" in q], sql  # No mentions, no brands read.


def test_with_the_cache_off_the_rows_are_read_every_time(client, settings):
    settings.DASHBOARD_CACHE_SECONDS = 0
    row(client)

    with CaptureQueriesContext(connection) as queries:
        row(client)

    assert [q for q in queries if "reports_mention" in q["sql"]]


def test_a_renamed_brand_shows_on_the_next_load(client, org_a):
    assert "Acme Corp" in row(client)

    brand = Brand.objects.get(organization=org_a, name="Acme Corp")
    brand.name = "Acme Industries"
    brand.save()

    assert "Acme Industries" in row(client)


def test_a_brand_renamed_in_bulk_shows_on_the_next_load(client, org_a):
    row(client)

    Brand.objects.filter(organization=org_a).update(name="Acme Bulk")

    assert "Acme Bulk" in row(client)


def test_a_reviewed_mention_shows_on_the_next_load(client, report):
    assert "is-confirmed" not in row(client)

    mention = Mention.objects.get(report=report)
    mention.review_status = ReviewStatus.CONFIRMED
    mention.save()

    assert "is-confirmed" in row(client)


def test_a_new_mention_shows_on_the_next_load(client, report, org_a):
    assert "Globex" not in row(client)

    add_mention(report, make_brand(org_a, "Globex"), confidence=0.5)

    assert "Globex" in row(client)


def test_an_article_retitled_and_a_feed_renamed_show_on_the_next_load(client, report, org_a):
    assert "Wire" in row(client)

    Article.objects.filter(pk=report.article_id).update(title="Acme closes a plant")
    Feed.objects.filter(organization=org_a).update(name="Newswire")

    shown = row(client)
    assert "Acme closes a plant" in shown
    assert "Newswire" in shown


def test_a_report_reanalysed_shows_on_the_next_load(client, report):
    assert "negative" not in row(client)

    Report.objects.filter(pk=report.pk).update(sentiment_label="negative")

    assert "negative" in row(client)


def test_the_organizations_language_applies_to_cached_rows(client, org_a):
    assert "10 Mar 2026" in row(client)

    org_a.language = "de"
    org_a.save()

    assert "10 Mär 2026" in row(client)


def test_another_organizations_list_never_shows_these_rows(client, client_for, charlie, org_b):
    row(client)  # Org A's rows cached.
    feed = make_feed(org_b, "Elsewhere")
    article = make_article(org_b, "/globex-1", feeds=(feed,), title="Globex hires")
    add_mention(make_report(article, analysed_at=ANALYSED), make_brand(org_b, "Globex"))

    shown = row(client_for(charlie))

    assert "Globex hires" in shown
    assert "Acme" not in shown
    assert "Acme opens a plant" in row(client)  # And org B's load left org A's alone.


# The brand page's "Recent reports" rows are cached the same way.


def recent(client, brand_id: int) -> str:
    response = client.get(f"/brands/{brand_id}/")
    assert response.status_code == 200
    rows = html.fromstring(response.content.decode()).xpath("//tr[starts-with(@class, 'review-')]")
    return " | ".join(" ".join(r.text_content().split()) + f" [{r.get('class')}]" for r in rows)


def test_the_brand_pages_recent_rows_come_from_the_cache(client, report):
    brand_id = Mention.objects.get(report=report).brand_id
    assert "Acme opens a plant" in recent(client, brand_id)

    with CaptureQueriesContext(connection) as queries:
        assert "Acme opens a plant" in recent(client, brand_id)

    # The history's events join their mention; the recent rows read the mentions themselves.
    assert not [q for q in queries if 'FROM "reports_mention"' in q["sql"]]


def test_the_brand_pages_recent_rows_show_writes_on_the_next_load(client, report, org_a):
    mention = Mention.objects.get(report=report)
    assert "review-confirmed" not in recent(client, mention.brand_id)

    mention.review_status = ReviewStatus.CONFIRMED
    mention.save()
    assert "review-confirmed" in recent(client, mention.brand_id)

    Article.objects.filter(pk=report.article_id).update(title="Acme closes a plant")
    assert "Acme closes a plant" in recent(client, mention.brand_id)

    article = make_article(org_a, "/acme-2", title="Acme hires")
    add_mention(make_report(article), Brand.objects.get(pk=mention.brand_id))
    assert "Acme hires" in recent(client, mention.brand_id)
