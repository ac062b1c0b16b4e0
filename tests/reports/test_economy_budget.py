"""Economy batches stay outside the per-minute LLM budgets (issue #16 item 2).

The Batch API has limits of its own (queued tokens per day), not the live requests-per-minute
and tokens-per-minute budgets the workers share: uploading a file, creating, polling and
downloading a batch must neither wait for a slot nor use one that a live analysis needs.
With a budget of one request a minute and a one-second wait at most, a batch cycle (four
requests or more) could not finish if it drew on that budget, and the live call after it
would find its minute's slot taken.
"""

import pytest

from accounts.models import AnalysisMode
from reports.economy.models import BatchStatus, LLMBatch
from reports.economy.services import llm_batches_run
from reports.models import Report, ReportMode
from reports.services.analyse import AnalysisOptions, report_analyse
from tests.reports.analysis_data import ARTICLE_TEXT, brand, llm_answer, make_article

pytestmark = pytest.mark.django_db

NIKE = brand("Nike", "Nike reported record sales in Europe on Tuesday", sentiment=0.6)


def story(org, n: int):
    """Articles with texts of their own: no answer comes from the extraction cache."""
    return make_article(org, text=f"{ARTICLE_TEXT}\n\nStory number {n}.", n=n)


def test_a_batch_cycle_takes_no_slot_of_the_per_minute_budgets(org_a, openai_server, settings):
    settings.OPENAI_MODEL = "gpt-4o-mini"
    settings.RETRY_MAX_ATTEMPTS = 1
    settings.LLM_REQUESTS_PER_MINUTE = 1
    settings.LLM_ORG_REQUESTS_PER_MINUTE = 1
    settings.LLM_BUDGET_MAX_WAIT_SECONDS = 1
    org_a.analysis_mode = AnalysisMode.ECONOMY
    org_a.save(update_fields=["analysis_mode"])
    openai_server.batches.plan(polls=1)
    waiting = [report_analyse(article=story(org_a, n)) for n in range(3)]
    for _ in waiting:
        openai_server.reply_json(llm_answer(NIKE))

    llm_batches_run()  # upload + create
    llm_batches_run()  # retrieve: in progress
    llm_batches_run()  # retrieve: completed, download the answers, apply them

    assert LLMBatch.objects.get().status == BatchStatus.DONE
    # Files and Batches requests over HTTP: four times this minute's budget.
    assert len(openai_server.http.requests) >= 4, openai_server.http.requests
    for report in waiting:
        report.refresh_from_db()
        assert (report.extractor, report.mode) == ("llm", ReportMode.ECONOMY)

    # The minute's one slot, of the provider and of the organization, is still free.
    openai_server.reply_json(llm_answer(NIKE))
    live = report_analyse(article=story(org_a, 99), options=AnalysisOptions(mode="standard"))
    assert (live.extractor, live.mode) == ("llm", ReportMode.STANDARD), live.error
    # And the budget is real: a second live call this minute does not get one.
    second = report_analyse(article=story(org_a, 100), options=AnalysisOptions(mode="standard"))
    assert second.extractor == "rules", second.error
    assert Report.objects.filter(extractor="llm").count() == 4
