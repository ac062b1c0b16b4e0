"""Economy analysis: rules at once, then the provider's batch interface (scripted server)."""

import json
from decimal import Decimal

import pytest

from accounts.models import AnalysisMode, UsageDaily
from reports.economy.models import BatchItemStatus, BatchStatus, LLMBatch, LLMBatchItem
from reports.economy.provider import BatchProvider
from reports.economy.services import (
    SUBMIT_STALE_AFTER,
    _batch_claim,
    batch_poll,
    llm_batches_run,
)
from reports.models import ExtractionCache, Mention, Report, ReportMode, ReportStatus
from reports.services.analyse import AnalysisOptions, report_analyse, reports_analyse
from tests.harness.openai_server import error_reply
from tests.reports.analysis_data import brand, llm_answer, make_article, track

pytestmark = pytest.mark.django_db

NIKE = brand("Nike", "Nike reported record sales in Europe on Tuesday", sentiment=0.6)
UNAVAILABLE = error_reply(503, "The server is overloaded.", error_type="server_error")
GLOBEX = brand("Globex", "Meanwhile, Globex Corporation (NASDAQ: GLBX) announced a partnership")


@pytest.fixture
def economy(org_a, openai_server, settings):
    settings.OPENAI_MODEL = "gpt-4o-mini"
    settings.RETRY_MAX_ATTEMPTS = 1
    org_a.analysis_mode = AnalysisMode.ECONOMY
    org_a.save(update_fields=["analysis_mode"])
    return org_a


def brands_of(report: Report) -> dict[str, Mention]:
    return {m.brand.name: m for m in report.mentions.select_related("brand")}


def run(times: int = 1) -> None:
    for _ in range(times):
        llm_batches_run()


def test_an_economy_article_gets_the_rules_report_at_once_and_waits_for_a_batch(
    economy, openai_server
):
    report = report_analyse(article=make_article(economy))

    assert report.extractor == "rules" and report.status == ReportStatus.FALLBACK
    assert "Economy mode" in report.error and not report.llm_pending
    assert openai_server.requests == []  # Nothing was asked live.
    item = LLMBatchItem.objects.get(report=report)
    assert item.status == BatchItemStatus.QUEUED and item.model == "gpt-4o-mini"


def test_submit_poll_apply_updates_the_report_at_the_batch_price(economy, openai_server):
    openai_server.batches.plan(polls=2)
    report = report_analyse(article=make_article(economy))
    openai_server.reply_json(llm_answer(NIKE), prompt_tokens=1000, completion_tokens=200)

    run()  # submits
    batch = LLMBatch.objects.get()
    assert batch.status == BatchStatus.OPEN and batch.provider_id.startswith("batch_test")
    assert batch.request_count == 1
    line = openai_server.batches.lines[0]
    assert line["custom_id"] == f"report-{report.pk}-item-{LLMBatchItem.objects.get().pk}"
    assert line["url"] == "/v1/chat/completions" and line["body"]["model"] == "gpt-4o-mini"
    assert "Nike reported record sales" in line["body"]["messages"][1]["content"]

    run()  # first poll: still in progress
    assert Report.objects.get().extractor == "rules"
    run()  # second poll: completed, applied

    report.refresh_from_db()
    assert report.extractor == "llm" and report.status == ReportStatus.DONE
    assert report.mode == ReportMode.ECONOMY and report.error == ""
    assert (report.tokens_in, report.tokens_out) == (1000, 200)
    # Standard price 0.000270 (1000 * 0.15 + 200 * 0.60 per million), half in a batch.
    assert report.cost_estimate == Decimal("0.000135")
    assert brands_of(report)["Nike"].source == "llm"
    assert report.versions.count() == 1  # the rules' report is kept as a version
    usage = UsageDaily.objects.get(organization=economy)
    assert usage.batch_calls == 1 and usage.batch_saved == Decimal("0.000135")
    assert usage.cost == Decimal("0.000135") and usage.tokens_in == 1000
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE and batch.poll_count == 2
    assert LLMBatchItem.objects.get().status == BatchItemStatus.APPLIED
    assert ExtractionCache.objects.count() == 1


