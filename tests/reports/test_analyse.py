"""report_analyse: extractor choice, cost control, fallbacks, resolution."""

from decimal import Decimal

import pytest

from accounts.models import UsageDaily
from feeds.models import ArticleStatus
from reports.models import Brand, BrandStatus, ExtractionCache, Mention, Report, ReportStatus
from reports.services.analyse import AnalysisOptions, report_analyse, reports_analyse
from tests.reports.analysis_data import ARTICLE_TEXT, brand, llm_answer, make_article, track

pytestmark = pytest.mark.django_db

NIKE = brand("Nike", "Nike reported record sales in Europe on Tuesday", sentiment=0.6)


def mentioned(report: Report) -> dict[str, Mention]:
    return {m.brand.name: m for m in report.mentions.select_related("brand")}


@pytest.fixture
def no_llm(settings):
    settings.OPENAI_API_KEY = None
    settings.OPENAI_BASE_URL = None


@pytest.fixture
def fast_retries(settings):
    settings.RETRY_MAX_ATTEMPTS = 2
    settings.RETRY_BACKOFF_MAX_SECONDS = 1
    settings.RETRY_MAX_ELAPSED_SECONDS = 5


def test_without_an_llm_the_rules_produce_a_report_with_evidence(org_a, no_llm):
    track(org_a, "Nike")
    track(org_a, "Adidas")

    report = report_analyse(article=make_article(org_a))

    assert report.extractor == "rules" and report.status == ReportStatus.DONE
    mentions = mentioned(report)
    assert {"Nike", "Adidas", "Globex"} <= set(mentions)
    nike = mentions["Nike"]
    assert ARTICLE_TEXT[nike.evidence_start : nike.evidence_end] == nike.evidence
    assert 0 < nike.confidence <= 1
    assert Brand.objects.get(name="Globex").status == BrandStatus.UNREVIEWED
    assert report.tokens_in == 0 and report.cost_estimate == 0


def test_the_llm_path_records_tokens_cost_and_usage(org_a, openai_server, settings):
    settings.OPENAI_MODEL = "gpt-4o-mini"
    openai_server.reply_json(llm_answer(NIKE), prompt_tokens=1000, completion_tokens=200)

    report = report_analyse(article=make_article(org_a))

    assert report.extractor == "llm" and report.model == "gpt-4o-mini"
    assert (report.tokens_in, report.tokens_out) == (1000, 200)
    # 1000 * 0.15 + 200 * 0.60 per million tokens.
    assert report.cost_estimate == Decimal("0.000270")
    usage = UsageDaily.objects.get(organization=org_a)
    assert (usage.llm_calls, usage.tokens_in, usage.tokens_out) == (1, 1000, 200)
    assert mentioned(report)["Nike"].sentiment == 0.6


def test_a_tracked_brand_the_model_skipped_is_added_from_the_rules(org_a, openai_server):
    track(org_a, "Adidas")
    openai_server.reply_json(llm_answer(NIKE))

    report = report_analyse(article=make_article(org_a))

    mentions = mentioned(report)
    assert mentions["Nike"].source == "llm"
    assert mentions["Adidas"].source == "rules"


def test_a_syndicated_copy_is_not_analysed_again(org_a, openai_server):
    original = make_article(org_a)
    copy = make_article(org_a, n=2, duplicate_of=original, status=ArticleStatus.SKIPPED)

    assert report_analyse(article=copy) is None
    assert openai_server.requests == []


def test_the_same_text_reuses_the_cached_answer(org_a, org_b, openai_server):
    openai_server.reply_json(llm_answer(NIKE), prompt_tokens=500, completion_tokens=50)
    report_analyse(article=make_article(org_a))

    second = report_analyse(article=make_article(org_b, n=2))

    assert len(openai_server.requests) == 1
    assert second.cached and second.tokens_in == 0 and second.cost_estimate == 0
    assert "Nike" in mentioned(second)
    assert ExtractionCache.objects.count() == 1
    assert UsageDaily.objects.get(organization=org_b).cache_hits == 1


def test_a_brand_the_model_quotes_from_the_headline_only_is_kept_and_kept_from_the_cache(
    org_a, org_b, openai_server
):
    # The model reads the headline (the prompt sends it); a brand named only there, quoted
    # from it, is real. It used to be dropped as invented, the quote not being in the text.
    headline = "Lululemon opens its first store in Madrid"
    answer = llm_answer(NIKE, brand("Lululemon", headline), brand("Zorblax", headline))
    openai_server.reply_json(answer, prompt_tokens=500, completion_tokens=50)

    first = report_analyse(article=make_article(org_a, title=headline))
    second = report_analyse(article=make_article(org_b, n=2, title=headline))

    assert len(openai_server.requests) == 1  # the second one is the cached answer, read again
    for report in (first, second):
        found = mentioned(report)
        assert set(found) == {"Nike", "Lululemon"}  # the invented "Zorblax" is still dropped
        assert found["Lululemon"].evidence == headline
        assert (found["Lululemon"].evidence_start, found["Lululemon"].evidence_end) == (0, 0)
        assert found["Nike"].evidence.startswith("Nike reported record sales")


