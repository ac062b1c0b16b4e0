"""API routers of the jobs app: jobs (read, run now, pause, resume) and their runs
(executions: progress, counters, cancel). The same services as the job pages."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from pydantic import BaseModel

from accounts.tenancy import get_object_for_request, request_organization, scoped_queryset
from api.auth import ApiKeyAuth
from api.errors import ApiError, ErrorResponse
from api.etag import detail_response
from api.pagination import ListQuery, Page, paginate
from api.params import Id, PathId, owned_rows
from feeds.models import Feed
from jobs.models import ExecutionStatus, Job, JobExecution
from jobs.services import jobs as job_services
from jobs.services.executions import execution_cancel, execution_enqueue, execution_retry
from jobs.services.run import nothing_to_run_message
from jobs.services.schedule import describe_schedule

jobs_router = Router(auth=ApiKeyAuth("jobs"), tags=["jobs"])
executions_router = Router(auth=ApiKeyAuth("jobs"), tags=["jobs"])
ERRORS = {
    400: ErrorResponse,
    401: ErrorResponse,
    403: ErrorResponse,
    404: ErrorResponse,
    422: ErrorResponse,
    429: ErrorResponse,
}


class JobOut(BaseModel):
    id: int
    name: str
    schedule: str = Field(description="The schedule in words, as the jobs page shows it.")
    paused: bool
    next_run_at: datetime | None
    feed_ids: list[int] = Field(description="Empty: every enabled feed of the organization.")
    schedule_kind: str
    timezone: str
    interval_every: int
    interval_unit: str
    cron_minute: str
    cron_hour: str
    cron_day_of_month: str
    cron_month_of_year: str
    cron_day_of_week: str
    use_llm: bool
    max_articles: int | None
    feed_timeout: int | None = Field(description="Seconds per feed; null: each feed's own.")
    stuck_after_seconds: int | None
    recipients: str
    created_at: datetime
    updated_at: datetime


class JobFields(Schema):
    """A job's settings, as on the job form. ``schedule_kind`` "interval" runs every
    ``interval_every`` ``interval_unit``; "crontab" uses the five ``cron_*`` fields in
    ``timezone``."""

    model_config = {"extra": "forbid"}

    name: str | None = Field(None, min_length=1, max_length=200)
    feed_ids: list[Id] | None = Field(None, max_length=500, description="Empty: every feed.")
    schedule_kind: Literal["interval", "crontab"] | None = None
    timezone: str | None = Field(None, max_length=64)
    interval_every: int | None = Field(None, ge=1, le=100_000)
    interval_unit: Literal["minutes", "hours", "days"] | None = None
    cron_minute: str | None = Field(None, max_length=240)
    cron_hour: str | None = Field(None, max_length=96)
    cron_day_of_month: str | None = Field(None, max_length=124)
    cron_month_of_year: str | None = Field(None, max_length=64)
    cron_day_of_week: str | None = Field(None, max_length=64)
    use_llm: bool | None = None
    max_articles: int | None = Field(None, ge=1, le=1_000_000)
    feed_timeout: int | None = Field(None, ge=1, le=32767)
    stuck_after_seconds: int | None = Field(None, ge=1, le=10_000_000)
    recipients: str | None = Field(None, max_length=2000)


class JobIn(JobFields):
    name: str = Field(..., min_length=1, max_length=200)
    enabled: bool = Field(True, description="False: created paused.")


class ExecutionOut(BaseModel):
    id: int
    job_id: int
    trigger: str
    status: str
    progress_percent: int
    queued_at: datetime
    started_at: datetime | None
    heartbeat_at: datetime | None
    completed_at: datetime | None
    feeds_total: int
    feeds_done: int
    new_articles: int
    analysed: int
    reports: int
    errors: int
    cancel_requested: bool
    error_message: str
    warning: str | None = None


class JobQuery(ListQuery):
    q: str = Field("", max_length=200, description="Words in the name.")


class ExecutionQuery(ListQuery):
    status: ExecutionStatus | None = None


def _jobs(request: HttpRequest):  # type: ignore[no-untyped-def]
    return scoped_queryset(request, Job).select_related("periodic_task").prefetch_related("feeds")


def _job(job: Job) -> JobOut:
    return JobOut(
        id=job.pk,
        name=job.name,
        schedule=describe_schedule(job),
        paused=job.is_paused,
        next_run_at=job.next_run_at(),
        feed_ids=sorted(feed.pk for feed in job.feeds.all()),
        schedule_kind=job.schedule_kind,
        timezone=job.timezone,
        interval_every=job.interval_every,
        interval_unit=job.interval_unit,
        cron_minute=job.cron_minute,
        cron_hour=job.cron_hour,
        cron_day_of_month=job.cron_day_of_month,
        cron_month_of_year=job.cron_month_of_year,
        cron_day_of_week=job.cron_day_of_week,
        use_llm=job.use_llm,
        max_articles=job.max_articles,
        feed_timeout=job.feed_timeout,
        stuck_after_seconds=job.stuck_after_seconds,
        recipients=job.recipients,
        created_at=job.created_at,
        updated_at=job.updated_at,
    )


def _execution(execution: JobExecution, warning: str | None = None) -> ExecutionOut:
    return ExecutionOut(
        id=execution.pk,
        job_id=execution.job_id,
        trigger=execution.trigger,
        status=execution.status,
        progress_percent=execution.progress_percent,
        queued_at=execution.queued_at,
        started_at=execution.started_at,
        heartbeat_at=execution.heartbeat_at,
        completed_at=execution.completed_at,
        feeds_total=execution.feeds_total,
        feeds_done=execution.feeds_done,
        new_articles=execution.new_articles,
        analysed=execution.analysed,
        reports=execution.reports,
        errors=execution.errors,
        cancel_requested=execution.cancel_requested,
        error_message=execution.error_message,
        warning=warning,
    )


@jobs_router.get("", response={200: Page[JobOut], **ERRORS}, summary="List jobs")
def job_list(request: HttpRequest, query: Query[JobQuery]) -> Page[JobOut]:
    """By name."""
    jobs = _jobs(request)
    if query.q.strip():
        jobs = jobs.filter(name__icontains=query.q.strip())
    page, next_cursor = paginate(
        jobs, ("name", "id"), cursor=query.cursor, limit=query.limit, context="jobs"
    )
    return Page[JobOut](items=[_job(job) for job in page], next_cursor=next_cursor)


@jobs_router.get("/{int:job_id}", response={200: JobOut, 304: None, **ERRORS}, summary="Get a job")
def job_detail(request: HttpRequest, job_id: PathId) -> HttpResponse:
    return detail_response(
        request, _job(get_object_for_request(request, _jobs(request), pk=job_id))
    )


# Fields that may be null (cleared); the others must have a value when sent.
NULLABLE = {"max_articles", "feed_timeout", "stuck_after_seconds"}


def _values(payload: JobFields, *, partial: bool) -> tuple[dict, list[int] | None]:
    values = payload.model_dump(exclude_unset=partial, exclude={"enabled"})
    if not partial:
        values = {
            name: value for name, value in values.items() if value is not None or name in NULLABLE
        }
    for name, value in values.items():
        if value is None and name not in NULLABLE and name != "feed_ids":
            raise ApiError(
                422,
                "invalid_input",
                f"{name} cannot be null.",
                details=[{"field": name, "message": "Give a value or leave the field out."}],
            )
    feed_ids = values.pop("feed_ids", None)
    return values, feed_ids


@jobs_router.post("", response={201: JobOut, 409: ErrorResponse, **ERRORS}, summary="Add a job")
def job_create(request: HttpRequest, payload: JobIn) -> Status[JobOut]:
    values, feed_ids = _values(payload, partial=False)
    feeds = owned_rows(request, Feed, feed_ids or [], "feed_ids")
    job = job_services.job_create(
        organization=request_organization(request),
        feeds=feeds,
        enabled=payload.enabled,
        **values,
    )
    return Status(201, _job(get_object_for_request(request, _jobs(request), pk=job.pk)))


@jobs_router.patch("/{int:job_id}", response={200: JobOut, **ERRORS}, summary="Change a job")
def job_update(request: HttpRequest, job_id: PathId, payload: JobFields) -> JobOut:
    """Only the fields sent change; ``feed_ids: []`` means every enabled feed."""
    job = get_object_for_request(request, _jobs(request), pk=job_id)
    values, feed_ids = _values(payload, partial=True)
    feeds = owned_rows(request, Feed, feed_ids, "feed_ids") if feed_ids is not None else None
    job_services.job_update(job=job, feeds=feeds, **values)
    return _job(get_object_for_request(request, _jobs(request), pk=job_id))


@jobs_router.delete("/{int:job_id}", response={204: None, **ERRORS}, summary="Delete a job")
def job_delete(request: HttpRequest, job_id: PathId) -> Status[None]:
    """Its schedule goes with it; its runs' reports stay."""
    job_services.job_delete(job=get_object_for_request(request, Job, pk=job_id))
    return Status(204, None)


