"""Server-sent events of executions and of the jobs list.

The async path (the one uvicorn serves) is driven through Django's AsyncClient inside
``async_to_sync``: pytest-asyncio is not a dependency. The test advances the execution in the
database between two chunks; the stream only polls again when the next chunk is asked for, so
the sequence is deterministic.
"""

from collections.abc import Callable

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.db import transaction
from django.test import AsyncClient
from django.urls import reverse
from django.utils import timezone

from jobs.models import ExecutionEvent, ExecutionStatus, JobExecution
from monitoring.models import LogEntry
from tests.feeds.builders import make_feed
from tests.jobs.builders import make_job

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def quick_streams(settings):
    settings.JOB_STREAM_POLL_SECONDS = 0.01
    settings.JOB_LIST_STREAM_POLL_SECONDS = 0.01
    settings.JOB_STREAM_KEEPALIVE_SECONDS = 15.0
    settings.JOB_STREAM_MAX_SECONDS = 5.0


def parse(chunk: bytes) -> list[dict[str, str]]:
    messages = []
    for block in chunk.decode().split("\n\n"):
        if not block:
            continue
        message: dict[str, str] = {}
        for line in block.split("\n"):
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "data":
                message["data"] = message["data"] + "\n" + value if "data" in message else value
            else:
                message[field or "comment"] = value
        messages.append(message)
    return messages


def stream(
    user,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    after_each: Callable[[list[dict[str, str]]], None] | None = None,
    limit: int = 100,
):
    """Read an SSE response through the ASGI stack; ``after_each`` runs after every message."""

    async def run():
        client = AsyncClient()
        if user is not None:
            await client.aforce_login(user, backend="django.contrib.auth.backends.ModelBackend")
        response = await client.get(path, headers=headers or {})
        if not response.streaming:
            return response, []
        messages: list[dict[str, str]] = []
        async for chunk in response.streaming_content:
            for message in parse(chunk):
                messages.append(message)
                if after_each:
                    await sync_to_async(after_each)(messages)
            if len(messages) >= limit:
                break
        return response, messages

    return async_to_sync(run)()


def kinds(messages) -> list[str]:
    return [m.get("event") or ("retry" if "retry" in m else "comment") for m in messages]


def job_for(org, name: str = "Morning run"):
    feed = make_feed(org, f"https://example.com/{name.replace(' ', '-')}.xml", name=name)
    return make_job(org, name=name, feeds=[feed])


def running_execution(org, **status_values) -> JobExecution:
    values = {"status": ExecutionStatus.RUNNING, "feeds_total": 2, "started_at": timezone.now()}
    values.update(status_values)
    job = job_for(org)
    return JobExecution.objects.create(organization=org, job=job, **values)


def log(execution: JobExecution, message: str) -> ExecutionEvent:
    return ExecutionEvent.objects.create(execution=execution, message=message)


def url(execution: JobExecution) -> str:
    return reverse("jobs:execution_stream", args=[execution.pk])


def test_a_running_execution_streams_progress_log_lines_and_done(alice, org_a):
    execution = running_execution(org_a)
    started = log(execution, "Started on worker@host")
    steps = []

    def advance(messages):
        last = messages[-1]
        if last.get("event") != "progress":
            return
        steps.append(last)
        if len(steps) == 1:
            JobExecution.objects.filter(pk=execution.pk).update(feeds_done=1, new_articles=3)
            log(execution, "Feed “alpha”: 3 new articles.")
        elif len(steps) == 2:
            # As the worker does: the final status and the closing line in one transaction.
            with transaction.atomic():
                JobExecution.objects.filter(pk=execution.pk).update(
                    feeds_done=2, new_articles=5, status=ExecutionStatus.SUCCEEDED
                )
                log(execution, "Finished: 2 feeds, 5 reports.")

    response, messages = stream(alice, url(execution), after_each=advance)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    assert response["Cache-Control"] == "no-cache"
    assert response["X-Accel-Buffering"] == "no"
    assert kinds(messages) == [
        "retry",
        "progress",
        "log",
        "progress",
        "log",
        "progress",
        "log",
        "done",
    ]
    progress = [m["data"] for m in messages if m.get("event") == "progress"]
    assert "Feeds 0 of 2" in progress[0] and 'value="0"' in progress[0]
    assert "Feeds 1 of 2" in progress[1] and 'value="50"' in progress[1]
    assert 'data-counter="new_articles">3<' in progress[1]
    assert "Succeeded" in progress[2] and 'value="100"' in progress[2]
    lines = [m for m in messages if m.get("event") == "log"]
    assert lines[0]["id"] == str(started.pk)
    assert lines[0]["data"].startswith("<li") and "Started on worker@host" in lines[0]["data"]
    assert "Finished: 2 feeds, 5 reports." in lines[2]["data"]
    done = messages[-1]["data"]
    assert 'data-done-message="Run #' in done and "finished: succeeded." in done
    # The actions swap out of band: no Cancel button once it finished.
    assert 'id="execution-actions" hx-swap-oob="true"' in done and "Cancel" not in done


