"""Running an execution: one unit of work per feed, heartbeat and cancel checks between units.

A unit refreshes the feed, extracts the new articles in batches and analyses the originals.
Everything it calls is idempotent (articles are deduplicated by URL, extraction claims its
articles, an article with a report is not analysed again), so a rerun after a lost worker
picks up where the dead one stopped without duplicating anything.
"""

import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from feeds.models import Article, ArticleStatus, Feed
from feeds.services.extract import articles_extract
from feeds.services.refresh import feed_refresh
from jobs.models import EventLevel, ExecutionStatus, Job, JobExecution, counted
from jobs.services.executions import (
    COUNTERS,
    event_add,
    execution_claim,
    execution_finish,
    execution_heartbeat,
    job_feed_ids,
)
from jobs.services.outage import (
    RunGuard,
    conclude_database_unavailable,
    fail_unclaimed,
    time_limit_reason,
)
from reports.models import Report, ReportStatus
from reports.services.analyse import AnalysisOptions, reports_analyse
from resilience.database import (
    DATABASE_OUTAGE_ERRORS,
    close_broken_connection,
    database_error_summary,
)

logger = logging.getLogger(__name__)

EXTRACT_BATCH = 25
LEFTOVER_LIMIT = 200

T = TypeVar("T")
# Runs one idempotent database step of a run: (step, what it does) -> its result.
Guard = Callable[[Callable[[], Any], str], Any]


def _unguarded(step: Callable[[], T], _what: str) -> T:
    return step()


class StopRun(Exception):
    """The row is no longer ours to write (failed by a sweep) or a cancel was requested."""


class HeartbeatThread(threading.Thread):
    """Beats every JOB_HEARTBEAT_SECONDS while a long unit runs: at most 2 writes a minute.

    It never decides anything itself; it records that the row stopped accepting beats, and
    the run stops at its next check between batches or units.
    """

    def __init__(self, execution_id: int, counters: dict[str, int]) -> None:
        super().__init__(name=f"heartbeat-{execution_id}", daemon=True)
        self.execution_id = execution_id
        self.counters = counters
        self.lost = threading.Event()
        self._stop_event = threading.Event()

    def run(self) -> None:
        try:
            while not self._stop_event.wait(settings.JOB_HEARTBEAT_SECONDS):
                try:
                    alive = execution_heartbeat(
                        execution_id=self.execution_id, counters=dict(self.counters)
                    )
                except DATABASE_OUTAGE_ERRORS as exc:
                    # The database is away: the run's own steps retry (or give up and say
                    # so); beating on means the first beat after it returns shows life.
                    logger.warning(
                        "Heartbeat of execution %s: database unavailable (%s)",
                        self.execution_id,
                        database_error_summary(exc),
                    )
                    close_broken_connection()
                    continue
                if not alive:
                    self.lost.set()
                    return
        except Exception:  # A failed beat must not kill the run; the sweep is the judge.
            logger.exception("Heartbeat of execution %s failed", self.execution_id)
        finally:
            connection.close()  # This thread's own connection.

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)


def _leftovers(feed: Feed) -> tuple[list[int], list[int]]:
    """Articles of the feed a previous, interrupted run stored but did not finish."""
    mine = Article.objects.filter(feeds=feed, duplicate_of__isnull=True)
    # Extraction's own claim skips pending articles that a live run still holds.
    pending = mine.filter(status=ArticleStatus.PENDING)
    unreported = mine.filter(
        report__isnull=True, status__in=[ArticleStatus.EXTRACTED, ArticleStatus.FAILED]
    )
    return (
        list(pending.order_by("id").values_list("id", flat=True)[:LEFTOVER_LIMIT]),
        list(unreported.order_by("id").values_list("id", flat=True)[:LEFTOVER_LIMIT]),
    )


def _count_page_outcomes(counters: dict[str, int], done: list[Article], made: list) -> int:
    """Add a batch's pages and reports to the counters; returns how many rules excluded."""
    excluded = sum(report.status == ReportStatus.EXCLUDED for report in made)
    counters["pages_fetched"] += len(done)
    counters["extracted"] += sum(a.status != ArticleStatus.FAILED for a in done)
    counters["copies"] += sum(a.duplicate_of_id is not None for a in done)
    counters["unreadable"] += sum(a.status == ArticleStatus.FAILED for a in done)
    counters["excluded"] += excluded
    return excluded


def _analysed(article_ids: list[int], options: AnalysisOptions, guard: Guard) -> list:
    """The batch's reports, made once even when the database went away half-way through."""
    attempts = 0

    def step() -> list:
        nonlocal attempts
        attempts += 1
        made = reports_analyse(article_ids=article_ids, options=options)
        if attempts > 1:
            # A retry skips the articles analysed before the failure; they are still ours.
            made = list(Report.objects.filter(article_id__in=article_ids))
        return made

    return guard(step, "analysing articles")


