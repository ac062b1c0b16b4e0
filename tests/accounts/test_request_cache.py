"""Per-request work cached (accounts.request_cache): fewer queries on every signed-in page, and
the next request after a change shows it.

Each test loads a page (filling the cache), writes through the path the app uses, and loads
it again. The tests commit (``transaction=True``): the caches hear of a write once it is
committed, and a connection with uncommitted writes of an organization does not use them.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from lxml import html

from accounts import briefing_cache
from accounts.models import Membership, Role, UsageDaily
from accounts.services import membership_remove, organization_hide_getting_started
from feeds.models import Feed
from reports.models import BrandGroup
from reports.services.usage import tokens_this_month
from tests.jobs.builders import make_job
from tests.reports.page_data import (
    add_mention,
    make_article,
    make_brand,
    make_feed,
    make_industry,
    make_report,
)

pytestmark = pytest.mark.django_db(transaction=True)

# Tables a cached load of any page no longer reads.
CACHED_AWAY = ("accounts_membership", "reports_alertnotification")


@pytest.fixture(autouse=True)
def _healthy_cache(monkeypatch):
    monkeypatch.setattr(briefing_cache, "_health", briefing_cache._CacheHealth())


@pytest.fixture
def acme(org_a):
    brand = make_brand(org_a, "Acme Corp")
    feed = make_feed(org_a, "Wire")
    article = make_article(org_a, "/acme-1", feeds=(feed,), published_at=timezone.now())
    add_mention(make_report(article), brand)
    return brand


@pytest.fixture
def client(client_for, alice, acme):
    return client_for(alice)


def load(client, url: str) -> list[str]:
    """The SQL of a second load of ``url`` (the first fills the cache)."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in queries]


def doc(client, url: str):
    response = client.get(url)
    assert response.status_code == 200
    return html.fromstring(response.content.decode())


def options(page, name: str) -> list[str]:
    return [o.text_content().strip() for o in page.xpath(f"//select[@name='{name}']/option")]


# Query budgets of a cached load: session and user are always read; the rest is the page's.
BUDGETS = {
    "/": 3,  # + the session's save of the chosen organization on a first visit
    "/reports/": 7,  # + count, ids, rows, mentions (the quota check is cached)
    "/feeds/articles/": 5,  # + count, rows
    "/brands/": 10,
}


def test_a_cached_load_stays_within_its_query_budget(client):
    for url, budget in BUDGETS.items():
        sql = load(client, url)

        assert len(sql) <= budget, (url, sql)
        assert not [q for q in sql if any(table in q for table in CACHED_AWAY)], url


def test_the_brand_page_reads_its_mention_totals_and_charts_from_the_cache(client, acme):
    sql = load(client, f"/brands/{acme.pk}/")

    assert len(sql) <= 10, "\n".join(sql)
    assert not [q for q in sql if "COUNT(" in q and "reports_mention" in q]


def test_with_the_cache_off_every_load_reads_the_memberships(client, settings):
    settings.DASHBOARD_CACHE_SECONDS = 0
    sql = load(client, "/reports/")

    assert [q for q in sql if "accounts_membership" in q]
    assert [q for q in sql if "choice_kind" in q]


def test_another_organizations_writes_leave_the_cache_alone(client, org_b):
    load(client, "/reports/")
    make_feed(org_b, "Elsewhere")

    with CaptureQueriesContext(connection) as queries:
        client.get("/reports/")
    assert not [q for q in queries if "choice_kind" in q["sql"]]  # The filter choices.


def test_a_new_feed_and_a_renamed_one_show_in_the_filters_on_the_next_load(client, org_a):
    assert options(doc(client, "/feeds/articles/"), "feed")[1:] == ["Wire"]
    assert "Wire" in options(doc(client, "/reports/"), "feed")

    make_feed(org_a, "Zeta Newswire")
    Feed.objects.filter(organization=org_a, name="Wire").update(name="Alpha Wire")

    assert options(doc(client, "/feeds/articles/"), "feed")[1:] == ["Alpha Wire", "Zeta Newswire"]
    assert options(doc(client, "/reports/"), "feed")[1:] == ["Alpha Wire", "Zeta Newswire"]