@jobs_router.post(
    "/{int:job_id}/run",
    response={202: ExecutionOut, 503: ErrorResponse, **ERRORS},
    summary="Run now",
)
def job_run(request: HttpRequest, job_id: PathId) -> Status[ExecutionOut]:
    """Queues a run at once (paused jobs too); follow it at /api/executions/{id}. ``warning``
    says when it will fetch nothing (no enabled feed)."""
    job = get_object_for_request(request, Job, pk=job_id)
    execution = execution_enqueue(job=job)
    execution.refresh_from_db()
    if execution.status == ExecutionStatus.FAILED:  # The broker did not take the task.
        raise ApiError(
            503,
            "queue_unavailable",
            execution.error_message,
            headers={"Retry-After": "60"},
        )
    return Status(202, _execution(execution, warning=nothing_to_run_message(job) or None))


@jobs_router.post("/{int:job_id}/pause", response={200: JobOut, **ERRORS}, summary="Pause")
def job_pause(request: HttpRequest, job_id: PathId) -> JobOut:
    """Its schedule stops; Run now still works."""
    job_services.job_pause(job=get_object_for_request(request, _jobs(request), pk=job_id))
    return _job(get_object_for_request(request, _jobs(request), pk=job_id))


@jobs_router.post("/{int:job_id}/resume", response={200: JobOut, **ERRORS}, summary="Resume")
def job_resume(request: HttpRequest, job_id: PathId) -> JobOut:
    job_services.job_resume(job=get_object_for_request(request, _jobs(request), pk=job_id))
    return _job(get_object_for_request(request, _jobs(request), pk=job_id))