def run_feed(
    job: Job,
    feed: Feed,
    counters: dict[str, int],
    beat: Callable[[], None],
    publish: Callable[[], None] = lambda: None,
    guard: Guard = _unguarded,
) -> tuple[bool, str]:
    """One unit of work: (ok, log line).

    ``beat`` raises StopRun when we must stop (checked before each batch); ``publish`` writes
    the counters after each batch and never stops the unit half-way through its bookkeeping.
    ``guard`` runs each database step again while the database is away (each step is
    idempotent: refreshing stores an entry once, extraction keeps its claim token, analysis
    skips articles that have a report), so a short outage costs a pause, not the unit.
    """
    # In memory only: the refresh saves with update_fields, so the feed's own values stay.
    if job.feed_timeout:
        feed.fetch_timeout = job.feed_timeout
    if job.max_articles:
        feed.max_articles_per_run = min(feed.max_articles_per_run, job.max_articles)
    result = guard(lambda: feed_refresh(feed=feed), "refreshing a feed")
    if result.failed:
        counters["errors"] += 1
        return False, f"Feed “{feed.name}” failed: {result.error}"
    counters["new_articles"] += len(result.new_article_ids)
    pending, unreported = guard(lambda: _leftovers(feed), "reading leftovers")
    to_extract = list(dict.fromkeys([*result.new_article_ids, *pending]))
    counters["feed_articles_total"] = len(to_extract) + len(unreported)
    counters["feed_articles_done"] = 0
    copies, unreadable = counters["copies"], counters["unreadable"]
    analysed = reports = excluded = 0
    # The job's own keyword rules apply on top of the organization's.
    options = AnalysisOptions(use_llm=job.use_llm, job_id=job.pk, mode=job.analysis_mode or None)
    for start in range(0, len(to_extract), EXTRACT_BATCH):
        beat()
        batch = to_extract[start : start + EXTRACT_BATCH]
        # One claim token for every attempt: a retry takes back the batch it had claimed.
        claim = timezone.now()
        done = guard(
            lambda batch=batch, claim=claim: articles_extract(
                article_ids=batch, timeout=float(feed.fetch_timeout), claimed_at=claim
            ),
            "extracting pages",
        )
        originals = [a.pk for a in done if a.duplicate_of_id is None]
        made = _analysed(originals, options, guard)
        excluded += _count_page_outcomes(counters, done, made)
        analysed, reports = analysed + len(originals), reports + len(made)
        counters["analysed"] += len(originals)
        counters["reports"] += len(made)
        counters["feed_articles_done"] += len(batch)
        publish()  # One UPDATE per batch: the run page moves page batch by page batch.
    if unreported:
        made = _analysed(unreported, options, guard)
        excluded += _count_page_outcomes(counters, [], made)
        analysed, reports = analysed + len(unreported), reports + len(made)
        counters["analysed"] += len(unreported)
        counters["reports"] += len(made)
        counters["feed_articles_done"] += len(unreported)
        publish()
    copies, unreadable = counters["copies"] - copies, counters["unreadable"] - unreadable
    why = [
        f"{copies} copies of earlier articles" if copies else "",
        f"{excluded} excluded by keyword rules" if excluded else "",
        f"{unreadable} pages could not be fetched or read" if unreadable else "",
    ]
    because = "; ".join(reason for reason in why if reason)
    return True, (
        f"Feed “{feed.name}”: {counted(len(result.new_article_ids), 'new article')}, "
        f"{analysed} analysed, {counted(reports, 'report')}{f' ({because})' if because else ''}."
    )


def _final_status(counters: dict[str, int], timed_out: bool) -> str:
    if timed_out:
        return ExecutionStatus.TIMED_OUT
    if counters["errors"] and counters["errors"] >= counters["feeds_total"]:
        return ExecutionStatus.FAILED
    return ExecutionStatus.PARTIAL if counters["errors"] else ExecutionStatus.SUCCEEDED


