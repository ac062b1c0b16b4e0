"""A run over feeds that are all disabled ends with a warning saying so, not a hollow success."""

import pytest
from django.urls import reverse

from jobs.models import EventLevel, ExecutionStatus
from jobs.services.executions import execution_enqueue
from jobs.services.run import execution_run
from tests.feeds.builders import make_feed
from tests.jobs.builders import make_job

pytestmark = pytest.mark.django_db


def run(execution):
    status = execution_run(execution_id=execution.pk, task_id="t1", hostname="celery@a", pid=1)
    execution.refresh_from_db()
    return status


def test_a_run_over_only_disabled_feeds_ends_with_a_warning_naming_them(org_a):
    feeds = [
        make_feed(org_a, f"https://news.example/{n}.xml", name=f"Feed {n}", enabled=False)
        for n in range(3)
    ]
    make_feed(org_a, "https://news.example/other.xml", name="Not chosen")  # enabled, not chosen
    job = make_job(org_a, feeds=feeds)
    execution = execution_enqueue(job=job)

    status = run(execution)

    assert status == execution.status == ExecutionStatus.FAILED
    assert execution.error_message.startswith("All 3 feeds of this job are disabled")
    last = execution.events.order_by("id").last()
    assert last.level == EventLevel.WARNING
    assert last.message.startswith("All 3 feeds of this job are disabled")
    assert not execution.events.filter(message__startswith="Finished").exists()


def test_the_execution_page_shows_the_warning_instead_of_succeeded(client_for, alice, org_a):
    feed = make_feed(org_a, "https://news.example/a.xml", name="Wire", enabled=False)
    execution = execution_enqueue(job=make_job(org_a, feeds=[feed]))
    run(execution)

    page = client_for(alice).get(execution.get_absolute_url()).content.decode()

    assert "The one feed of this job is disabled" in page
    assert 'data-done-level="warning"' in page
    assert "Succeeded" not in page


def test_run_now_warns_at_once_when_every_feed_of_the_job_is_disabled(client_for, alice, org_a):
    feed = make_feed(org_a, "https://news.example/a.xml", name="Wire", enabled=False)
    job = make_job(org_a, feeds=[feed])

    response = client_for(alice).post(reverse("jobs:run", args=[job.pk]), follow=True)

    assert "will fetch nothing: The one feed of this job is disabled" in response.content.decode()
