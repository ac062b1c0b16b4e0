"""Keyword rules in analysis: an excluded article is kept and marked, never sent to the LLM,
and the saving is counted; re-analysis honours the rules as they are now."""

from decimal import Decimal

import pytest
from django.utils import timezone

from jobs.services.executions import COUNTERS
from jobs.services.run import run_feed
from reports.extractors.llm import SYSTEM_PROMPT, estimate_tokens
from reports.models import Report, ReportStatus
from reports.services.analyse import AnalysisOptions, report_analyse, reports_analyse
from reports.services.keyword_rules import (
    exclusion_savings,
    keyword_rule_create,
    keyword_rule_delete,
    keyword_rule_update,
)
from tests.feeds.builders import make_feed
from tests.jobs.builders import make_job, make_served_feed
from tests.reports.analysis_data import ARTICLE_TEXT, brand, llm_answer, make_article, track

pytestmark = pytest.mark.django_db


def a_job(organization):
    make_feed(organization, "https://news.example/feed.xml")
    return make_job(organization)


def brand_names(report: Report) -> set[str]:
    return set(report.mentions.values_list("brand__name", flat=True))


NIKE = brand("Nike", "Nike reported record sales in Europe on Tuesday", sentiment=0.6)


@pytest.fixture
def no_llm(settings):
    settings.OPENAI_API_KEY = None
    settings.OPENAI_BASE_URL = None


def test_an_excluded_article_is_kept_marked_and_never_sent_to_the_llm(
    org_a, openai_server, settings
):
    settings.OPENAI_MODEL = "gpt-4o-mini"
    rule = keyword_rule_create(organization=org_a, name="No sport", exclude="sales NEAR/3 europe")
    article = make_article(org_a)

    report = report_analyse(article=article)

    assert openai_server.requests == []
    assert report.status == ReportStatus.EXCLUDED
    assert (report.excluded_by, report.excluded_rule_name) == (rule, "No sport")
    assert not report.mentions.exists()
    assert (report.tokens_in, report.cost_estimate, report.llm_pending) == (0, 0, False)
    article.refresh_from_db()
    assert article.text  # The article itself is untouched.
    # The call it saved: the prompt, title and text (~4 characters a token) at $0.15 / 1M.
    sent = (SYSTEM_PROMPT, article.title, ARTICLE_TEXT)
    assert report.tokens_saved == sum(estimate_tokens(part) for part in sent)
    expected = Decimal(report.tokens_saved) * Decimal("0.15") / 1_000_000
    assert report.cost_saved == expected.quantize(Decimal("0.000001"))  # As the column keeps it.


def test_an_article_that_passes_the_rules_is_analysed_as_before(org_a, openai_server):
    keyword_rule_create(organization=org_a, name="Sport", include="sales OR shoes")
    openai_server.reply_json(llm_answer(NIKE))

    report = report_analyse(article=make_article(org_a))

    assert len(openai_server.requests) == 1
    assert report.status == ReportStatus.DONE and report.excluded_rule_name == ""
    assert report.mentions.get().brand.name == "Nike"


def test_an_article_must_pass_every_enabled_rule(org_a, no_llm):
    keyword_rule_create(organization=org_a, name="Sport", include="shoes")
    keyword_rule_create(organization=org_a, name="Not Adidas", exclude="adidas")

    report = report_analyse(article=make_article(org_a))

    assert (report.status, report.excluded_rule_name) == (ReportStatus.EXCLUDED, "Not Adidas")


def test_without_an_llm_an_exclusion_saves_nothing_and_says_so(org_a, no_llm):
    keyword_rule_create(organization=org_a, name="Cars only", include="tesla")

    report = report_analyse(article=make_article(org_a))

    assert report.status == ReportStatus.EXCLUDED
    assert (report.tokens_saved, report.cost_saved) == (0, 0)


def test_a_job_rule_applies_only_to_that_jobs_analysis(org_a, no_llm):
    track(org_a, "Nike")
    job = a_job(org_a)
    keyword_rule_create(organization=org_a, name="Cars only", include="tesla", job=job)
    first, second = make_article(org_a, n=1), make_article(org_a, n=2, text="Nike shoes sold.")

    by_job = reports_analyse(article_ids=[first.pk], options=AnalysisOptions(job_id=job.pk))
    elsewhere = reports_analyse(article_ids=[second.pk])

    assert by_job[0].status == ReportStatus.EXCLUDED
    assert elsewhere[0].status == ReportStatus.DONE
    assert "Nike" in brand_names(elsewhere[0])