def test_last_event_id_resumes_after_the_lines_already_received(alice, org_a):
    execution = running_execution(org_a, status=ExecutionStatus.FAILED)
    first, second, third = (log(execution, f"line {n}") for n in (1, 2, 3))

    _, resumed = stream(alice, url(execution), headers={"Last-Event-ID": str(second.pk)})
    _, from_page = stream(alice, f"{url(execution)}?after={first.pk}")
    # The header (set by the browser on reconnect) wins over the page's ?after=.
    _, both = stream(
        alice, f"{url(execution)}?after={first.pk}", headers={"Last-Event-ID": str(third.pk)}
    )

    assert [m["id"] for m in resumed if m.get("event") == "log"] == [str(third.pk)]
    assert [m["id"] for m in from_page if m.get("event") == "log"] == [
        str(second.pk),
        str(third.pk),
    ]
    assert kinds(both) == ["retry", "progress", "done"]


def test_a_quiet_stream_sends_keep_alives_and_ends_at_its_maximum_lifetime(alice, org_a, settings):
    settings.JOB_STREAM_KEEPALIVE_SECONDS = 0.05
    settings.JOB_STREAM_POLL_SECONDS = 0.03
    settings.JOB_STREAM_MAX_SECONDS = 0.5
    execution = running_execution(org_a)

    _, messages = stream(alice, url(execution))

    assert kinds(messages)[:2] == ["retry", "progress"]
    assert messages[0]["retry"] == "2000"
    assert {"comment": "keep-alive"} in messages
    # It ends without "done"; the browser reconnects with Last-Event-ID.
    assert "done" not in kinds(messages)


def test_another_organizations_execution_is_404_and_anonymous_is_sent_to_log_in(
    alice, charlie, org_a, client
):
    execution = running_execution(org_a)

    response, _ = stream(charlie, url(execution))
    assert response.status_code == 404

    response, _ = stream(None, url(execution))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client.get(url(execution)).status_code == 302


def test_under_wsgi_the_stream_is_a_plain_generator_and_still_streams(client_for, alice, org_a):
    # The test client is WSGI-like: an async iterator would be collected whole before sending.
    execution = running_execution(org_a, status=ExecutionStatus.SUCCEEDED, feeds_done=2)
    log(execution, "Finished: 2 feeds, 0 reports.")

    response = client_for(alice).get(url(execution))

    assert response.streaming
    assert not hasattr(response.streaming_content, "__aiter__")
    messages = [m for chunk in response.streaming_content for m in parse(chunk)]
    assert kinds(messages) == ["retry", "progress", "log", "done"]


def test_the_execution_page_connects_only_while_the_run_is_active(client_for, alice, org_a):
    execution = running_execution(org_a)
    event = log(execution, "Started")
    client = client_for(alice)

    page = client.get(execution.get_absolute_url()).content.decode()
    assert f'sse-connect="{url(execution)}?lines=0.0&amp;after={event.pk}"' in page
    assert 'sse-swap="progress,done"' in page and 'sse-swap="log" hx-swap="beforeend"' in page
    assert 'id="worker-lines" sse-swap="worker-lines"' in page
    assert "hx-sse-2.min.js" in page

    JobExecution.objects.filter(pk=execution.pk).update(status=ExecutionStatus.SUCCEEDED)
    page = client.get(execution.get_absolute_url()).content.decode()
    assert "sse-connect" not in page
    assert "Succeeded" in page  # Without JavaScript, a reload shows the current state.


