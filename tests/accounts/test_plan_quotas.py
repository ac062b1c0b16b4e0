"""Plans preset every quota: articles analysed by the LLM, LLM tokens, discovery searches a
month and API calls a minute, enforced where used without losing anything; the owners are
warned at 80 % and 100 % once per period; creations at limit - 1 cannot both pass."""

import threading
from datetime import date

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organization, Plan, QuotaWarning, UsageDaily
from accounts.quota_warnings import quota_warnings_sweep
from accounts.quotas import QuotaExceeded, quota_check, quota_limit, quota_used
from accounts.signals import quota_threshold_crossed
from contacts.models import ContactSettings, DiscoveryRun
from contacts.services.discovery import discovery_start
from feeds.models import Feed
from feeds.services.feeds import feed_create
from reports.models import ReportStatus
from reports.services.analyse import report_analyse
from reports.services.usage import llm_quota_reached, quota_reached
from reports.tasks import analyse_llm_pending
from tests.api.conftest import ApiClient, make_key
from tests.harness.waiting import wait_for
from tests.reports.analysis_data import brand, llm_answer, make_article
from tests.reports.page_data import make_brand, make_feed

NIKE = brand("Nike", "Nike reported record sales in Europe on Tuesday", sentiment=0.6)


def limit(organization: Organization, **limits: int | None) -> Plan:
    plan = Plan.objects.create(name=f"Plan of {organization.slug}", **limits)
    Organization.objects.filter(pk=organization.pk).update(plan=plan)
    organization.refresh_from_db()
    return plan


@pytest.fixture
def crossed():
    """The quota_threshold_crossed signals sent during the test."""
    seen: list[dict] = []

    def receiver(sender, **kwargs):  # type: ignore[no-untyped-def]
        seen.append({k: kwargs[k] for k in ("resource", "used", "limit", "percent")})

    quota_threshold_crossed.connect(receiver, dispatch_uid="test_plan_quotas")
    yield seen
    quota_threshold_crossed.disconnect(dispatch_uid="test_plan_quotas")


# --- LLM tokens: the plan presets them, the organization's field overrides ----------------


@pytest.mark.django_db
def test_the_plan_presets_the_token_quota_and_the_organizations_own_field_overrides_it(org_a):
    today = timezone.now().date()
    UsageDaily.objects.create(organization=org_a, date=today, tokens_in=900, tokens_out=200)
    assert not quota_reached(org_a)  # no plan, no override: no limit

    limit(org_a, max_llm_tokens=1000)
    assert quota_limit(org_a, "llm_tokens") == 1000 and quota_reached(org_a)

    org_a.llm_monthly_token_quota = 5000  # a deal: the organization's own wins
    assert quota_limit(org_a, "llm_tokens") == 5000 and not quota_reached(org_a)


@pytest.mark.django_db
def test_over_the_plans_tokens_an_article_is_analysed_by_rules_and_queued(org_a, openai_server):
    limit(org_a, max_llm_tokens=1000)
    openai_server.reply_json(llm_answer(NIKE), prompt_tokens=900, completion_tokens=200)
    report_analyse(article=make_article(org_a, n=9))

    report = report_analyse(article=make_article(org_a))

    assert report.status == ReportStatus.FALLBACK and report.extractor == "rules"
    assert report.llm_pending is True
    assert "Your plan allows 1,000 LLM tokens a month; you have used 1,100" in report.error
    assert len(openai_server.requests) == 1


# --- Articles analysed by the LLM a month -------------------------------------------------


@pytest.mark.django_db
def test_over_the_articles_limit_new_articles_are_stored_analysed_by_rules_and_queued(
    org_a, openai_server
):
    limit(org_a, max_analysed_articles=1)
    openai_server.reply_json(llm_answer(NIKE), prompt_tokens=100, completion_tokens=50)
    first = report_analyse(article=make_article(org_a, n=1))

    second = report_analyse(article=make_article(org_a, n=2))
    queued = analyse_llm_pending()  # the hourly catch-up leaves it for next month

    assert first.extractor == "llm"
    assert quota_used(org_a, "analysed_articles") == 1
    assert second.extractor == "rules" and second.llm_pending is True
    reset = date(2027, 1, 1) if timezone.now().month == 12 else None
    assert (
        "Your plan allows 1 articles analysed by the LLM a month; you have used 1: new "
        "articles are analysed by rules now and by the LLM when the month turns"
    ) in second.error
    if reset:
        assert "(1 January 2027)" in second.error
    assert queued == 0 and len(openai_server.requests) == 1
    assert llm_quota_reached(org_a).resource == "analysed_articles"


@pytest.mark.django_db
def test_the_articles_count_is_this_utc_months_llm_reports_only(org_a):
    from reports.models import Report

    now = timezone.now()
    for n, (extractor, when) in enumerate(
        [("llm", now), ("rules", now), ("llm", now.replace(year=now.year - 1))]
    ):
        Report.objects.create(
            organization=org_a,
            article=make_article(org_a, n=n),
            extractor=extractor,
            status=ReportStatus.DONE,
            analysed_at=when,
        )
    assert quota_used(org_a, "analysed_articles") == 1