@jobs_router.get(
    "/{int:job_id}/executions",
    response={200: Page[ExecutionOut], **ERRORS},
    summary="List a job's runs",
)
def job_executions(
    request: HttpRequest, job_id: PathId, query: Query[ExecutionQuery]
) -> Page[ExecutionOut]:
    """Newest first."""
    job = get_object_for_request(request, Job, pk=job_id)
    executions = scoped_queryset(request, JobExecution).filter(job=job)
    if query.status:
        executions = executions.filter(status=query.status)
    page, next_cursor = paginate(
        executions,
        ("-queued_at", "-id"),
        cursor=query.cursor,
        limit=query.limit,
        context=f"executions:{job.pk}",
    )
    return Page[ExecutionOut](items=[_execution(e) for e in page], next_cursor=next_cursor)


@executions_router.get(
    "/{int:execution_id}",
    response={200: ExecutionOut, 304: None, **ERRORS},
    summary="Get a run (progress)",
)
def execution_detail(request: HttpRequest, execution_id: PathId) -> HttpResponse:
    """Poll it for progress (the ETag makes an unchanged answer a 304)."""
    execution = get_object_for_request(request, JobExecution, pk=execution_id)
    return detail_response(request, _execution(execution))


@executions_router.post(
    "/{int:execution_id}/cancel", response={200: ExecutionOut, **ERRORS}, summary="Cancel a run"
)
def execution_cancel_api(request: HttpRequest, execution_id: PathId) -> ExecutionOut:
    """A queued run never starts; a running one stops after the feed it is on. A finished
    run is a 422."""
    execution = get_object_for_request(request, JobExecution, pk=execution_id)
    try:
        return _execution(execution_cancel(execution=execution))
    except ValidationError as error:
        raise ApiError(422, "not_cancellable", " ".join(error.messages)) from None


@executions_router.post(
    "/{int:execution_id}/retry",
    response={202: ExecutionOut, 503: ErrorResponse, **ERRORS},
    summary="Retry a run",
)
def execution_retry_api(request: HttpRequest, execution_id: PathId) -> Status[ExecutionOut]:
    """A new run of the same job, for a failed, timed-out, partial or cancelled one (else a
    422 ``not_retryable``); the articles the old run had taken are freed for it."""
    execution = get_object_for_request(
        request, JobExecution.objects.select_related("job"), pk=execution_id
    )
    try:
        retry = execution_retry(execution=execution)
    except ValidationError as error:
        raise ApiError(422, "not_retryable", " ".join(error.messages)) from None
    retry.refresh_from_db()
    if retry.status == ExecutionStatus.FAILED:  # The broker did not take the task.
        raise ApiError(503, "queue_unavailable", retry.error_message, headers={"Retry-After": "60"})
    return Status(202, _execution(retry))