def test_the_discount_is_a_setting(economy, openai_server, settings):
    settings.LLM_BATCH_DISCOUNT = 0.25
    report = report_analyse(article=make_article(economy))
    openai_server.reply_json(llm_answer(NIKE), prompt_tokens=1000, completion_tokens=200)

    run()
    run()

    report.refresh_from_db()
    assert report.cost_estimate == Decimal("0.000202")  # 0.0002025 (0.000270 * 0.75), rounded


def test_the_evidence_check_still_drops_invented_brands(economy, openai_server):
    report = report_analyse(article=make_article(economy))
    invented = brand("Initech", "Initech shares doubled after the merger was announced")
    openai_server.reply_json(llm_answer(NIKE, invented))

    run(2)

    report.refresh_from_db()
    assert report.invented_dropped == 1
    assert "Initech" not in brands_of(report) and "Nike" in brands_of(report)


def test_a_duplicate_poll_applies_an_answer_once(economy, openai_server):
    report = report_analyse(article=make_article(economy))
    openai_server.reply_json(llm_answer(NIKE), prompt_tokens=100, completion_tokens=10)
    run()  # submitted
    batch = LLMBatch.objects.get()
    provider = BatchProvider()

    first = batch_poll(batch_id=batch.pk, provider=provider)
    # A second poller that read the batch as open before the first one closed it.
    LLMBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.OPEN)
    second = batch_poll(batch_id=batch.pk, provider=provider)

    assert first == (1, 0) and second == (0, 0)
    report.refresh_from_db()
    assert report.versions.count() == 1
    assert UsageDaily.objects.get(organization=economy).batch_calls == 1


def test_a_worker_killed_mid_apply_loses_nothing_and_analyses_nothing_twice(
    economy, openai_server, monkeypatch
):
    from reports.economy import services

    reports = reports_analyse(
        article_ids=[make_article(economy, n=n).pk for n in (1, 2, 3)],
    )
    for _ in reports:
        openai_server.reply_json(llm_answer(NIKE), prompt_tokens=100, completion_tokens=10)
    run()  # submitted
    real = services._apply_answer
    applied: list[int] = []

    def dies_on_the_second(item, *args, **kwargs):
        if len(applied) == 1:
            raise SystemExit("worker killed")  # not an Exception: nothing catches it
        applied.append(item.pk)
        return real(item, *args, **kwargs)

    monkeypatch.setattr(services, "_apply_answer", dies_on_the_second)
    with pytest.raises(SystemExit):
        run()
    monkeypatch.setattr(services, "_apply_answer", real)
    # The second item's transaction rolled back with its report.
    assert LLMBatch.objects.get().status == BatchStatus.OPEN
    assert LLMBatchItem.objects.filter(status=BatchItemStatus.APPLIED).count() == 1

    run()  # the next poll applies the rest

    assert LLMBatch.objects.get().status == BatchStatus.DONE
    for report in Report.objects.all():
        assert report.extractor == "llm" and report.versions.count() == 1
    assert UsageDaily.objects.get(organization=economy).batch_calls == 3


def test_an_expired_batch_resubmits_the_unanswered_once_then_the_rules_stand(
    economy, openai_server
):
    ids = [make_article(economy, n=n).pk for n in (1, 2)]
    reports_analyse(article_ids=ids)
    openai_server.batches.plan(outcome="expired", answered=1)
    openai_server.batches.plan(outcome="expired", answered=0)
    openai_server.reply_json(llm_answer(NIKE))

    run()  # submitted
    run()  # expired: one answered, one queued again, and resubmitted in the same tick
    first, second = Report.objects.order_by("article_id")
    assert first.extractor == "llm" and second.extractor == "rules"
    assert LLMBatch.objects.order_by("id").first().status == BatchStatus.EXPIRED
    retry = LLMBatchItem.objects.get(report=second, attempt=2)
    assert retry.status == BatchItemStatus.SUBMITTED

    run()  # expired again: the rules' result stands

    second.refresh_from_db()
    assert second.extractor == "rules" and second.status == ReportStatus.FALLBACK
    assert "did not answer for this article twice" in second.error
    assert "expired" in second.error
    retry.refresh_from_db()
    assert retry.status == BatchItemStatus.FAILED
    assert not LLMBatchItem.objects.filter(status__in=["queued", "submitted"]).exists()


