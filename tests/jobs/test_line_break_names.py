"""Job names with line breaks are refused; the sweep fails every stuck run regardless.

Issue #17, item 4: a job name with a line break made the sweep's failure mail raise
(BadHeaderError) after failing one run, leaving the other runs "running".
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from jobs.forms import JobForm
from jobs.models import ExecutionStatus, Job, JobExecution
from jobs.services.executions import execution_claim, execution_enqueue
from jobs.services.sweep import execution_sweep_stuck
from tests.feeds.builders import make_feed
from tests.jobs.builders import SCHEDULE, make_job

BREAKS = ["\n", "\r", "\r\n", "\u2028", "\u2029", "\x85", "\x0b"]


@pytest.fixture
def feed(org_a):
    return make_feed(org_a, "https://news.example/feed.xml")


def running(job: Job, *, silent_for: int) -> JobExecution:
    execution = execution_enqueue(job=job)
    execution_claim(execution_id=execution.pk, task_id="t", hostname="celery@box", pid=1)
    past = timezone.now() - timedelta(seconds=silent_for)
    JobExecution.objects.filter(pk=execution.pk).update(heartbeat_at=past, started_at=past)
    return execution


@pytest.mark.django_db
@pytest.mark.parametrize("brk", BREAKS)
def test_the_job_form_refuses_a_name_with_a_line_break(org_a, feed, brk):
    data = {"name": f"Morning{brk}run", "interval_every": "1", "interval_unit": "hours"}
    form = JobForm({**data, **SCHEDULE}, organization=org_a)

    assert not form.is_valid()
    assert "line break" in " ".join(form.errors["name"])


@pytest.mark.django_db
@pytest.mark.parametrize("brk", BREAKS)
def test_the_job_model_refuses_a_name_with_a_line_break(org_a, feed, brk):
    with pytest.raises(ValidationError) as caught:
        make_job(org_a, name=f"Morning{brk}run")

    assert "name" in caught.value.error_dict
    assert not Job.objects.exists()


# Transactional: on_commit callbacks (the mail) run as in production, inside the sweep.
@pytest.mark.django_db(transaction=True)
def test_a_stored_name_with_a_line_break_fails_every_stuck_run_and_mails_safely(
    org_a, feed, settings
):
    evil = make_job(org_a, name="Evil", recipients="ops@example.com")
    plain = make_job(org_a, name="Plain", recipients="ops@example.com")
    # Stored before names were checked (or written around the services).
    Job.objects.filter(pk=evil.pk).update(name="Evil\r\nBcc: victim@example.com")
    stuck = settings.STUCK_AFTER_SECONDS + 5
    executions = [running(evil, silent_for=stuck), running(evil, silent_for=stuck)]
    executions.append(running(plain, silent_for=stuck))

    swept = execution_sweep_stuck(use_inspect=False)

    assert len(swept) == 3
    statuses = JobExecution.objects.filter(pk__in=[e.pk for e in executions])
    assert set(statuses.values_list("status", flat=True)) == {ExecutionStatus.FAILED}
    assert len(mail.outbox) == 3
    assert all("\n" not in m.subject and "\r" not in m.subject for m in mail.outbox)
    assert not any(m.bcc for m in mail.outbox)
    assert "[Marketing Hunting] Job “Evil Bcc: victim@example.com” failed" in {
        m.subject for m in mail.outbox
    }


@pytest.mark.django_db(transaction=True)
def test_one_execution_that_cannot_be_failed_does_not_stop_the_others(
    org_a, feed, settings, monkeypatch
):
    from jobs.services import sweep

    job = make_job(org_a)
    stuck = settings.STUCK_AFTER_SECONDS + 5
    first, second = running(job, silent_for=stuck), running(job, silent_for=stuck)
    real_notify = sweep._notify

    def broken_for_first(execution, reason):
        if execution.pk == first.pk:
            raise RuntimeError("a row the sweep cannot handle")
        real_notify(execution, reason)

    monkeypatch.setattr(sweep, "_notify", broken_for_first)

    swept = execution_sweep_stuck(use_inspect=False)

    assert [s.execution.pk for s in swept] == [second.pk]
    second.refresh_from_db()
    assert second.status == ExecutionStatus.FAILED
