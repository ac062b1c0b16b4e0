"""Bulk actions on jobs and runs, their rule per row, acted through the jobs services so the
state machines stay there: the console (jobs/admin.py, pages in monitoring/admin_bulk.py) and
the jobs list page (jobs/views.py) use the same ones."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest

from jobs.models import RETRYABLE_STATUSES, ExecutionStatus, Job, JobExecution
from jobs.services import jobs as job_services
from jobs.services.executions import execution_cancel, execution_retry
from jobs.services.sweep import SweptExecution, execution_fail_swept, execution_sweep_stuck
from monitoring.admin_bulk import BulkAction, Outcome, one_by_one

# --- Jobs ------------------------------------------------------------------------------------


def _pause(request: HttpRequest, job: Job) -> Outcome:
    job_services.job_pause(job=job)
    return ""


def _resume(request: HttpRequest, job: Job) -> Outcome:
    job_services.job_resume(job=job)
    return ""


def _delete(request: HttpRequest, job: Job) -> Outcome:
    job_services.job_delete(job=job)  # with its beat entry
    return ""


PAUSE_JOBS = BulkAction(
    name="pause_jobs",
    verb="Pause",
    done="paused",
    singular="job",
    plural="jobs",
    will=lambda job: "stops running on its schedule (Run now still works)",
    plan=lambda job: "" if job.enabled else "already paused",
    apply_many=one_by_one(_pause),
    consequence="Paused jobs run only when someone presses Run now, until resumed. A run "
    "in progress is not stopped: cancel it from Job executions.",
)

RESUME_JOBS = BulkAction(
    name="resume_jobs",
    verb="Resume",
    done="resumed",
    singular="job",
    plural="jobs",
    will=lambda job: "runs on its schedule again",
    plan=lambda job: "already active" if not job.is_paused else "",
    apply_many=one_by_one(_resume),
)

DELETE_JOBS = BulkAction(
    name="delete_jobs",
    verb="Delete",
    done="deleted",
    singular="job",
    plural="jobs",
    will=lambda job: (
        f"deleted with its schedule and {getattr(job, 'runs', 0)} "
        f"run{'s' if getattr(job, 'runs', 0) != 1 else ''} of history"
    ),
    plan=lambda job: "",
    apply_many=one_by_one(_delete),
    consequence="Each job goes with its beat schedule and its run history. The feeds, "
    "articles and reports it made are kept.",
    danger=True,
    log_deletions=True,
)


# --- Runs ------------------------------------------------------------------------------------

FINISHED = "already finished"


def _cancel_plan(run: JobExecution) -> Outcome:
    if run.status == ExecutionStatus.RUNNING and run.cancel_requested:
        return "cancel already requested"
    if run.status not in (ExecutionStatus.QUEUED, ExecutionStatus.RUNNING):
        return FINISHED
    return ""


def _cancel(request: HttpRequest, run: JobExecution) -> Outcome:
    try:
        execution_cancel(execution=run)
    except ValidationError:
        return FINISHED  # between the two pages
    return ""


CANCEL_RUNS = BulkAction(
    name="cancel_runs",
    verb="Cancel",
    done="cancelled",
    singular="run",
    plural="runs",
    will=lambda run: (
        "will not start"
        if run.status == ExecutionStatus.QUEUED
        else "stops after the feed it is on"
    ),
    plan=_cancel_plan,
    apply_many=one_by_one(_cancel),
    consequence="What the runs stored so far is kept. Their jobs stay on their schedules.",
    danger=True,
)


def _retry_plan(run: JobExecution) -> Outcome:
    if run.status in (ExecutionStatus.QUEUED, ExecutionStatus.RUNNING):
        return "not finished yet"
    if run.status not in RETRYABLE_STATUSES:
        return "succeeded: nothing to retry"
    if getattr(run, "active_retries", 0):
        return "a retry of it is already queued or running"
    return ""


def _retry(request: HttpRequest, run: JobExecution) -> Outcome:
    retry = execution_retry(execution=run)  # a ValidationError is the skip reason
    if retry.status == ExecutionStatus.FAILED:
        return f"could not be queued: {retry.error_message}"
    return ""


RETRY_RUNS = BulkAction(
    name="retry_runs",
    verb="Retry",
    done="retried",
    singular="run",
    plural="runs",
    will=lambda run: f"a new run of “{run.job.name}” is queued",
    plan=_retry_plan,
    apply_many=one_by_one(_retry),
    consequence="Each retry is a new run of the same job, linked to the run it retries; "
    "articles the old run had taken are freed for it.",
)


def mark_stuck_failed() -> BulkAction:
    """The sweep decides what is stuck (the same service as the command and the endpoint);
    the selection only narrows it to what the operator chose. Built per request: the sweep's
    findings are read once, for both pages' rules."""
    found: dict[int, SweptExecution] | None = None

    def stuck() -> dict[int, SweptExecution]:
        nonlocal found
        if found is None:
            found = {s.execution.pk: s for s in execution_sweep_stuck(dry_run=True)}
        return found

    def apply_many(request: HttpRequest, runs: list[Any]) -> dict[Any, Outcome]:
        failed = {s.execution.pk for s in execution_fail_swept([stuck()[r.pk] for r in runs])}
        return {r.pk: "" if r.pk in failed else "finished meanwhile" for r in runs}

    return BulkAction(
        name="mark_stuck_failed",
        verb="Mark failed",
        done="marked failed",
        singular="stuck run",
        plural="stuck runs",
        will=lambda run: f"marked failed: {stuck()[run.pk].reason}",
        plan=lambda run: "" if run.pk in stuck() else "not stuck",
        apply_many=apply_many,
        consequence="Runs whose worker is presumed lost are marked failed and their "
        "organization is notified; they can then be retried.",
        danger=True,
    )