def test_the_jobs_stream_updates_the_last_run_cell_of_changed_jobs(alice, charlie, org_a, org_b):
    execution = running_execution(org_a)
    quiet = job_for(org_a, "Never run")
    job_for(org_b, "Other organization")
    seen = []

    def advance(messages):
        if messages[-1].get("event", "").startswith("job-"):
            seen.append(messages[-1])
            if len(seen) == 2:
                JobExecution.objects.filter(pk=execution.pk).update(
                    status=ExecutionStatus.SUCCEEDED
                )

    _, messages = stream(alice, reverse("jobs:list_stream"), after_each=advance, limit=4)

    updates = [(m["event"], m["data"]) for m in messages if m.get("event", "").startswith("job-")]
    assert {event for event, _ in updates[:2]} == {f"job-{execution.job_id}", f"job-{quiet.pk}"}
    running = dict(updates[:2])[f"job-{execution.job_id}"]
    assert "status-running" in running and execution.get_absolute_url() in running
    assert dict(updates[:2])[f"job-{quiet.pk}"] == "—"
    # Then only what changed: the finished run.
    assert updates[2][0] == f"job-{execution.job_id}" and "status-succeeded" in updates[2][1]

    _, theirs = stream(charlie, reverse("jobs:list_stream"), limit=2)
    assert all(m.get("event") != f"job-{execution.job_id}" for m in theirs)


def test_the_jobs_list_connects_to_its_stream(client_for, alice, org_a):
    job = running_execution(org_a).job
    page = client_for(alice).get(reverse("jobs:list")).content.decode()
    assert f'sse-connect="{reverse("jobs:list_stream")}"' in page
    assert f'id="job-{job.pk}-last-run" sse-swap="job-{job.pk}"' in page


def worker_line(execution: JobExecution, message: str, n: int) -> LogEntry:
    return LogEntry.objects.create(
        time=timezone.now(),
        level=20,
        logger="feeds.extract",
        role="worker",
        host="worker-1",
        pid=4242,
        message=message,
        execution_id=execution.pk,
        organization=execution.organization,
        stream_id=f"{execution.pk}-{n}",
    )


def test_per_article_counters_and_their_explanation_stream_as_they_change(alice, org_a):
    execution = running_execution(org_a, feeds_total=1)
    steps = []

    def advance(messages):
        if messages[-1].get("event") != "progress":
            return
        steps.append(messages[-1])
        if len(steps) == 1:  # The worker finished its first batch of 25 of 36 pages.
            JobExecution.objects.filter(pk=execution.pk).update(
                new_articles=36,
                feed_articles_total=36,
                feed_articles_done=25,
                pages_fetched=25,
                extracted=25,
                copies=25,
            )
        elif len(steps) == 2:
            JobExecution.objects.filter(pk=execution.pk).update(
                feeds_done=1,
                feed_articles_total=0,
                feed_articles_done=0,
                pages_fetched=36,
                extracted=33,
                copies=33,
                unreadable=3,
                status=ExecutionStatus.SUCCEEDED,
            )

    _, messages = stream(alice, url(execution), after_each=advance)

    progress = [m["data"] for m in messages if m.get("event") == "progress"]
    assert len(progress) == 3
    assert "this feed: 25 of 36 articles" in progress[1] and 'value="69"' in progress[1]
    assert 'data-counter="pages_fetched">25<' in progress[1]
    assert 'data-counter="analysed">0<' in progress[1]
    assert "25 were copies of earlier articles" in progress[1]
    assert 'value="100"' in progress[2] and "this feed" not in progress[2]
    assert (
        "33 were copies of earlier articles; 3 pages could not be fetched or read" in (progress[2])
    )


def test_the_worker_log_panel_streams_when_the_collector_stores_lines(alice, org_a):
    execution = running_execution(org_a)
    worker_line(execution, "Fetched the feed", 1)  # Already on the page: not sent again.
    sent = []

    def advance(messages):
        last = messages[-1]
        if last.get("event") == "progress" and not sent:
            sent.append("line")
            worker_line(execution, "Extracted 25 pages", 2)
        elif last.get("event") == "worker-lines":
            JobExecution.objects.filter(pk=execution.pk).update(status=ExecutionStatus.SUCCEEDED)

    shown = LogEntry.objects.get(execution_id=execution.pk).pk
    _, messages = stream(alice, f"{url(execution)}?lines=1.{shown}", after_each=advance)

    panels = [m["data"] for m in messages if m.get("event") == "worker-lines"]
    assert len(panels) == 1, kinds(messages)
    assert "Fetched the feed" in panels[0] and "Extracted 25 pages" in panels[0]
    assert "<table" in panels[0] and "Worker log lines" in panels[0]
    assert kinds(messages)[-1] == "done"


def test_a_reconnect_without_the_pages_line_count_gets_the_whole_panel_once(alice, org_a):
    execution = running_execution(org_a)
    worker_line(execution, "Fetched the feed", 1)

    def finish(messages):
        if messages[-1].get("event") == "worker-lines":
            JobExecution.objects.filter(pk=execution.pk).update(status=ExecutionStatus.SUCCEEDED)

    _, messages = stream(alice, f"{url(execution)}?lines=nonsense", after_each=finish)

    assert kinds(messages).count("worker-lines") == 1
