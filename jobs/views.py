"""Jobs pages: list with bulk actions, drawer form, history, execution detail and controls."""

from collections import Counter

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.drawer import add_service_errors, drawer_done, render_drawer
from accounts.llm_connection import llm_available
from accounts.tenancy import get_object_for_request, request_organization, scoped_queryset
from jobs import bulk
from jobs.confirm import confirm_step, is_confirmed
from jobs.forms import JobForm
from jobs.models import ExecutionStatus, Job, JobExecution, JobNotification
from jobs.services import jobs as job_services
from jobs.services.executions import execution_cancel, execution_enqueue, execution_retry
from jobs.services.run import nothing_to_run_message
from jobs.services.schedule import describe_schedule
from jobs.services.sweep import execution_sweep_stuck
from jobs.streams import WORKER_LINES
from monitoring.admin_bulk import bulk_apply, result_message
from monitoring.selectors import execution_log_lines, execution_log_signature

HISTORY_PER_PAGE = 50


def job_list(request: HttpRequest) -> HttpResponse:
    latest = JobExecution.objects.filter(job=OuterRef("pk")).order_by("-queued_at", "-id")
    jobs = (
        scoped_queryset(request, Job)
        .select_related("periodic_task")
        .annotate(
            last_status=Subquery(latest.values("status")[:1]),
            last_execution_id=Subquery(latest.values("id")[:1]),
        )
        .order_by("name")
    )
    now = timezone.now()
    rows = [(job, describe_schedule(job), job.next_run_at(now)) for job in jobs]
    notifications = scoped_queryset(request, JobNotification).filter(read=False)[:5]
    statuses = dict(ExecutionStatus.choices)
    return render(
        request,
        "jobs/job_list.html",
        {"rows": rows, "notifications": notifications, "statuses": statuses},
    )


def _job_form(request: HttpRequest, job: Job | None) -> HttpResponse:
    organization = request_organization(request)
    form = JobForm(request.POST or None, organization=organization, job=job)
    # Described from the start (no request from the page to fill it in, so no error either).
    context: dict[str, object] = {"form": form, "job": job, "preview": form.schedule_preview()}
    if request.method == "POST" and "_preview" in request.POST:  # The no-JavaScript preview.
        form.is_valid()
        context.update(preview=form.schedule_preview(), schedule_errors=form.schedule_errors())
        return render_drawer(request, "jobs/job_form.html", context)
    if request.method == "POST" and form.is_valid():
        try:
            if job is None:
                job = job_services.job_create(
                    organization=organization,
                    feeds=form.cleaned_data["feeds"],
                    enabled=form.cleaned_data["enabled"],
                    **form.job_values(),
                )
                messages.success(request, f"Job “{job}” created; {describe_schedule(job)}.")
            else:
                job_services.job_update(
                    job=job, feeds=form.cleaned_data["feeds"], **form.job_values()
                )
                messages.success(request, f"Job “{job}” saved; {describe_schedule(job)}.")
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return drawer_done(request, reverse("jobs:list"))
    # 200 even with errors: htmx does not swap 4xx responses, so the drawer would not show them.
    return render_drawer(request, "jobs/job_form.html", context)


@require_POST
def job_schedule_preview(request: HttpRequest) -> HttpResponse:
    """The drawer's live schedule preview: the schedule in words, or what is wrong with it."""
    form = JobForm(request.POST, organization=request_organization(request), job=None)
    form.is_valid()
    return render(
        request,
        "jobs/job_form.html#schedule_preview",
        {"preview": form.schedule_preview(), "schedule_errors": form.schedule_errors()},
    )


def job_create(request: HttpRequest) -> HttpResponse:
    return _job_form(request, None)


def job_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _job_form(request, get_object_for_request(request, Job, pk=pk))


def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_for_request(request, Job.objects.select_related("periodic_task"), pk=pk)
    page = Paginator(job.executions.order_by("-queued_at", "-id"), HISTORY_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "job": job,
        "page": page,
        "schedule": describe_schedule(job),
        "next_run": job.next_run_at(),
        "llm_connected": llm_available(request.organization),
    }
    return render(request, "jobs/job_detail.html", context)


