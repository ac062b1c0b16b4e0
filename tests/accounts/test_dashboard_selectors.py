"""The dashboard's reads: the week's briefing and the getting-started checklist."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Invitation, Membership, Role
from accounts.selectors import dashboard_briefing, getting_started
from feeds.models import FetchStatus
from jobs.models import ExecutionStatus, JobExecution
from reports.models import BrandStatus, ReportStatus, ReviewStatus
from tests.jobs.builders import make_job
from tests.reports.page_data import add_mention, make_article, make_brand, make_feed, make_report

pytestmark = pytest.mark.django_db


def mention(brand, path: str, days_ago: float, **values):
    """A mention in a story published ``days_ago`` days ago (analysed now)."""
    when = timezone.now() - timedelta(days=days_ago)
    report_values = {key: values.pop(key) for key in ("status", "sentiment_label") if key in values}
    article = make_article(brand.organization, path, published_at=when)
    return add_mention(make_report(article, **report_values), brand, mentioned_at=when, **values)


def test_tracked_brands_compare_this_weeks_mentions_with_last_weeks(org_a):
    acme = make_brand(org_a, "Acme Corp")
    globex = make_brand(org_a, "Globex")
    make_brand(org_a, "Initech")  # tracked, never mentioned: still listed, at zero
    for n, days_ago in enumerate((1, 2, 3, 8)):
        mention(acme, f"/acme{n}", days_ago)
    for n, days_ago in enumerate((1, 9, 10, 11)):
        mention(globex, f"/globex{n}", days_ago)
    mention(acme, "/old", 20)  # two weeks back: in neither week

    briefing = dashboard_briefing(org_a)

    rows = {t.name: (t.this_week, t.last_week, t.delta, t.direction) for t in briefing.tracked}
    assert rows == {
        "Acme Corp": (3, 1, 2, "up"),
        "Globex": (1, 3, -2, "down"),
        "Initech": (0, 0, 0, "flat"),
    }
    assert [t.name for t in briefing.tracked] == ["Acme Corp", "Globex", "Initech"]
    assert briefing.tracked_total == 3


def test_discovered_brands_are_the_unreviewed_ones_mentioned_this_week_most_first(org_a):
    newco = make_brand(org_a, "Newco", status=BrandStatus.UNREVIEWED)
    other = make_brand(org_a, "Otherco", status=BrandStatus.UNREVIEWED)
    quiet = make_brand(org_a, "Quietco", status=BrandStatus.UNREVIEWED)
    mention(newco, "/n1", 1)
    mention(newco, "/n2", 2)
    mention(other, "/o1", 1)
    mention(quiet, "/q1", 12)  # last week only
    mention(make_brand(org_a, "Tracked"), "/t1", 1)

    briefing = dashboard_briefing(org_a)

    assert [(t.name, t.this_week) for t in briefing.discovered] == [("Newco", 2), ("Otherco", 1)]


def test_a_brand_jumped_when_it_has_at_least_three_mentions_and_twice_last_weeks(org_a):
    doubled = make_brand(org_a, "Doubled")
    for n in range(4):
        mention(doubled, f"/d{n}", 1)
    for n in range(2):
        mention(doubled, f"/d-old{n}", 9)
    steady = make_brand(org_a, "Steady")
    for n in range(3):
        mention(steady, f"/s{n}", 1)
        mention(steady, f"/s-old{n}", 9)
    small = make_brand(org_a, "Small", status=BrandStatus.UNREVIEWED)
    for n in range(2):  # from 0 to 2: too few to call a jump
        mention(small, f"/m{n}", 1)
    ignored = make_brand(org_a, "Ignored", status=BrandStatus.IGNORED)
    for n in range(5):
        mention(ignored, f"/i{n}", 1)

    briefing = dashboard_briefing(org_a)

    assert [(t.name, t.last_week, t.this_week) for t in briefing.jumped] == [("Doubled", 2, 4)]


def test_article_counts_leave_out_syndicated_copies_and_excluded_reports(org_a):
    recent = timezone.now() - timedelta(days=1)
    original = make_article(org_a, "/story", published_at=recent)
    for n in range(3):
        make_article(org_a, f"/copy{n}", published_at=recent, duplicate_of=original)
    make_article(org_a, "/old", published_at=recent - timedelta(days=30))
    make_report(original, sentiment_label="negative")
    excluded = make_article(org_a, "/excluded", published_at=recent)
    make_report(excluded, status=ReportStatus.EXCLUDED)

    briefing = dashboard_briefing(org_a)

    assert briefing.articles == 2  # the story and the excluded article, not the 3 copies
    assert briefing.reports == 1
    assert (briefing.sentiment.negative, briefing.sentiment.total) == (1, 1)


def test_the_week_is_the_publication_week_not_the_analysis_week(org_a):
    # Analysed today, published a month ago: as on the Brands page, not this week's news.
    acme = make_brand(org_a, "Acme Corp")
    mention(acme, "/archive", 30)

    briefing = dashboard_briefing(org_a)

    assert (briefing.reports, briefing.articles, briefing.tracked[0].this_week) == (0, 0, 0)


def test_the_sentiment_mix_counts_the_weeks_reports_by_label(org_a):
    acme = make_brand(org_a, "Acme Corp")
    for n, label in enumerate(("positive", "positive", "neutral", "negative")):
        mention(acme, f"/s{n}", 1, sentiment_label=label)

    mix = dashboard_briefing(org_a).sentiment

    assert (mix.positive, mix.neutral, mix.negative) == (2, 1, 1)
    assert (mix.positive_share, mix.neutral_share, mix.negative_share) == (50, 25, 25)


def test_the_review_queue_holds_the_newest_unreviewed_high_confidence_mentions(org_a):
    acme = make_brand(org_a, "Acme Corp")
    older = mention(acme, "/older", 3)
    newer = mention(acme, "/newer", 1)
    mention(acme, "/unsure", 1, confidence=0.5)
    mention(acme, "/done", 1, review_status=ReviewStatus.CONFIRMED)
    mention(acme, "/excluded", 1, status=ReportStatus.EXCLUDED)
    mention(make_brand(org_a, "Noise", status=BrandStatus.IGNORED), "/noise", 1)

    briefing = dashboard_briefing(org_a)

    assert briefing.to_review == [newer, older]
    assert briefing.to_review_total == 2


def test_failing_feeds_and_failed_runs_of_the_week_are_listed(org_a):
    broken = make_feed(org_a, "Broken")
    broken.last_status, broken.last_error = FetchStatus.ERROR, "HTTP 500 (server error)"
    broken.save()
    make_feed(org_a, "Fine")
    disabled = make_feed(org_a, "Disabled")
    disabled.last_status, disabled.enabled = FetchStatus.ERROR, False
    disabled.save()
    job = make_job(org_a)
    now = timezone.now()
    failed = JobExecution.objects.create(
        organization=org_a, job=job, status=ExecutionStatus.FAILED, completed_at=now
    )
    JobExecution.objects.create(
        organization=org_a, job=job, status=ExecutionStatus.SUCCEEDED, completed_at=now
    )
    JobExecution.objects.create(
        organization=org_a,
        job=job,
        status=ExecutionStatus.FAILED,
        completed_at=now - timedelta(days=8),
    )

    briefing = dashboard_briefing(org_a)

    assert [f.name for f in briefing.failing_feeds] == ["Broken"]
    assert briefing.failing_feeds_total == 1
    assert briefing.failed_runs == [failed]
    assert briefing.failed_runs_total == 1
    assert briefing.offline is False


def test_every_enabled_feed_unreachable_reads_as_offline(org_a):
    for name, error in (
        ("One", "could not resolve host one.example"),
        ("Two", "could not connect to two.example"),
    ):
        feed = make_feed(org_a, name)
        feed.last_status, feed.last_error = FetchStatus.ERROR, error
        feed.save()

    assert dashboard_briefing(org_a).offline is True


def test_another_organizations_data_never_shows(org_a, org_b):
    theirs = make_brand(org_b, "Theirs", status=BrandStatus.UNREVIEWED)
    mention(theirs, "/theirs", 1)
    make_feed(org_b, "Their feed")

    briefing = dashboard_briefing(org_a)

    assert (briefing.discovered, briefing.to_review, briefing.articles) == ([], [], 0)


def test_the_briefing_takes_a_fixed_number_of_queries(org_a, django_assert_max_num_queries):
    for n in range(6):
        brand = make_brand(org_a, f"Brand {n}")
        for m in range(3):
            mention(brand, f"/b{n}-{m}", m + 1)
        feed = make_feed(org_a, f"Feed {n}")
        feed.last_status = FetchStatus.ERROR
        feed.save()
    job = make_job(org_a)
    for _ in range(6):
        JobExecution.objects.create(
            organization=org_a,
            job=job,
            status=ExecutionStatus.FAILED,
            completed_at=timezone.now(),
        )

    # 12, and one for the compact chart's mentions per day (brands and tones at once).
    with django_assert_max_num_queries(13):
        briefing = dashboard_briefing(org_a)
        # Reading what the template reads must not query again.
        [(m.brand.name, m.report.article.title) for m in briefing.to_review]
        [run.job.name for run in briefing.failed_runs]


def test_a_new_organizations_checklist_has_nothing_ticked(org_a, alice):
    checklist = getting_started(org_a, can_invite=True)

    assert [step.key for step in checklist.steps] == ["feeds", "brands", "llm", "job", "invite"]
    assert [step.done for step in checklist.steps] == [False] * 5
    assert checklist.done == 0


def test_each_step_ticks_itself_from_the_data(org_a, alice, settings):
    settings.OPENAI_API_KEY = ""
    settings.OPENAI_BASE_URL = ""
    make_feed(org_a)
    checklist = getting_started(org_a, can_invite=True)
    assert {s.key for s in checklist.steps if s.done} == {"feeds"}

    make_brand(org_a, "Acme Corp")
    make_job(org_a)
    Invitation.objects.create(organization=org_a, email="new@example.com", role=Role.MEMBER)
    settings.OPENAI_BASE_URL = "http://127.0.0.1:9/v1"
    # Everything done: the checklist has nothing left to say.
    assert getting_started(org_a, can_invite=True) is None


def test_the_llm_step_is_optional_and_a_second_member_counts_as_invited(
    org_a, alice, bob, settings
):
    settings.OPENAI_API_KEY = ""
    settings.OPENAI_BASE_URL = ""
    make_feed(org_a)
    make_brand(org_a, "Acme Corp")
    make_job(org_a)
    assert Membership.objects.filter(organization=org_a).count() == 2

    assert getting_started(org_a, can_invite=True) is None


def test_a_hidden_checklist_stays_hidden(org_a, alice):
    org_a.getting_started_hidden_at = timezone.now()
    org_a.save()

    assert getting_started(org_a, can_invite=True) is None


def test_the_review_queue_total_is_counted_up_to_a_cap(org_a, monkeypatch):
    # Counting every unreviewed mention cost ~190 ms per dashboard view at 100k reports
    # (docs/benchmarks.md, "Web load"): the total stops at the cap, and the page says "cap+".
    monkeypatch.setattr("accounts.selectors.REVIEW_COUNT_CAP", 2)
    acme = make_brand(org_a, "Acme Corp")
    for n in range(2):
        mention(acme, f"/m{n}", 1)

    assert not dashboard_briefing(org_a).to_review_capped

    mention(acme, "/m2", 1)
    briefing = dashboard_briefing(org_a)

    assert briefing.to_review_total == 3
    assert briefing.to_review_capped
    assert len(briefing.to_review) == 3


def test_the_review_queue_is_read_in_index_order_not_sorted(org_a):
    """The queue's five newest rows come from an index in order; without it the database
    sorted every unreviewed mention of the organization on each dashboard view."""
    from django.db import connection

    from accounts.selectors import review_queue

    acme = make_brand(org_a, "Acme Corp")
    for n in range(3):
        mention(acme, f"/m{n}", n)
    rows = review_queue(org_a).select_related(None).order_by("-mentioned_at", "-id")[:5]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A tiny table is cheaper to scan and sort: make the planner show its indexed plan.
            cursor.execute("SET LOCAL enable_seqscan = off")
            plan = rows.explain()
            assert "mention_review_queue_idx" in plan
            assert "Sort" not in plan
        else:
            plan = rows.explain()
            assert "mention_review_queue_idx" in plan
            assert "TEMP B-TREE" not in plan