def test_a_partly_failed_batch_applies_the_rest_and_retries_the_failed(economy, openai_server):
    ids = [make_article(economy, n=n).pk for n in (1, 2)]
    first, second = reports_analyse(article_ids=ids)
    failing = f"report-{second.pk}-item-{LLMBatchItem.objects.get(report=second).pk}"
    openai_server.batches.plan(fail={failing})
    openai_server.reply_json(llm_answer(NIKE))
    openai_server.reply_json(llm_answer(GLOBEX))

    run(2)  # submitted; applied and failed (the failed one resubmitted)
    first.refresh_from_db()
    assert first.extractor == "llm"
    assert LLMBatchItem.objects.get(report=second, attempt=1).status == BatchItemStatus.RETRIED

    run()  # the second attempt answers

    second.refresh_from_db()
    assert second.extractor == "llm" and "Globex" in brands_of(second)
    assert second.mode == ReportMode.ECONOMY


def test_an_unusable_answer_counts_as_unanswered(economy, openai_server):
    report = report_analyse(article=make_article(economy))
    openai_server.reply_text("this is not JSON")
    openai_server.reply_json(llm_answer(NIKE))

    run(3)

    report.refresh_from_db()
    assert report.extractor == "llm"
    failed = LLMBatchItem.objects.get(attempt=1)
    assert failed.status == BatchItemStatus.RETRIED and "unusable" in failed.error


def test_a_refused_batch_is_retried_once_then_left_to_the_rules(economy, openai_server):
    report = report_analyse(article=make_article(economy))
    openai_server.batches.plan(outcome="failed")
    openai_server.batches.plan(outcome="failed")

    run(3)

    report.refresh_from_db()
    assert report.extractor == "rules" and "The batch was refused" in report.error
    assert LLMBatch.objects.filter(status=BatchStatus.FAILED).count() == 2


def test_a_provider_outage_at_submission_keeps_the_items_queued(economy, openai_server):
    report_analyse(article=make_article(economy))
    openai_server.http.add_route("/v1/files", UNAVAILABLE)

    run()

    item = LLMBatchItem.objects.get()
    assert item.status == BatchItemStatus.QUEUED and item.batch is None
    assert LLMBatch.objects.get().status == BatchStatus.FAILED


def test_an_interrupted_submission_finds_its_batch_at_the_provider(economy, openai_server):
    report_analyse(article=make_article(economy))
    batch = _batch_claim(economy.pk, "gpt-4o-mini")
    # The worker uploaded and created the batch, then died before recording its id.
    from reports.economy.services import _batch_lines

    openai_server.reply_json(llm_answer(NIKE))
    provider = BatchProvider()
    provider.submit(_batch_lines(batch, provider), batch_id=batch.pk)
    LLMBatch.objects.filter(pk=batch.pk).update(
        created_at=batch.created_at - SUBMIT_STALE_AFTER * 2
    )

    run()

    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE and batch.provider_id
    assert len(openai_server.batches.batches) == 1  # not submitted a second time
    assert Report.objects.get().extractor == "llm"


def test_an_interrupted_submission_the_provider_never_saw_is_queued_again(economy, openai_server):
    report_analyse(article=make_article(economy))
    batch = _batch_claim(economy.pk, "gpt-4o-mini")
    LLMBatch.objects.filter(pk=batch.pk).update(
        created_at=batch.created_at - SUBMIT_STALE_AFTER * 2
    )

    run()

    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED and "interrupted" in batch.error
    assert LLMBatch.objects.exclude(pk=batch.pk).get().status == BatchStatus.OPEN


def test_a_batch_the_provider_no_longer_knows_is_closed_and_its_items_queued_again(
    economy, openai_server
):
    report_analyse(article=make_article(economy))
    run()  # submitted
    batch = LLMBatch.objects.get()
    openai_server.http.add_route(
        f"/v1/batches/{batch.provider_id}",
        error_reply(404, "No such batch", error_type="invalid_request_error"),
    )

    run()

    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED and "No such batch" in batch.error
    assert LLMBatchItem.objects.get(attempt=1).status == BatchItemStatus.RETRIED
    # The second attempt went out in a new batch in the same tick.
    assert LLMBatchItem.objects.get(attempt=2).status == BatchItemStatus.SUBMITTED