def job_delete(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_for_request(request, Job, pk=pk)
    if request.method == "POST":
        name = str(job)
        job_services.job_delete(job=job)
        messages.success(request, f"Job “{name}” deleted with its schedule and history.")
        return drawer_done(request, reverse("jobs:list"))
    return render_drawer(request, "jobs/job_delete.html", {"job": job})


@require_POST
def job_run_now(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_for_request(request, Job, pk=pk)
    # Outside any transaction: the task is sent at once, so a broker error is known here.
    execution = execution_enqueue(job=job)
    execution.refresh_from_db()
    if execution.status == ExecutionStatus.FAILED:
        messages.error(request, execution.error_message)
        return redirect("jobs:list")
    if warning := nothing_to_run_message(job):  # Said now, not only when the run ends.
        messages.warning(request, f"Job “{job}” queued, but it will fetch nothing: {warning}")
    else:
        messages.success(request, f"Job “{job}” queued; follow it below.")
    return redirect(execution.get_absolute_url())


@require_POST
def job_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_for_request(request, Job.objects.select_related("periodic_task"), pk=pk)
    if job.is_paused:
        job_services.job_resume(job=job)
        messages.success(request, f"Job “{job}” resumed; {describe_schedule(job)}.")
    else:
        job_services.job_pause(job=job)
        messages.success(request, f"Job “{job}” paused; it only runs when you press Run now.")
    return redirect("jobs:list")


BULK_ACTIONS = {"pause": bulk.PAUSE_JOBS, "resume": bulk.RESUME_JOBS, "delete": bulk.DELETE_JOBS}
BULK_CONSEQUENCES = {
    "pause": "They only run when you press Run now until resumed.",
    "resume": "They run on their schedules again.",
    "delete": "Their schedules and run history are deleted too; articles and reports are kept.",
}


@require_POST
def job_bulk(request: HttpRequest) -> HttpResponse:
    jobs = list(
        scoped_queryset(request, Job)
        .select_related("periodic_task")
        .filter(pk__in=_ids(request))
        .order_by("name")
    )
    action = BULK_ACTIONS.get(request.POST.get("action", ""))
    if action is None or not jobs:
        messages.error(request, "Choose one or more jobs and an action.")
        return drawer_done(request, reverse("jobs:list"))
    # The same rule per job as the console's (jobs/bulk.py): what is already so is skipped.
    if not is_confirmed(request):
        names = ", ".join(f"“{job.name}”" for job in jobs[:10])
        more = f" and {len(jobs) - 10} more" if len(jobs) > 10 else ""
        skipped = Counter(reason for job in jobs if (reason := action.plan(job)))
        skips = "".join(f" {n} skipped: {reason}." for reason, n in skipped.most_common())
        key = request.POST["action"]
        return confirm_step(
            request,
            title=f"{action.verb} {action.noun(len(jobs))}?",
            intro=f"{names}{more}. {BULK_CONSEQUENCES[key]}{skips}",
            action=reverse("jobs:bulk"),
            submit_label=f"{action.verb} {action.noun(len(jobs) - sum(skipped.values()))}",
            cancel_url=reverse("jobs:list"),
            carry={"action": key, "ids": [job.pk for job in jobs]},
            danger=action.danger,
        )
    done, skipped = bulk_apply(action, request, jobs)
    text = result_message(action, len(done), skipped)
    (messages.success if done and not skipped else messages.warning)(request, text)
    return drawer_done(request, reverse("jobs:list"))


def _ids(request: HttpRequest) -> list[int]:
    # Hostile or stale ids are dropped, not a 500: only digits reach the query.
    # Too many digits for a database integer would be an OverflowError (a 500) on SQLite.
    ids = request.POST.getlist("ids")
    return [int(value) for value in ids if value.isdigit() and len(value) < 19][:1000]


def execution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    execution = get_object_for_request(request, JobExecution.objects.select_related("job"), pk=pk)
    events = execution.events.order_by("id")
    lines, more = execution_log_lines(execution.pk, WORKER_LINES)
    return render(
        request,
        "jobs/execution_detail.html",
        {
            "execution": execution,
            "events": events,
            "worker_lines": lines,
            "worker_lines_more": more,
            "worker_lines_shown": ".".join(map(str, execution_log_signature(execution.pk))),
        },
    )


@require_POST
def execution_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    execution = get_object_for_request(request, JobExecution.objects.select_related("job"), pk=pk)
    if not is_confirmed(request):
        return confirm_step(
            request,
            title=f"Cancel run #{execution.pk} of “{execution.job.name}”?",
            intro=(
                "A queued run will not start; a running one stops after the feed it is on. "
                "What it stored so far is kept."
            ),
            action=reverse("jobs:cancel", args=[execution.pk]),
            submit_label="Cancel the run",
            cancel_url=execution.get_absolute_url(),
        )
    try:
        execution = execution_cancel(execution=execution)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if execution.status == ExecutionStatus.CANCELLED:
            messages.success(request, "Cancelled; it will not start.")
        else:
            messages.success(request, "Cancel requested; the run stops after the current feed.")
    return drawer_done(request, execution.get_absolute_url())


@require_POST
def execution_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    execution = get_object_for_request(request, JobExecution.objects.select_related("job"), pk=pk)
    try:
        retry = execution_retry(execution=execution)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(execution.get_absolute_url())
    retry.refresh_from_db()
    if retry.status == ExecutionStatus.FAILED:
        messages.error(request, retry.error_message)
    else:
        messages.success(request, "Retry queued.")
    return redirect(retry.get_absolute_url())


@require_POST
def cleanup_stuck(request: HttpRequest) -> HttpResponse:
    """Staff only; sweeps the request's organization (every organization for a superuser)."""
    if not request.user.is_staff:
        raise PermissionDenied("Only staff can mark stuck executions failed.")
    organization = None if request.user.is_superuser else request_organization(request)
    if not is_confirmed(request):
        scope = "every organization" if organization is None else "this organization"
        return confirm_step(
            request,
            title="Mark stuck runs failed?",
            intro=(
                f"Runs of {scope} that are queued but never started, or silent for longer than "
                "their “stuck after” limit, are marked failed and their recipients told. "
                "A worker that is only slow loses its run."
            ),
            action=reverse("jobs:cleanup_stuck"),
            submit_label="Mark stuck runs failed",
            cancel_url=reverse("jobs:list"),
        )
    swept = execution_sweep_stuck(organization=organization)
    messages.success(request, f"{len(swept)} stuck executions marked failed.")
    return drawer_done(request, reverse("jobs:list"))


@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    scoped_queryset(request, JobNotification).filter(read=False).update(read=True)
    return redirect("jobs:list")
