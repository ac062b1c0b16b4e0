"""The stuck-run sweep, run by the beat process itself.

The sweep is a scheduled task, so it needs a live worker: with the only worker killed, a run
stayed "running" for 10 minutes while 14 sweep tasks waited in the queue. Beat is up when
workers are not (exactly one runs, in every deployment), so it also runs the sweep in a thread
of its own, every ``JOB_WATCHDOG_SECONDS``. Sweeping twice is harmless: failing a run is a
conditional update that only one sweeper wins.
"""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections, connection

logger = logging.getLogger(__name__)


class SweepWatchdog(threading.Thread):
    def __init__(self, interval: float) -> None:
        super().__init__(name="job-sweep-watchdog", daemon=True)
        self.interval = interval
        self._stop_event = threading.Event()

    def run(self) -> None:
        from jobs.services.sweep import execution_sweep_stuck

        while not self._stop_event.wait(self.interval):
            try:
                close_old_connections()
                # Without inspecting workers: the point is to work when none answers.
                swept = execution_sweep_stuck(use_inspect=False)
                if swept:
                    logger.warning("Watchdog failed %s lost job runs", len(swept))
            except Exception:  # The database may be down; try again next time.
                logger.exception("The job sweep watchdog could not sweep")
            try:
                # Operator alerts need a worker to run their task, and "no worker" is one of
                # them: with no evaluation for a few minutes, beat evaluates them here.
                from monitoring.operator_alerts import operator_alerts_fallback

                operator_alerts_fallback()
            except Exception:
                logger.exception("The watchdog could not evaluate the operator alerts")
            finally:
                connection.close()  # This thread's own connection.

    def stop(self) -> None:
        self._stop_event.set()


def start_watchdog() -> SweepWatchdog | None:
    from django.conf import settings

    if not settings.JOB_WATCHDOG_SECONDS:
        return None
    watchdog = SweepWatchdog(settings.JOB_WATCHDOG_SECONDS)
    watchdog.start()
    logger.info("Job sweep watchdog every %s s", settings.JOB_WATCHDOG_SECONDS)
    return watchdog
