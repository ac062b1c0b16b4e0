"""Per-article progress of a run: counters written batch by batch, and "0 analysed" explained."""

import pytest

from jobs.models import ExecutionStatus
from jobs.services import run as run_module
from jobs.services.executions import execution_enqueue, execution_heartbeat
from jobs.services.run import execution_run
from reports.services.keyword_rules import keyword_rule_create
from tests.feeds.builders import make_feed
from tests.jobs.builders import make_job, make_served_feed

pytestmark = pytest.mark.django_db


class NoBeats(run_module.HeartbeatThread):
    """The timed beats off: their thread closes its connection, which in-memory SQLite shares."""

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass


@pytest.fixture(autouse=True)
def in_the_test_transaction(monkeypatch):
    # A worker releases its connection after a run; here that would close the test's own.
    monkeypatch.setattr(run_module, "HeartbeatThread", NoBeats)
    monkeypatch.setattr(run_module, "close_old_connections", lambda: None)


def run(execution):
    status = execution_run(execution_id=execution.pk, task_id="t1", hostname="celery@a", pid=1)
    execution.refresh_from_db()
    return status


def test_a_run_counts_the_pages_it_fetched_extracted_and_analysed(org_a, http_server):
    feed = make_served_feed(org_a, http_server, "alpha", stories=3)
    execution = execution_enqueue(job=make_job(org_a, feeds=[feed]))

    assert run(execution) == ExecutionStatus.SUCCEEDED

    assert (execution.new_articles, execution.pages_fetched, execution.extracted) == (3, 3, 3)
    assert (execution.analysed, execution.reports) == (3, 3)
    assert (execution.copies, execution.unreadable, execution.excluded) == (0, 0, 0)
    # The feed is done: its per-feed figures no longer steer the bar.
    assert (execution.feed_articles_total, execution.feed_articles_done) == (0, 0)
    assert execution.progress_percent == 100
    assert execution.explanations == []


def test_copies_of_earlier_articles_explain_why_nothing_was_analysed(org_a, http_server):
    first = make_served_feed(org_a, http_server, "alpha", stories=3)
    run(execution_enqueue(job=make_job(org_a, name="First", feeds=[first])))
    # The same three stories at other addresses, as a syndicating site publishes them.
    copy = make_served_feed(org_a, http_server, "beta", stories=3, text_of="alpha")
    execution = execution_enqueue(job=make_job(org_a, name="Second", feeds=[copy]))

    run(execution)

    assert (execution.new_articles, execution.pages_fetched, execution.copies) == (3, 3, 3)
    assert execution.analysed == 0
    assert execution.explanations == ["3 were copies of earlier articles"]
    line = execution.events.get(message__startswith="Feed “beta”").message
    assert line.endswith("0 analysed, 0 reports (3 copies of earlier articles).")


def test_pages_that_cannot_be_fetched_are_counted_and_explained(org_a, http_server):
    feed = make_served_feed(org_a, http_server, "alpha", stories=3, missing=2)
    execution = execution_enqueue(job=make_job(org_a, feeds=[feed]))

    run(execution)

    assert (execution.pages_fetched, execution.extracted, execution.unreadable) == (3, 1, 2)
    assert "2 pages could not be fetched or read" in execution.explanations


def test_articles_excluded_by_keyword_rules_are_counted_and_explained(org_a, http_server):
    feed = make_served_feed(org_a, http_server, "alpha", stories=2)
    job = make_job(org_a, feeds=[feed])
    keyword_rule_create(organization=org_a, name="No Acme", exclude='"acme corporation"', job=job)
    execution = execution_enqueue(job=job)

    run(execution)

    assert (execution.analysed, execution.excluded) == (2, 2)
    assert execution.explanations == ["2 excluded by keyword rules"]


def test_a_run_with_nothing_new_says_so(org_a, http_server):
    feed = make_served_feed(org_a, http_server, "alpha", stories=2)
    job = make_job(org_a, feeds=[feed])
    run(execution_enqueue(job=job))
    again = execution_enqueue(job=job)

    run(again)

    assert (again.new_articles, again.analysed) == (0, 0)
    assert again.explanations == ["no new articles in the feeds since the last run"]


def test_the_counters_are_written_once_per_batch_not_once_per_article(
    org_a, http_server, monkeypatch
):
    monkeypatch.setattr(run_module, "EXTRACT_BATCH", 2)
    feed = make_served_feed(org_a, http_server, "alpha", stories=5)
    execution = execution_enqueue(job=make_job(org_a, feeds=[feed]))
    written: list[dict[str, int]] = []

    def recording(*, execution_id, counters=None):
        written.append(dict(counters or {}))
        return execution_heartbeat(execution_id=execution_id, counters=counters)

    monkeypatch.setattr(run_module, "execution_heartbeat", recording)

    run(execution)

    # Before the feed, before each of the 3 batches, and after each batch: 7 UPDATEs for 5
    # pages; the heartbeat thread's timed beats are off here.
    assert len(written) == 7
    after_batches = [(w["feed_articles_done"], w["pages_fetched"]) for w in written[2::2]]
    assert after_batches == [(2, 2), (4, 4), (5, 5)]
    assert all(w["feed_articles_total"] == 5 for w in written[1:])
    assert execution.pages_fetched == 5


def test_the_bar_moves_with_the_articles_of_the_feed_being_run(org_a, http_server):
    feed = make_served_feed(org_a, http_server, "alpha", stories=1)
    execution = execution_enqueue(job=make_job(org_a, feeds=[feed]))
    execution.status, execution.feeds_total, execution.feeds_done = ExecutionStatus.RUNNING, 2, 0
    execution.feed_articles_total, execution.feed_articles_done = 36, 18

    assert execution.progress_percent == 25  # Half of the first of two feeds.

    execution.status = ExecutionStatus.FAILED
    assert execution.progress_percent == 25  # A failed run shows how far it got.
    execution.status = ExecutionStatus.PARTIAL
    assert execution.progress_percent == 100


def test_a_run_whose_feed_failed_does_not_claim_there_was_nothing_new(org_a, http_server):
    feed = make_feed(org_a, http_server.url_for("/gone.xml"), name="Gone")
    execution = execution_enqueue(job=make_job(org_a, feeds=[feed]))

    assert run(execution) == ExecutionStatus.FAILED

    assert execution.errors == 1
    assert execution.explanations == []