def test_a_job_run_applies_its_rules_to_the_articles_it_fetches(org_a, http_server, no_llm):
    # The served stories all say "Acme Corporation announced a partnership".
    feed = make_served_feed(org_a, http_server, "alpha", stories=2)
    job = make_job(org_a, feeds=[feed])
    keyword_rule_create(organization=org_a, name="No Acme", exclude='"acme corporation"', job=job)
    counters = dict.fromkeys(COUNTERS, 0)

    ok, line = run_feed(job, feed, counters, beat=lambda: None)

    reports = Report.objects.filter(organization=org_a)
    assert ok and reports.count() == 2, line
    assert line.endswith("2 reports (2 excluded by keyword rules).")
    assert set(reports.values_list("status", "excluded_rule_name")) == {
        (ReportStatus.EXCLUDED, "No Acme")
    }
    assert not reports.filter(mentions__isnull=False).exists()


def test_changing_a_rule_deletes_nothing_and_reanalysis_honours_the_new_rule(org_a, no_llm):
    track(org_a, "Nike")
    rule = keyword_rule_create(organization=org_a, name="Cars only", include="tesla")
    article = make_article(org_a)
    excluded = report_analyse(article=article)

    keyword_rule_update(rule=rule, name="Cars only", include="", exclude="", enabled=True, job=None)
    assert Report.objects.get(pk=excluded.pk).status == ReportStatus.EXCLUDED  # Not retroactive.

    again = report_analyse(article=article, options=AnalysisOptions(reanalyse=True))
    assert again.status == ReportStatus.DONE
    assert "Nike" in brand_names(again)


def test_reanalysing_an_article_a_job_rule_excluded_still_applies_that_jobs_rules(org_a, no_llm):
    job = a_job(org_a)
    keyword_rule_create(organization=org_a, name="Cars only", include="tesla", job=job)
    article = make_article(org_a)
    report_analyse(article=article, options=AnalysisOptions(job_id=job.pk))

    again = report_analyse(article=article, options=AnalysisOptions(reanalyse=True))

    assert (again.status, again.excluded_rule_name) == (ReportStatus.EXCLUDED, "Cars only")


def test_a_report_keeps_the_rule_name_after_the_rule_is_deleted(org_a, no_llm):
    rule = keyword_rule_create(organization=org_a, name="Cars only", include="tesla")
    report = report_analyse(article=make_article(org_a))

    keyword_rule_delete(rule=rule)

    report.refresh_from_db()
    assert (report.status, report.excluded_by, report.excluded_rule_name) == (
        ReportStatus.EXCLUDED,
        None,
        "Cars only",
    )


def test_the_months_savings_add_up_the_excluded_reports(org_a, org_b, openai_server, settings):
    settings.OPENAI_MODEL = "gpt-4o-mini"
    keyword_rule_create(organization=org_a, name="Cars only", include="tesla")
    # The same text twice counts twice: no answer is cached, the first never reached the LLM.
    reports = [report_analyse(article=make_article(org_a, n=n)) for n in (1, 2)]
    last_month = make_article(org_a, n=3)
    old = report_analyse(article=last_month)
    Report.objects.filter(pk=old.pk).update(analysed_at=timezone.now() - timezone.timedelta(40))

    savings = exclusion_savings(org_a)

    assert savings.articles == 2
    stored = Report.objects.filter(pk__in=[report.pk for report in reports])  # As rounded.
    assert savings.tokens == sum(report.tokens_saved for report in stored) > 0
    assert savings.cost == sum(report.cost_saved for report in stored)
    assert exclusion_savings(org_b).articles == 0
    assert openai_server.requests == []


def test_an_exclusion_saves_nothing_when_the_llm_answer_was_cached_or_the_quota_is_used(
    org_a, openai_server, settings
):
    from accounts.models import UsageDaily
    from reports.extractors.llm import PROMPT_VERSION
    from reports.models import ExtractionCache
    from reports.services.analyse import cache_key

    settings.OPENAI_MODEL = "gpt-4o-mini"
    keyword_rule_create(organization=org_a, name="Cars only", include="tesla")
    cached_text = make_article(org_a, n=1)
    ExtractionCache.objects.create(
        key=cache_key(cached_text.content_hash, "gpt-4o-mini", PROMPT_VERSION), result={}
    )
    assert report_analyse(article=cached_text).tokens_saved == 0

    other = make_article(org_a, n=2, text="Nike shoes sold well in Europe this spring.")
    org_a.llm_monthly_token_quota = 100
    org_a.save(update_fields=["llm_monthly_token_quota"])
    UsageDaily.objects.create(organization=org_a, date=timezone.now().date(), tokens_in=100)
    other.organization.refresh_from_db()
    report = report_analyse(article=other)
    assert (report.status, report.tokens_saved, report.cost_saved) == (
        ReportStatus.EXCLUDED,
        0,
        0,
    )
    assert openai_server.requests == []