def test_a_new_industry_group_and_tracked_brand_show_in_the_filters(client, org_a):
    doc(client, "/reports/")
    doc(client, "/brands/")

    make_industry(org_a, "Aerospace")
    BrandGroup.objects.create(organization=org_a, name="Clients")
    make_brand(org_a, "Globex")

    reports = doc(client, "/reports/")
    assert "Aerospace" in options(reports, "industry")
    assert "Clients" in options(reports, "group")
    assert "Globex" in options(reports, "brand")
    brands = doc(client, "/brands/")
    assert "Aerospace" in options(brands, "industry") and "Clients" in options(brands, "group")


def test_a_quota_set_and_used_up_shows_the_banner_on_the_next_list_page(client, org_a, alice):
    paused = "LLM analysis is paused"
    assert paused not in client.get("/reports/").content.decode()

    org_a.llm_monthly_token_quota = 1000
    org_a.save(update_fields=["llm_monthly_token_quota"])
    assert paused not in client.get("/reports/").content.decode()  # Nothing used yet.
    UsageDaily.objects.create(
        organization=org_a, date=timezone.now().date(), tokens_in=800, tokens_out=400
    )
    assert tokens_this_month(org_a) >= 1000
    assert paused in client.get("/reports/").content.decode()

    org_a.llm_monthly_token_quota = 10_000  # Raised: lifted on the next load.
    org_a.save(update_fields=["llm_monthly_token_quota"])
    assert paused not in client.get("/reports/").content.decode()


def test_an_organization_renamed_shows_in_the_header_on_the_next_request(client, org_a):
    assert "Organization A" in client.get("/reports/").content.decode()

    org_a.name = "Renamed Org"
    org_a.save(update_fields=["name"])

    assert "Renamed Org" in client.get("/reports/").content.decode()


def test_a_role_changed_in_bulk_applies_on_the_next_request(client_for, bob, org_a, acme):
    client = client_for(bob)
    new_key = "/organization/settings/api-keys/new/"
    assert client.get(new_key, headers={"HX-Request": "true"}).status_code in (403, 404)

    Membership.objects.filter(user=bob).update(role=Role.ADMIN)

    assert client.get(new_key, headers={"HX-Request": "true"}).status_code == 200


def test_the_brand_page_counts_a_new_mention_on_the_next_load(client, acme, org_a):
    def totals() -> str:
        title = doc(client, f"/brands/{acme.pk}/").xpath("//h2[@id='chart-title']")[0]
        return " ".join(title.text_content().split())

    assert "1 in 90 days · 1 in all · 1 to review" in totals()
    article = make_article(org_a, "/acme-2", published_at=timezone.now())
    add_mention(make_report(article), acme)

    assert "2 in 90 days · 2 in all · 2 to review" in totals()


def test_the_checklist_ticks_a_new_job_and_hides_at_once(client, org_a, alice):
    def steps_done(page) -> int:
        return len(page.xpath("//li[contains(@class,'is-done')]"))

    before = steps_done(doc(client, "/"))
    make_job(org_a)
    assert steps_done(doc(client, "/")) == before + 1

    organization_hide_getting_started(organization=org_a, actor=Membership.objects.get(user=alice))
    assert not doc(client, "/").xpath("//li[contains(@class,'checklist-step')]")


def test_a_removed_member_loses_access_on_the_next_request(client_for, alice, bob, org_a):
    client = client_for(bob)
    assert client.get("/reports/").status_code == 200

    membership_remove(
        membership=Membership.objects.get(user=bob), actor=Membership.objects.get(user=alice)
    )

    assert client.get("/reports/").status_code == 404


def test_pages_render_when_the_cache_is_down(client, settings, acme):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # Nothing listens there.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }

    for url in ("/", "/reports/", "/feeds/articles/", f"/brands/{acme.pk}/"):
        assert client.get(url).status_code == 200, url
