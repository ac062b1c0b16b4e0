"""The run enforces its soft time limit itself, between units.

Celery delivers the limit as an exception raised wherever the run happens to be; a library's
``except Exception`` there swallows it (CI saw a run go on past its limit and end "partial").
Here no signal is sent at all: the run must still stop at the first check past the limit.
"""

import pytest

from jobs.models import ExecutionStatus
from jobs.services.executions import execution_enqueue
from jobs.services.run import execution_run
from tests.jobs.builders import make_job, make_served_feed
from tests.jobs.test_article_progress import in_the_test_transaction

__all__ = ["in_the_test_transaction"]  # The autouse fixture, imported for use here.

pytestmark = pytest.mark.django_db

SOFT_LIMIT = 2.0


def test_a_run_past_its_soft_limit_stops_at_the_next_unit_as_timed_out(org_a, http_server):
    # The first feed's page alone takes longer than the whole soft limit.
    slow = make_served_feed(org_a, http_server, "first", stories=1, page_delay=SOFT_LIMIT + 1)
    second = make_served_feed(org_a, http_server, "second", stories=1)
    execution = execution_enqueue(job=make_job(org_a, feeds=[slow, second]))

    status = execution_run(
        execution_id=execution.pk,
        task_id=execution.task_id,
        hostname="celery@a",
        pid=1,
        time_limit=600,
        soft_time_limit=SOFT_LIMIT,
    )

    execution.refresh_from_db()
    assert status == execution.status == ExecutionStatus.TIMED_OUT
    assert execution.error_message == (
        "The run reached its time limit; the feeds done so far keep their results."
    )
    assert http_server.requests_to("/second.xml") == []
    assert (
        execution.events.order_by("id").last().message.startswith("The run reached its time limit")
    )


def test_a_run_within_its_soft_limit_is_not_stopped(org_a, http_server):
    feed = make_served_feed(org_a, http_server, "quick", stories=1)
    execution = execution_enqueue(job=make_job(org_a, feeds=[feed]))

    status = execution_run(
        execution_id=execution.pk,
        task_id=execution.task_id,
        hostname="celery@a",
        pid=1,
        time_limit=600,
        soft_time_limit=600,
    )

    assert status == ExecutionStatus.SUCCEEDED
