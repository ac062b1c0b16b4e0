"""A batch's LLM requests go out at once, within the shared budgets; 429s, a hanging provider
and an unreadable budget slow or stop the calls, never the batch, and lose no article."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from reports.models import Report, ReportStatus
from reports.services.analyse import reports_analyse
from resilience.budget import CATCH_UP_SECONDS, HEADROOM
from tests.harness.http_server import RecordedRequest, Reply
from tests.harness.openai_server import json_completion
from tests.harness.redis_process import RedisProcess
from tests.harness.waiting import wait_for
from tests.reports.analysis_data import ARTICLE_TEXT, brand, llm_answer, make_article

pytestmark = pytest.mark.django_db

NIKE = brand("Nike", "Nike reported record sales in Europe on Tuesday", sentiment=0.6)
ANSWER = llm_answer(NIKE)


@pytest.fixture
def llm(openai_server, settings):
    settings.LLM_CONCURRENCY = 4
    settings.LLM_REQUESTS_PER_MINUTE = 6000
    settings.LLM_TOKENS_PER_MINUTE = 10_000_000
    settings.LLM_BUDGET_MAX_WAIT_SECONDS = 60
    settings.RETRY_MAX_ATTEMPTS = 3
    settings.RETRY_BACKOFF_MAX_SECONDS = 1
    settings.RETRY_MAX_ELAPSED_SECONDS = 30
    openai_server.default_reply = json_completion(ANSWER)
    return openai_server


def articles(organization, count: int, first: int = 1) -> list[int]:
    """Articles with different texts (the same text would be answered from the cache)."""
    return [
        make_article(organization, text=f"{ARTICLE_TEXT}\n\nUpdate number {n}.", n=n).pk
        for n in range(first, first + count)
    ]


def by_article(ids: list[int]) -> list[Report]:
    reports = {report.article_id: report for report in Report.objects.filter(article_id__in=ids)}
    return [reports[pk] for pk in ids]


def test_a_batch_has_several_llm_requests_in_flight_at_once(org_a, llm):
    def when_four_wait(request: RecordedRequest) -> Reply:
        # Sent one after another, the first would wait out the ceiling alone.
        wait_for(lambda: llm.in_flight_peak >= 4, timeout=10)
        return json_completion(ANSWER)(request)

    llm.default_reply = when_four_wait
    ids = articles(org_a, 4)

    made = reports_analyse(article_ids=ids)

    assert [report.article_id for report in made] == ids
    assert all(r.extractor == "llm" and r.status == ReportStatus.DONE for r in by_article(ids))
    assert llm.in_flight_peak == 4


def test_requests_leave_no_faster_than_the_providers_budget(org_a, llm, settings):
    settings.LLM_REQUESTS_PER_MINUTE = 30  # one every ~2 s
    ids = articles(org_a, 3)

    reports_analyse(article_ids=ids)

    arrivals = llm.arrivals
    assert len(arrivals) == 3
    # Evenly spaced, at most the catch-up of an idle schedule early (less a little jitter).
    interval = 60 / (30 * HEADROOM)
    for n, arrival in enumerate(arrivals):
        assert arrival - arrivals[0] >= n * interval - CATCH_UP_SECONDS - 0.1
    assert all(r.extractor == "llm" for r in by_article(ids))


@pytest.mark.parametrize(
    ("retry_after", "pause"), [(2, 2.0), (None, 1.0)], ids=["retry-after", "no-hint"]
)
def test_a_429_pauses_every_waiting_call_once(org_a, llm, settings, retry_after, pause):
    settings.LLM_REQUESTS_PER_MINUTE = 60  # slots ~1 s apart: the others are still waiting
    llm.rate_limited(retry_after=retry_after)
    ids = articles(org_a, 4)

    reports_analyse(article_ids=ids)

    arrivals = llm.arrivals
    # One 429, one retry: nobody else ran into the limit.
    assert len(arrivals) == 5
    assert all(r.extractor == "llm" and r.status == ReportStatus.DONE for r in by_article(ids))
    # Every request after the 429 waited for the pause it asked for (less a little: the
    # pause runs from when the 429 came back, a few milliseconds after the request came in).
    assert all(later >= arrivals[0] + pause - 0.1 for later in arrivals[1:])


def test_a_provider_saying_nothing_remains_pauses_the_next_calls(org_a, llm, settings):
    settings.LLM_CONCURRENCY = 1

    def exhausted(request: RecordedRequest) -> Reply:
        reply = json_completion(ANSWER)(request)
        headers = {"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "1.5s"}
        return replace(reply, headers={**reply.headers, **headers})

    llm.enqueue(exhausted)
    ids = articles(org_a, 2)

    reports_analyse(article_ids=ids)

    first, second = llm.arrivals
    assert second - first >= 1.4


def test_a_hanging_provider_holds_up_only_its_own_article(org_a, llm, settings):
    settings.LLM_TIMEOUT = 2
    settings.RETRY_MAX_ATTEMPTS = 1
    llm.slow(30, then=json_completion(ANSWER))  # the first request hangs
    ids = articles(org_a, 3)

    reports_analyse(article_ids=ids)

    # Whichever request came first got the hanging reply.
    (hung,) = [r for r in by_article(ids) if r.extractor != "llm"]
    assert hung.status == ReportStatus.FALLBACK and hung.llm_pending
    assert "did not answer in time" in hung.error
    others = [r for r in by_article(ids) if r.pk != hung.pk]
    assert len(others) == 2 and all(r.status == ReportStatus.DONE for r in others)
    arrivals = llm.arrivals
    # The others were sent while the first one hung, not after its timeout.
    assert arrivals[2] - arrivals[0] < 2


def test_a_budget_slot_too_far_away_leaves_the_article_to_the_rules_for_later(org_a, llm, settings):
    settings.LLM_REQUESTS_PER_MINUTE = 1
    settings.LLM_BUDGET_MAX_WAIT_SECONDS = 5
    ids = articles(org_a, 2)

    reports_analyse(article_ids=ids)

    # Whichever of the two took the one slot first.
    later, sent = sorted(by_article(ids), key=lambda report: report.extractor == "llm")
    assert sent.extractor == "llm"
    assert later.status == ReportStatus.FALLBACK and later.llm_pending
    assert "no free slot in the next 5 s" in later.error
    assert len(llm.arrivals) == 1


def test_one_organizations_budget_does_not_hold_up_another(org_a, org_b, llm, settings):
    settings.LLM_ORG_REQUESTS_PER_MINUTE = 1
    settings.LLM_BUDGET_MAX_WAIT_SECONDS = 5
    ids_a = articles(org_a, 2)
    ids_b = articles(org_b, 1, first=10)

    reports_analyse(article_ids=[*ids_a, *ids_b])

    second_a, first_a = sorted(by_article(ids_a), key=lambda report: report.extractor == "llm")
    (only_b,) = by_article(ids_b)
    assert first_a.extractor == "llm" and only_b.extractor == "llm"
    assert second_a.status == ReportStatus.FALLBACK and second_a.llm_pending
    assert "this organization's budget" in second_a.error


def test_redis_going_away_mid_batch_loses_no_article_and_deadlocks_nothing(
    org_a, llm, settings, redis_process: RedisProcess
):
    settings.REDIS_URL = redis_process.url  # the budgets (and breakers) on this Redis
    settings.LLM_REQUESTS_PER_MINUTE = 60  # slots 1 s apart: most are still waited for
    ids = articles(org_a, 4)
    first_sent = threading.Event()

    def stop_redis_after_first(request: RecordedRequest) -> Reply:
        if not first_sent.is_set():
            first_sent.set()
            redis_process.stop()
        return json_completion(ANSWER)(request)

    llm.default_reply = stop_redis_after_first

    # A deadlock would hang here until pytest-timeout fails the test.
    reports_analyse(article_ids=ids)

    reports = by_article(ids)
    # The one sent before Redis went is analysed by the LLM (whichever thread took the
    # first slot); every other article has a report and waits for the LLM later.
    assert sum(report.extractor == "llm" for report in reports) >= 1
    for report in reports:
        assert report.extractor == "llm" or (
            report.status == ReportStatus.FALLBACK and report.llm_pending
        ), report.error

    redis_process.start()  # back, empty: the budget works again without anyone resetting it
    again = articles(org_a, 1, first=20)
    reports_analyse(article_ids=again)
    assert by_article(again)[0].extractor == "llm", by_article(again)[0].error