def test_the_prefilter_skips_the_llm_when_the_rules_find_nothing(org_a, openai_server):
    org_a.llm_prefilter = True
    org_a.save()
    text = "The weather was mild this week and the river was calm near the old bridge."

    report = report_analyse(article=make_article(org_a, text=text))

    assert report.extractor == "rules"
    assert openai_server.requests == []


@pytest.mark.parametrize("quota", [0, 1000])
def test_a_reached_quota_pauses_the_llm_and_queues_the_article(org_a, openai_server, quota):
    org_a.llm_monthly_token_quota = quota
    org_a.save()
    if quota:
        openai_server.reply_json(llm_answer(NIKE), prompt_tokens=900, completion_tokens=200)
        report_analyse(article=make_article(org_a, n=9))

    report = report_analyse(article=make_article(org_a))

    assert report.status == ReportStatus.FALLBACK and report.extractor == "rules"
    assert report.llm_pending is True
    assert "quota" in report.error
    assert len(openai_server.requests) == (1 if quota else 0)


def test_an_llm_outage_falls_back_to_rules_and_queues_the_article(
    org_a, openai_server, fast_retries
):
    track(org_a, "Nike")
    openai_server.server_error(500)
    openai_server.server_error(500)

    report = report_analyse(article=make_article(org_a))

    assert report.status == ReportStatus.FALLBACK and report.llm_pending
    assert "Analysed by rules instead" in report.error
    assert "Nike" in mentioned(report)


def test_a_refused_request_falls_back_without_queueing(org_a, openai_server):
    openai_server.status(401, message="Incorrect API key provided")

    report = report_analyse(article=make_article(org_a))

    assert report.status == ReportStatus.FALLBACK and not report.llm_pending
    assert report.error


def test_unusable_model_output_falls_back_to_rules(org_a, openai_server):
    openai_server.reply_text("not json")
    openai_server.reply_text("still not json")

    report = report_analyse(article=make_article(org_a))

    assert report.status == ReportStatus.FALLBACK
    assert "unusable" in report.error


def test_the_llm_waits_for_articles_pending_extraction(org_a, no_llm):
    assert report_analyse(article=make_article(org_a, status=ArticleStatus.PENDING)) is None


@pytest.mark.parametrize("text", ["", "   ", "Short."])
def test_empty_or_one_line_texts_do_not_crash(org_a, no_llm, text):
    report = report_analyse(article=make_article(org_a, text=text))

    assert report is None or report.mentions.count() == 0


def test_html_in_the_text_is_treated_as_text(org_a, no_llm):
    track(org_a, "Nike")
    text = "<script>alert(1)</script> Nike said on Monday that sales rose sharply in <b>Asia</b>."

    report = report_analyse(article=make_article(org_a, text=text))

    # Stored as plain text (the pages escape it); the quote is the sentence naming Nike.
    assert "Nike said on Monday that sales rose sharply" in mentioned(report)["Nike"].evidence


def test_one_bad_article_does_not_stop_the_batch(org_a, no_llm, monkeypatch):
    from reports.services import analyse

    good = make_article(org_a, n=1)
    bad = make_article(org_a, n=2, text="Boom. Nike said so.")
    real = analyse.llm_start

    def explode_on_bad(article, *args, **kwargs):
        if article.pk == bad.pk:
            raise RuntimeError("extractor crashed")
        return real(article, *args, **kwargs)

    monkeypatch.setattr(analyse, "llm_start", explode_on_bad)

    reports = reports_analyse(article_ids=[bad.pk, good.pk])

    assert {r.article_id for r in reports} == {good.pk, bad.pk}
    failed = Report.objects.get(article=bad)
    assert failed.status == ReportStatus.FAILED and "RuntimeError" in failed.error
    assert Report.objects.get(article=good).status == ReportStatus.DONE


def test_reanalysis_updates_the_report_in_place(org_a, no_llm):
    article = make_article(org_a)
    first = report_analyse(article=article)

    second = report_analyse(article=article, options=AnalysisOptions(reanalyse=True))

    # Identity is kept: the URL, reviews and drafts that point at the report survive.
    assert second.pk == first.pk
    assert Report.objects.filter(article=article).count() == 1
    assert second.analysed_at > first.analysed_at
    assert second.versions.count() == 1


def test_the_runs_time_limit_striking_during_analysis_is_no_failed_report(
    org_a, no_llm, monkeypatch
):
    from celery.exceptions import SoftTimeLimitExceeded

    from reports.services import analyse

    article = make_article(org_a)

    def time_is_up(*args, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(analyse, "_report_begin", time_is_up)

    with pytest.raises(SoftTimeLimitExceeded):
        reports_analyse(article_ids=[article.pk], options=AnalysisOptions())
    assert not Report.objects.filter(article=article).exists()
