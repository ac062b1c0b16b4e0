"""The dashboard's cached briefing: cheap when nothing changed, never stale after a write.

Each test loads the dashboard (filling the cache), writes through the path the app uses (a
service, a bulk write, raw SQL, the inline review), and loads it again. These tests commit
(``transaction=True``): the cache hears of a write only once it is committed.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from lxml import html

from accounts import briefing_cache
from feeds.models import Article, FetchStatus
from feeds.services.extract import articles_extract
from feeds.services.refresh import feed_refresh
from jobs.models import ExecutionStatus, JobExecution
from jobs.services.executions import execution_claim, execution_finish, execution_heartbeat
from reports.models import Brand, BrandStatus, Mention
from reports.services.feedback import brand_merge
from reports.services.report_versions import report_mentions_replace
from tests.feeds.builders import LOREM, article_page, rss
from tests.feeds.builders import make_feed as make_served_feed
from tests.harness.http_server import Reply
from tests.jobs.builders import make_job
from tests.reports.page_data import add_mention, make_article, make_brand, make_feed, make_report

pytestmark = pytest.mark.django_db(transaction=True)

DASHBOARD = reverse("dashboard")
HTMX = {"HTTP_HX_REQUEST": "true"}
# Session, user, memberships, the alert bell's unread count and the getting-started
# checklist (with, while the installation has no LLM, whether the organization connected its
# own): what a load costs once the briefing, the figures and the banners come from the cache
# (25 queries fewer than a full one).
CACHED_LOAD_QUERIES = 10


def page(client):
    return html.fromstring(client.get(DASHBOARD).content.decode())


def block(doc, title: str) -> str:
    section = doc.xpath(f"//section[.//h2[normalize-space()='{title}']]")[0]
    return " ".join(section.text_content().split())


def summary(doc) -> str:
    return " ".join(doc.xpath("//p[@class='briefing-summary']")[0].text_content().split())


def mention(brand, path: str, days_ago: float = 1, **values) -> Mention:
    when = timezone.now() - timedelta(days=days_ago)
    article = make_article(brand.organization, path, published_at=when, title=f"Story {path}")
    return add_mention(make_report(article), brand, mentioned_at=when, **values)


@pytest.fixture(autouse=True)
def _healthy_cache(monkeypatch):
    # A test that breaks the cache must not leave this process avoiding it for the next.
    monkeypatch.setattr(briefing_cache, "_health", briefing_cache._CacheHealth())


@pytest.fixture
def acme(org_a):
    brand = make_brand(org_a, "Acme Corp")
    mention(brand, "/acme-1")
    return brand


@pytest.fixture
def client(client_for, alice, acme):
    return client_for(alice)


def queries_of_a_load(client) -> int:
    from django.db import connection

    with CaptureQueriesContext(connection) as queries:
        assert client.get(DASHBOARD).status_code == 200
    return len(queries)


def test_a_cached_load_does_a_fixed_small_number_of_queries(client):
    first = queries_of_a_load(client)
    second = queries_of_a_load(client)

    assert second <= CACHED_LOAD_QUERIES, (first, second)
    assert first - second >= 20  # The briefing's, figures' and banners' queries are saved.


def test_another_organizations_writes_leave_the_cache_alone(client, org_b):
    queries_of_a_load(client)
    mention(make_brand(org_b, "Globex"), "/globex")

    assert queries_of_a_load(client) <= CACHED_LOAD_QUERIES


def test_with_the_cache_off_every_load_computes_the_briefing(client, settings):
    settings.DASHBOARD_CACHE_SECONDS = 0
    queries_of_a_load(client)

    assert queries_of_a_load(client) > CACHED_LOAD_QUERIES


def test_a_mention_reviewed_inline_is_gone_from_the_queue_on_the_next_load(client, acme):
    queued = Mention.objects.get(brand=acme)
    assert "Acme Corp" in block(page(client), "Waiting for review")

    response = client.post(
        reverse("reports:mention_confirm", args=[queued.pk]), {"from": "dashboard"}, **HTMX
    )

    assert "Confirmed" in response.content.decode()  # The item itself says so at once.
    assert "Nothing waits for review" in block(page(client), "Waiting for review")


def test_a_new_report_and_its_bulk_created_mentions_show_on_the_next_load(client, acme):
    assert "1 analysed" in summary(page(client))
    article = make_article(acme.organization, "/acme-2", published_at=timezone.now())
    report = make_report(article)
    fresh = Mention(
        organization_id=report.organization_id,
        report=report,
        brand=acme,
        surface="Acme Corp",
        confidence=0.9,
        evidence="Acme Corp",
        evidence_start=0,
        evidence_end=9,
        mentioned_at=timezone.now(),
    )

    report_mentions_replace(report=report, mentions=[fresh], version=None)

    doc = page(client)
    assert "2 analysed" in summary(doc)
    assert "Acme Corp 2 0" in block(doc, "Tracked brands")


def test_mentions_bulk_created_alone_show_on_the_next_load(client, acme):
    page(client)
    report = make_report(make_article(acme.organization, "/acme-3", published_at=timezone.now()))
    page(client)  # The report is there; the mention is not yet.

    Mention.objects.bulk_create(
        [
            Mention(
                organization_id=report.organization_id,
                report=report,
                brand=acme,
                surface="Acme Corp",
                confidence=0.9,
                evidence="Acme Corp",
                evidence_start=0,
                evidence_end=9,
                mentioned_at=timezone.now(),
            )
        ]
    )

    assert "Acme Corp 2 0" in block(page(client), "Tracked brands")


def test_a_brand_changed_by_a_queryset_update_shows_on_the_next_load(client, acme):
    assert "Acme Corp" in block(page(client), "Tracked brands")

    Brand.objects.filter(pk=acme.pk).update(status=BrandStatus.IGNORED)

    assert "No tracked brands yet" in block(page(client), "Tracked brands")


def test_a_merge_moving_mentions_in_bulk_shows_on_the_next_load(client, acme, org_a):
    other = make_brand(org_a, "Globex")
    mention(other, "/globex")
    assert "Globex" in block(page(client), "Tracked brands")

    brand_merge(source=other, target=acme, actor=None)

    tracked = block(page(client), "Tracked brands")
    assert "Globex" not in tracked
    assert "Acme Corp 2 0" in tracked


def test_deleted_mentions_leave_the_queue_on_the_next_load(client, acme):
    assert "Acme Corp" in block(page(client), "Waiting for review")

    Mention.objects.filter(brand=acme).delete()

    assert "Nothing waits for review" in block(page(client), "Waiting for review")


def test_a_feed_that_fails_to_refresh_shows_on_the_next_load(client, org_a):
    feed = make_feed(org_a, "Closed port")
    feed.url = "http://127.0.0.1:9/rss"  # Nothing listens there: connection refused.
    feed.save()
    assert "Failing feeds: 0" in block(page(client), "Feeds and runs")

    result = feed_refresh(feed=feed)

    assert result.status == FetchStatus.ERROR
    assert "Failing feeds: 1" in block(page(client), "Feeds and runs")


def test_articles_stored_by_a_refresh_and_copies_marked_by_extraction_show_on_the_next_load(
    client, org_a, http_server
):
    text = "The same wire story, word for word. " + LOREM * 3
    for path in ("/a", "/b"):
        http_server.add_route(path, Reply(body=article_page("Wire story", text)))
    items = [{"title": path, "link": http_server.url_for(path)} for path in ("/a", "/b")]
    http_server.add_route("/feed.xml", Reply(body=rss(items)))
    feed = make_served_feed(org_a, http_server.url_for("/feed.xml"))
    assert "1 new story" in summary(page(client))

    ids = feed_refresh(feed=feed).new_article_ids  # bulk_create
    assert "3 new stories" in summary(page(client))

    articles_extract(article_ids=ids)  # raw SQL: the second page is a copy of the first

    assert Article.objects.filter(duplicate_of__isnull=False).count() == 1
    assert "2 new stories" in summary(page(client))


def test_a_run_failed_by_its_worker_shows_on_the_next_load_and_heartbeats_do_not_evict(
    client, org_a
):
    make_feed(org_a)
    job = make_job(org_a)
    run = JobExecution.objects.create(organization=org_a, job=job)
    execution_claim(execution_id=run.pk, task_id="t", hostname="h", pid=1)
    queries_of_a_load(client)

    execution_heartbeat(execution_id=run.pk, counters={"feeds_done": 1})
    assert queries_of_a_load(client) <= CACHED_LOAD_QUERIES

    execution_finish(execution_id=run.pk, status=ExecutionStatus.FAILED, error_message="boom")

    assert "Failed runs (7 days): 1" in block(page(client), "Feeds and runs")


def test_a_write_shows_after_its_transaction_commits_even_past_a_rolled_back_savepoint(
    client, acme
):
    page(client)
    with transaction.atomic():
        try:
            with transaction.atomic():
                Brand.objects.filter(pk=acme.pk).update(name="Acme Rolled Back")
                raise RuntimeError
        except RuntimeError:
            pass
        Brand.objects.filter(pk=acme.pk).update(name="Acme Renamed")
        # Not committed yet: a load now must not cache anything under a new generation.
        assert "Acme Corp" in block(page(client), "Tracked brands")

    assert "Acme Renamed" in block(page(client), "Tracked brands")


def test_a_write_rolled_back_changes_nothing_and_the_cache_stays(client, acme):
    page(client)
    with pytest.raises(RuntimeError), transaction.atomic():
        Brand.objects.filter(pk=acme.pk).update(name="Never")
        raise RuntimeError

    assert queries_of_a_load(client) <= CACHED_LOAD_QUERIES


def test_the_dashboard_still_renders_when_the_cache_is_down(client, settings, acme):
    settings.CACHES = {  # Django rebuilds its cache handlers on this change.
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # Nothing listens there.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }

    dashboard = briefing_cache.cached_dashboard(acme.organization)

    assert [trend.name for trend in dashboard.briefing.tracked] == ["Acme Corp"]
    # A write commits although its bump cannot reach the cache.
    Brand.objects.filter(pk=acme.pk).update(name="Acme Offline")
    assert Brand.objects.get(pk=acme.pk).name == "Acme Offline"


def figure(doc, label: str) -> str:
    card = doc.xpath(
        f"//div[@class='figure-card'][.//p[@class='figure-label'][normalize-space()='{label}']]"
    )[0]
    return " ".join(card.text_content().split())


def test_contacts_members_usage_and_quota_show_in_the_figures_on_the_next_load(
    client, acme, org_a, bob
):
    from contacts.models import BrandContact
    from reports.services.usage import usage_record

    doc = page(client)
    assert figure(doc, "Contacts") == "Contacts 0"
    assert figure(doc, "Members").startswith("Members 2")  # alice and bob

    BrandContact.objects.create(organization=org_a, brand=acme, full_name="Ada Lovelace")
    assert figure(page(client), "Contacts") == "Contacts 1"

    usage_record(organization=org_a, tokens_in=1000, tokens_out=234, cost=Decimal("0.5"))
    assert "1,234" in figure(page(client), "LLM tokens this month")

    org_a.llm_monthly_token_quota = 1000
    org_a.save(update_fields=["llm_monthly_token_quota"])
    doc = page(client)
    assert "LLM analysis is paused" in figure(doc, "LLM tokens this month")
    assert (
        "LLM analysis is paused" in doc.xpath("//div[contains(@class, 'banner')]")[0].text_content()
    )


class Unanswered(Exception):
    pass


class FrozenCache(LocMemCache):
    """The dashboard's keys fail, as every call does with Redis frozen (after REDIS_TIMEOUT,
    3 s each), and are counted; other users of the cache (sessions, throttles) carry on."""

    calls = 0

    def _frozen(self, key: str) -> None:
        if key.startswith("dashboard:"):
            type(self).calls += 1
            raise Unanswered(key)

    def get(self, key, *args, **kwargs):
        self._frozen(key)
        return super().get(key, *args, **kwargs)

    def set(self, key, *args, **kwargs):
        self._frozen(key)
        return super().set(key, *args, **kwargs)

    def add(self, key, *args, **kwargs):
        self._frozen(key)
        return super().add(key, *args, **kwargs)


def test_with_the_cache_frozen_writes_and_loads_stop_waiting_on_it_and_catch_up_after(
    client, settings, acme, monkeypatch
):
    now = [1000.0]
    monkeypatch.setattr(briefing_cache, "_clock", lambda: now[0])
    FrozenCache.calls = 0
    settings.CACHES = {"default": {"BACKEND": f"{__name__}.FrozenCache"}}

    Brand.objects.filter(pk=acme.pk).update(name="Acme One")  # Its bump fails: one call.
    assert FrozenCache.calls == 1
    for n in range(3):  # Within CACHE_RETRY_SECONDS: neither writes nor loads try again.
        Brand.objects.filter(pk=acme.pk).update(name=f"Acme {n}")
        assert "Acme" in block(page(client), "Tracked brands")
    assert FrozenCache.calls == 1

    now[0] += briefing_cache.CACHE_RETRY_SECONDS
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    page(client)  # Cached under the current generation...
    Brand.objects.filter(pk=acme.pk).update(name="Acme Back")  # ...which this bump replaces.

    assert "Acme Back" in block(page(client), "Tracked brands")
