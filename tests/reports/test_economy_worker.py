"""A real prefork worker killed (-9) while it applies a batch's answers: no article is lost,
none is analysed twice. The worker shares the test database and talks to the scripted server."""

import os
import signal
import uuid

import pytest
from django.db import connection

from accounts.models import AnalysisMode, UsageDaily
from reports.economy.models import BatchItemStatus, BatchStatus, LLMBatch, LLMBatchItem
from reports.economy.services import llm_batches_run
from reports.models import Report, ReportMode
from reports.services.analyse import reports_analyse
from tests.harness.openai_server import json_completion
from tests.harness.waiting import ceiling, wait_for
from tests.jobs.test_worker import empty_queue, start_worker_process
from tests.reports.analysis_data import brand, llm_answer, make_article

__all__ = ["empty_queue"]

NIKE = brand("Nike", "Nike reported record sales in Europe on Tuesday", sentiment=0.6)


def status_of(report: Report) -> str:
    return LLMBatchItem.objects.get(report=report, attempt=1).status


def test_a_worker_killed_mid_apply_loses_no_article_and_applies_none_twice(
    empty_queue, openai_server, org_a
):
    if connection.vendor != "postgresql":
        pytest.skip("holds a row lock to stop the worker mid-apply: PostgreSQL only")
    import psycopg

    openai_server.default_reply = json_completion(llm_answer(NIKE))
    org_a.analysis_mode = AnalysisMode.ECONOMY
    org_a.save(update_fields=["analysis_mode"])
    first, second, third = reports_analyse(
        article_ids=[make_article(org_a, n=n).pk for n in (1, 2, 3)]
    )
    llm_batches_run()  # submitted here; the worker polls and applies
    assert LLMBatch.objects.get().status == BatchStatus.OPEN

    db = connection.settings_dict
    holder = psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=db["NAME"],
    )
    # The worker applies the first answer, then waits for the second report's row.
    holder.execute("SELECT id FROM reports_report WHERE id = %s FOR UPDATE", [second.pk])
    env = {"OPENAI_BASE_URL": openai_server.base_url, "OPENAI_API_KEY": "test-key"}
    worker = start_worker_process(f"economy-{uuid.uuid4().hex[:8]}@%h", "llm", env=env)
    try:
        from reports.tasks import run_llm_batches

        run_llm_batches.delay()
        assert wait_for(lambda: status_of(first) == BatchItemStatus.APPLIED, timeout=120)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=ceiling(60))
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=ceiling(60))
        holder.rollback()
        holder.close()

    assert (status_of(second), status_of(third)) == ("submitted", "submitted")
    assert LLMBatch.objects.get().status == BatchStatus.OPEN

    llm_batches_run()  # the next tick (the killed worker's transaction is rolled back)

    assert LLMBatch.objects.get().status == BatchStatus.DONE
    for report in Report.objects.filter(pk__in=[first.pk, second.pk, third.pk]):
        assert report.extractor == "llm" and report.mode == ReportMode.ECONOMY
        assert report.versions.count() == 1  # the rules' report, replaced once
        assert report.mentions.filter(brand__name="Nike").count() == 1
    assert UsageDaily.objects.get(organization=org_a).batch_calls == 3
    assert not LLMBatchItem.objects.exclude(status=BatchItemStatus.APPLIED).exists()