def test_a_provider_outage_while_polling_leaves_the_batch_open(economy, openai_server):
    report_analyse(article=make_article(economy))
    run()  # submitted
    batch = LLMBatch.objects.get()
    openai_server.http.add_route(f"/v1/batches/{batch.provider_id}", UNAVAILABLE)

    run()

    batch.refresh_from_db()
    assert batch.status == BatchStatus.OPEN
    assert LLMBatchItem.objects.get().status == BatchItemStatus.SUBMITTED


def test_batches_are_per_organization_and_an_answer_cannot_reach_another(
    economy, org_b, openai_server
):
    org_b.analysis_mode = AnalysisMode.ECONOMY
    org_b.save(update_fields=["analysis_mode"])
    mine = report_analyse(article=make_article(economy))
    theirs = report_analyse(article=make_article(org_b, n=2))

    run()

    batches = LLMBatch.objects.order_by("organization_id")
    assert [b.organization_id for b in batches] == sorted([economy.pk, org_b.pk])
    for batch in batches:
        assert {item.report.organization_id for item in batch.items.all()} == {
            batch.organization_id
        }
    # A forged output line naming org B's item in org A's batch is ignored.
    batch_a = LLMBatch.objects.get(organization=economy)
    theirs_item = LLMBatchItem.objects.get(report=theirs)
    from reports.economy.services import _Contexts, _item_apply

    assert _item_apply(theirs_item.pk, batch_a, {}, _Contexts()) == ""
    run()
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.organization_id == economy.pk and theirs.organization_id == org_b.pk
    assert {m.organization_id for m in Mention.objects.filter(report=theirs)} <= {org_b.pk}


def test_a_job_can_choose_economy_for_a_standard_organization(org_a, openai_server):
    report = reports_analyse(
        article_ids=[make_article(org_a).pk], options=AnalysisOptions(mode="economy")
    )[0]

    assert report.extractor == "rules" and LLMBatchItem.objects.filter(report=report).exists()
    assert openai_server.requests == []


def test_a_job_can_choose_standard_for_an_economy_organization(economy, openai_server):
    openai_server.reply_json(llm_answer(NIKE))

    report = report_analyse(article=make_article(economy), options=AnalysisOptions(mode="standard"))

    assert report.extractor == "llm" and report.mode == ReportMode.STANDARD
    assert not LLMBatchItem.objects.exists()


def test_a_cached_answer_needs_no_batch(economy, org_b, openai_server):
    openai_server.reply_json(llm_answer(NIKE))
    report_analyse(article=make_article(org_b))  # standard: answered and cached

    report = report_analyse(article=make_article(economy, n=2))

    assert report.cached and report.extractor == "llm"
    assert not LLMBatchItem.objects.exists()


def test_reanalysing_a_waiting_article_does_not_queue_it_twice(economy, openai_server):
    article = make_article(economy)
    report_analyse(article=article)

    report_analyse(article=article, options=AnalysisOptions(reanalyse=True))

    assert LLMBatchItem.objects.count() == 1


def test_the_hourly_llm_catch_up_leaves_economy_reports_to_their_batch(economy, openai_server):
    from reports.tasks import analyse_llm_pending

    track(economy, "Nike")
    report_analyse(article=make_article(economy))

    assert analyse_llm_pending() == 0
    assert openai_server.requests == []


def test_the_batch_file_is_valid_jsonl_of_chat_requests(economy, openai_server):
    reports_analyse(article_ids=[make_article(economy, n=n).pk for n in (1, 2)])

    run()

    upload = next(iter(openai_server.batches.files.values()))
    lines = [json.loads(raw) for raw in upload.decode().splitlines()]
    assert len(lines) == 2 and {line["method"] for line in lines} == {"POST"}
    assert len({line["custom_id"] for line in lines}) == 2