# --- Discovery searches a month -------------------------------------------------------------


@pytest.fixture
def discovery_on(org_a, alice):
    ContactSettings.objects.update_or_create(
        organization=org_a,
        defaults={
            "discovery_enabled": True,
            "discovery_consent_by": alice,
            "discovery_consent_at": timezone.now(),
        },
    )


@pytest.mark.django_db
def test_a_discovery_search_over_the_limit_is_refused_in_the_page_with_the_reason(
    org_a, alice, client_for, discovery_on
):
    limit(org_a, max_discovery_searches=1)
    acme, bolt = make_brand(org_a, "Acme"), make_brand(org_a, "Bolt")
    discovery_start(brand=acme, actor=alice)

    with pytest.raises(QuotaExceeded) as refused:
        discovery_start(brand=bolt, actor=alice)
    page = (
        client_for(alice)
        .post(reverse("contacts:discover", args=[bolt.pk]), follow=True)
        .content.decode()
    )

    message = refused.value.messages[0]
    assert message.startswith(
        "Your plan allows 1 contact discovery searches a month; you have used 1: new searches "
        "can be started again on 1 "
    )
    assert message in page
    assert DiscoveryRun.objects.filter(organization=org_a).count() == 1


# --- API calls a minute -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_plans_api_calls_a_minute_drive_the_limiter_and_warn_the_owners(
    settings, alice, org_a, smtp_server, crossed, django_capture_on_commit_callbacks
):
    settings.API_KEY_REQUESTS_PER_MINUTE = 120
    settings.API_ORG_REQUESTS_PER_MINUTE = 0  # the plan's number is the organization's budget
    limit(org_a, max_api_calls_per_minute=6)  # a burst of ~1 request, then 429
    _key, token = make_key(alice, ["reports:read"])
    api = ApiClient(token, Client())

    with django_capture_on_commit_callbacks(execute=True):
        answers = [api.get("/api/reports") for _ in range(4)]

    refused = [a for a in answers if a.status_code == 429]
    assert answers[0].status_code == 200 and refused
    assert int(refused[0]["Retry-After"]) >= 1
    assert "Your plan allows 6 API calls a minute." in refused[0].json()["error"]["message"]
    # Warned once today at 100 % (and 80 %), however many requests were refused.
    rows = QuotaWarning.objects.filter(organization=org_a, resource="api_calls")
    assert sorted(rows.values_list("threshold", flat=True)) == [80, 100]
    assert {c["percent"] for c in crossed if c["resource"] == "api_calls"} == {80, 100}
    assert wait_for(lambda: len(smtp_server.messages) == 2, timeout=10)


@pytest.mark.django_db
def test_without_a_plan_the_installations_budgets_apply_as_before(settings, alice, org_a):
    settings.API_KEY_REQUESTS_PER_MINUTE = 0
    settings.API_ORG_REQUESTS_PER_MINUTE = 0
    _key, token = make_key(alice, ["reports:read"])
    api = ApiClient(token, Client())
    assert all(api.get("/api/reports").status_code == 200 for _ in range(5))


# --- Warnings ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_owners_are_warned_once_at_80_and_once_at_100_percent_of_a_count(
    org_a, alice, bob, smtp_server, crossed, django_capture_on_commit_callbacks
):
    limit(org_a, max_feeds=5)
    for n in range(3):
        make_feed(org_a, f"Wire{n}")

    with django_capture_on_commit_callbacks(execute=True):
        feed_create(organization=org_a, name="Fourth", url="https://news.example/4.xml")
        feed_create(organization=org_a, name="Fifth", url="https://news.example/5.xml")
        assert quota_warnings_sweep() == 0  # a re-run sends nothing twice

    assert wait_for(lambda: len(smtp_server.messages) == 2, timeout=10)
    first, second = smtp_server.messages
    assert first["To"] == alice.email  # owners only: bob is a member
    assert "80 % of the plan's feeds used" in first["Subject"]
    assert "Your plan allows 5 feeds; you have 4 (80 %)." in first.get_content()
    assert "limit of 5 feeds is reached" in second["Subject"]
    assert "Your plan allows 5 feeds; you have 5." in second.get_content()
    assert crossed == [
        {"resource": "feeds", "used": 4, "limit": 5, "percent": 80},
        {"resource": "feeds", "used": 5, "limit": 5, "percent": 100},
    ]


@pytest.mark.django_db
def test_a_count_warns_again_only_after_dropping_back_under_the_threshold(
    org_a, alice, crossed, django_capture_on_commit_callbacks
):
    limit(org_a, max_feeds=5)
    for n in range(3):
        make_feed(org_a, f"Wire{n}")
    with django_capture_on_commit_callbacks(execute=True):
        fourth = feed_create(organization=org_a, name="4", url="https://news.example/4.xml")
        fourth.delete()
        Feed.objects.filter(organization=org_a).first().delete()  # 2 of 5: under 80 %
        feed_create(organization=org_a, name="3", url="https://news.example/3.xml")  # 60 %
        feed_create(organization=org_a, name="4b", url="https://news.example/4b.xml")  # 80 %

    assert [c["percent"] for c in crossed] == [80, 80]


