"""Live progress in Chromium: a real worker runs a job while its page updates by itself.

pytest-django's live server is a threaded WSGI server. The stream view is async; under WSGI it
answers with a plain generator (see ``jobs/streams.py``), which streams event by event but holds
one server thread while the page is open. That is fine here; production serves the same view
under uvicorn (ASGI), where an open stream holds no thread.
"""

import pytest
from playwright.sync_api import Page, expect

from jobs.models import ExecutionStatus
from jobs.services.executions import execution_enqueue
from tests.feeds.builders import make_feed
from tests.jobs.builders import make_job, serve_feed

pytestmark = pytest.mark.browser

# Records every value the progress bar takes, across the swaps of the state block.
WATCH_PROGRESS = """() => {
  window.progressSeen = [];
  const record = () => {
    const bar = document.getElementById("execution-progress");
    if (bar) window.progressSeen.push(Number(bar.value));
  };
  record();
  new MutationObserver(record).observe(
    document.getElementById("execution-state"), { childList: true, subtree: true }
  );
  window.notReloaded = true;
}"""


def test_the_execution_page_follows_a_run_to_completion_without_reloading(
    log_in, live_server, alice, org_a, celery_worker, http_server, settings
):
    settings.JOB_STREAM_POLL_SECONDS = 0.1
    # Three feeds whose first fetch is slow, so the bar visibly stops at a third and two thirds.
    for name in ("alpha", "beta", "gamma"):
        make_feed(org_a, serve_feed(http_server, name, stories=1, delay=1.0), name=name)
    job = make_job(org_a)
    page: Page = log_in("alice")

    execution = execution_enqueue(job=job)
    page.goto(f"{live_server.url}{execution.get_absolute_url()}")
    page.evaluate(WATCH_PROGRESS)

    bar = page.locator("#execution-progress")
    expect(bar).to_have_attribute("value", "100", timeout=30_000)
    expect(page.locator(".toast")).to_contain_text(
        f"Run #{execution.pk} finished: succeeded.", timeout=5_000
    )
    expect(page.locator("#execution-state .badge")).to_have_text("Succeeded")
    expect(page.locator("#execution-log")).to_contain_text("Finished: 3 feeds,")
    expect(page.get_by_text("Nothing logged yet.")).to_be_hidden()
    # The Cancel button left with the final state (swapped out of band).
    expect(page.get_by_role("button", name="Cancel")).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True
    seen = page.evaluate("window.progressSeen")
    assert any(0 < value < 100 for value in seen), seen
    assert seen == sorted(seen), seen
    # Each log line arrived once, although the page rendered some before connecting.
    lines = page.locator("#execution-log li:not(.log-empty)")
    expect(lines).to_have_count(execution.events.count())
    execution.refresh_from_db()
    assert execution.status == ExecutionStatus.SUCCEEDED