def execution_run(
    *,
    execution_id: int,
    task_id: str,
    hostname: str,
    pid: int,
    time_limit: float | None = None,
    soft_time_limit: float | None = None,
) -> str | None:
    """Claim and run the execution; returns its final status, or None if it was not ours
    (or its final status could not be written yet: a thread writes it when the database
    answers). ``time_limit``/``soft_time_limit``: the task's time limits in seconds, if any."""
    guard = RunGuard(execution_id, time_limit, soft_time_limit)
    # The claim rides out a database outage too (a run that starts while PostgreSQL is away).
    # Past the budget, or at the time limit, the run is failed with that reason.
    try:
        claimed = guard(
            lambda: execution_claim(
                execution_id=execution_id, task_id=task_id, hostname=hostname, pid=pid
            ),
            "claiming the run",
        )
    except (SoftTimeLimitExceeded, *DATABASE_OUTAGE_ERRORS) as exc:
        return fail_unclaimed(guard, exc)
    if not claimed:
        logger.info(
            "Execution %s already claimed, finished or cancelled: nothing to do", execution_id
        )
        return None
    counters = dict.fromkeys(COUNTERS, 0)
    timed_out, error = False, ""
    database_error: BaseException | None = None
    heartbeat = HeartbeatThread(execution_id, counters)
    try:
        # From here on the row is "running": whatever stops the run (the time limit, an
        # outage past the budget) must end in a final status with its reason.
        execution = guard(
            lambda: JobExecution.objects.select_related("job").get(pk=execution_id), "starting"
        )
        job = execution.job
        feeds = guard(
            lambda: list(Feed.objects.filter(pk__in=job_feed_ids(job)).order_by("id")),
            "starting",
        )
        counters["feeds_total"] = len(feeds)

        def log(message: str, level: str = EventLevel.INFO) -> None:
            guard(
                lambda: event_add(execution_id=execution_id, message=message, level=level),
                "writing the log",
            )

        log(f"Started on {hostname} pid {pid}: {counted(len(feeds), 'feed')}.")
        if not feeds:
            return guard.record_outcome(
                lambda: _conclude_empty(execution_id, job, counters), "finishing"
            )

        def beat() -> None:
            guard.check_soft_limit()
            if heartbeat.lost.is_set() or not guard(
                lambda: execution_heartbeat(execution_id=execution_id, counters=counters),
                "recording progress",
            ):
                raise StopRun

        def publish() -> None:
            # The same conditional UPDATE; a refusal is acted on at the next beat().
            guard(
                lambda: execution_heartbeat(execution_id=execution_id, counters=counters),
                "recording progress",
            )

        heartbeat.start()
        for feed in feeds:
            beat()  # Between units: the cancel check and the zombie check in one UPDATE.
            try:
                ok, line = run_feed(job, feed, counters, beat, publish, guard)
            except (StopRun, SoftTimeLimitExceeded, *DATABASE_OUTAGE_ERRORS):
                raise  # The run stops (a database outage: after retrying for the budget).
            except Exception as exc:  # One broken feed must not stop the others.
                logger.exception("Job %s: feed %s crashed", job.pk, feed.pk)
                counters["errors"] += 1
                ok, line = False, f"Feed “{feed.name}” crashed: {exc}"
            counters["feeds_done"] += 1
            counters["feed_articles_total"] = counters["feed_articles_done"] = 0
            log(line, EventLevel.INFO if ok else EventLevel.WARNING)
    except StopRun:
        pass
    except SoftTimeLimitExceeded:
        timed_out = True
        error = time_limit_reason(guard)  # Says so when it struck during an outage.
    except DATABASE_OUTAGE_ERRORS as exc:
        database_error = exc
    finally:
        if heartbeat.ident is not None:  # Started: the run got past its empty-job check.
            heartbeat.stop()
            close_old_connections()
    if database_error is not None:
        return conclude_database_unavailable(guard, counters, database_error)
    return guard.record_outcome(
        lambda: _conclude(execution_id, counters, timed_out, error), "finishing"
    )


def nothing_to_run_message(job: Job) -> str:
    """Why a run of the job would fetch nothing (all its feeds disabled), or ""."""
    if job_feed_ids(job):
        return ""
    chosen = job.feeds.count()
    if chosen:
        which = (
            "The one feed of this job is" if chosen == 1 else f"All {chosen} feeds of this job are"
        )
        return (
            f"{which} disabled: nothing was fetched. "
            "Enable a feed or choose other feeds for the job."
        )
    return "The organization has no enabled feed: nothing was fetched. Enable or add a feed."


def _conclude_empty(execution_id: int, job: Job, counters: dict[str, int]) -> str:
    # Not "Succeeded · 0 feeds": a run that could not fetch anything has failed its purpose,
    # and the reason is a warning the user can act on, not a crash.
    message = nothing_to_run_message(job)
    with transaction.atomic():
        if execution_finish(
            execution_id=execution_id,
            status=ExecutionStatus.FAILED,
            counters=counters,
            error_message=message,
        ):
            event_add(execution_id=execution_id, message=message, level=EventLevel.WARNING)
    return JobExecution.objects.values_list("status", flat=True).get(pk=execution_id)


def _conclude(execution_id: int, counters: dict[str, int], timed_out: bool, error: str) -> str:
    row = JobExecution.objects.get(pk=execution_id)
    if row.status != ExecutionStatus.RUNNING:
        # Failed by a sweep meanwhile (we were presumed dead): write nothing more.
        logger.warning("Execution %s was marked %s while running; stopping", row.pk, row.status)
        return row.status
    if row.cancel_requested:
        status = ExecutionStatus.CANCELLED
        done, total = counters["feeds_done"], counters["feeds_total"]
        message = f"Cancelled after {done} of {counted(total, 'feed')}."
    else:
        status = _final_status(counters, timed_out)
        message = (
            error
            or f"Finished: {counted(counters['feeds_done'], 'feed')}, "
            f"{counted(counters['reports'], 'report')}."
        )
        if status == ExecutionStatus.FAILED and not error:
            error = "Every feed failed; see the log lines."
    # One transaction: a reader never sees the final status without the closing line.
    with transaction.atomic():
        if execution_finish(
            execution_id=execution_id, status=status, counters=counters, error_message=error
        ):
            event_add(execution_id=execution_id, message=message)
    return status