@pytest.mark.django_db
def test_the_sweep_warns_monthly_quotas_once_a_month_and_plans_lowered_below_use(
    org_a, alice, smtp_server, crossed, django_capture_on_commit_callbacks
):
    today = timezone.now().date()
    UsageDaily.objects.create(organization=org_a, date=today, tokens_in=850, tokens_out=0)
    for n in range(3):
        make_feed(org_a, f"Wire{n}")
    limit(org_a, max_llm_tokens=1000, max_feeds=2)  # lowered below the 3 feeds it has

    with django_capture_on_commit_callbacks(execute=True):
        assert quota_warnings_sweep() == 3  # tokens at 80 %; feeds at 80 % and 100 %
        assert quota_warnings_sweep() == 0

    assert Feed.objects.filter(organization=org_a).count() == 3  # nothing deleted
    period = f"{today:%Y-%m}"
    tokens = QuotaWarning.objects.get(organization=org_a, resource="llm_tokens")
    assert (tokens.period, tokens.threshold, tokens.used) == (period, 80, 850)
    assert {(c["resource"], c["percent"]) for c in crossed} == {
        ("llm_tokens", 80),
        ("feeds", 80),
        ("feeds", 100),
    }
    assert wait_for(lambda: len(smtp_server.messages) == 3, timeout=10)
    body = next(m for m in smtp_server.messages if "LLM tokens" in m["Subject"]).get_content()
    assert "you have used 850 (85 %). At the limit, new articles are analysed by rules" in body


# --- Lowered quotas and the settings page ----------------------------------------------------


@pytest.mark.django_db
def test_the_settings_page_shows_every_quota_and_what_happens_at_a_monthly_limit(
    client_for, alice, org_a
):
    today = timezone.now().date()
    UsageDaily.objects.create(organization=org_a, date=today, tokens_in=2_000_000)
    limit(org_a, max_llm_tokens=1_000_000, max_discovery_searches=20, max_api_calls_per_minute=60)

    page = client_for(alice).get(reverse("accounts:settings")).content.decode()

    assert "2,000,000 of 1,000,000 <strong>(limit reached)</strong>" in page
    assert (
        "Your plan allows 1,000,000 LLM tokens a month; you have used 2,000,000: new articles "
        "are analysed by rules now and by the LLM when the month turns"
    ) in page
    assert 'data-testid="usage-discovery_searches">0 of 20' in page
    assert 'data-testid="usage-analysed_articles">0 of no limit' in page
    assert "60, all keys together" in page


# --- The race -------------------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_creations_at_limit_minus_one_do_not_both_pass(org_a):
    """A holds the organization's lock between its check and its insert; B's check must wait
    for A's commit (seen in pg_stat_activity) and then count A's feed. Without the lock B
    counts 0 feeds, never waits, and both pass."""
    limit(org_a, max_feeds=1)
    a_checked, b_waiting = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                quota_check(org_a, "feeds")
                a_checked.set()
                b_waiting.wait(timeout=30)
                Feed.objects.create(organization=org_a, name="A", url="https://a.example/rss")
            outcome["a"] = "created"
        finally:
            connections.close_all()

    def second() -> None:
        try:
            a_checked.wait(timeout=30)
            feed_create(organization=org_a, name="B", url="https://b.example/rss")
            outcome["b"] = "created"
        except QuotaExceeded as refused:
            outcome["b"] = refused.messages[0]
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()

    def b_blocked() -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            )
            return cursor.fetchone()[0] > 0

    blocked = wait_for(b_blocked, timeout=10)
    b_waiting.set()
    for thread in threads:
        thread.join(timeout=30)

    assert blocked, "B's check did not wait for A's lock"
    assert outcome == {"a": "created", "b": "Your plan allows 1 feeds; you have 1."}
    assert Feed.objects.filter(organization=org_a).count() == 1


@pytest.mark.django_db
def test_monthly_limits_lowered_below_use_delete_nothing_and_refuse_with_the_reason(
    org_a, alice, discovery_on
):
    from reports.models import Report

    acme = make_brand(org_a, "Acme")
    for n in range(3):
        DiscoveryRun.objects.create(organization=org_a, brand=acme, status="succeeded")
        Report.objects.create(
            organization=org_a,
            article=make_article(org_a, n=n),
            extractor="llm",
            status=ReportStatus.DONE,
            analysed_at=timezone.now(),
        )
    limit(org_a, max_discovery_searches=2, max_analysed_articles=2)

    with pytest.raises(QuotaExceeded, match="you have used 3: new searches can be started"):
        discovery_start(brand=make_brand(org_a, "Bolt"), actor=alice)
    reached = llm_quota_reached(org_a)

    assert (reached.resource, reached.used, reached.limit) == ("analysed_articles", 3, 2)
    assert DiscoveryRun.objects.filter(organization=org_a).count() == 3
    assert Report.objects.filter(organization=org_a, extractor="llm").count() == 3
