"""A one-feed run over 36 slow pages moves on its page, article by article, at 390 and 1366 px.

A real worker runs the job; the page follows it over server-sent events without reloading.
The log collector is a separate process; here the test stores a worker line itself, as the
collector would, and the worker log panel must show it while the run goes on.
"""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from jobs.models import ExecutionStatus, JobExecution
from jobs.services.executions import execution_enqueue
from monitoring.models import LogEntry
from tests.harness.waiting import ceiling, wait_for
from tests.jobs.builders import make_job, make_served_feed

pytestmark = pytest.mark.browser

# Every label and bar value the state block shows, across its swaps.
WATCH = """() => {
  window.seen = [];
  const record = () => {
    const bar = document.getElementById("execution-progress");
    const label = document.querySelector("label[for=execution-progress]");
    if (bar) window.seen.push([Number(bar.value), label.textContent.trim()]);
  };
  record();
  new MutationObserver(record).observe(
    document.getElementById("execution-state"), { childList: true, subtree: true }
  );
  window.notReloaded = true;
}"""


@pytest.mark.parametrize("width", [390, 1366])
def test_a_run_over_slow_pages_moves_per_article_and_explains_what_it_skipped(
    log_in, live_server, alice, org_a, celery_worker, http_server, settings, width
):
    settings.JOB_STREAM_POLL_SECONDS = 0.1
    # 36 pages at a quarter second each, two at a time: about 3 s for the first batch of 25.
    feed = make_served_feed(org_a, http_server, "wire", stories=36, page_delay=0.25, missing=3)
    job = make_job(org_a, feeds=[feed])
    page: Page = log_in("alice")
    page.set_viewport_size({"width": width, "height": 800})

    execution = execution_enqueue(job=job)
    page.goto(f"{live_server.url}{execution.get_absolute_url()}")
    page.evaluate(WATCH)
    assert wait_for(
        lambda: JobExecution.objects.filter(pk=execution.pk, status="running").exists(), 60
    )
    LogEntry.objects.create(
        time=timezone.now(),
        level=20,
        logger="feeds.extract",
        role="worker",
        host="worker-1",
        pid=4242,
        message="Fetching 36 pages of the wire",
        execution_id=execution.pk,
        organization=org_a,
        stream_id=f"browser-{execution.pk}",
    )
    panel = page.locator("#worker-lines")
    expect(panel).to_contain_text("Fetching 36 pages of the wire")

    timeout = int(ceiling(60) * 1000)
    expect(page.locator("#execution-progress")).to_have_attribute("value", "100", timeout=timeout)
    state = page.locator("#execution-state")
    expect(state.locator(".badge")).to_have_text("Succeeded")
    expect(state.locator("[data-counter=pages_fetched]")).to_have_text("36")
    expect(state.locator("[data-counter=extracted]")).to_have_text("33")
    expect(state.locator("[data-why]")).to_contain_text("3 pages could not be fetched or read")
    assert page.evaluate("window.notReloaded") is True
    seen = page.evaluate("window.seen")
    # It moved inside the one feed: 25 of 36 articles before the feed was done.
    assert any("this feed: 25 of 36 articles" in label for _, label in seen), seen
    values = [value for value, _ in seen]
    assert any(0 < value < 100 for value in values) and values == sorted(values), seen
    # Nothing spills sideways at this width: the counters and the log fit the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    execution.refresh_from_db()
    assert execution.status == ExecutionStatus.SUCCEEDED
