"""``manage.py collect_logs``: the one process that writes the log file and LogEntry rows."""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from marketing_hunting.command_args import whole_number
from monitoring.collector import Collector, RedisSource, Source, SpoolSource
from monitoring.logfile import RotatingLogFile

logger = logging.getLogger(__name__)


def make_source() -> Source:
    if settings.REDIS_URL:
        return RedisSource(url=settings.REDIS_URL, stream=settings.LOG_STREAM)
    return SpoolSource(
        spool_dir=settings.LOG_SPOOL_DIR, state_path=settings.LOG_DIR / "collector-state.json"
    )


def make_logfile() -> RotatingLogFile:
    return RotatingLogFile(
        settings.LOG_FILE,
        max_bytes=settings.LOG_FILE_MAX_BYTES,
        rotate_seconds=settings.LOG_FILE_ROTATE_HOURS * 3600,
        backups=settings.LOG_FILE_BACKUPS,
    )


class Command(BaseCommand):
    help = (
        "Collect the log records every process ships (Redis stream or spool files) into the "
        "rotating log file and the LogEntry table. Run exactly one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="collect what is waiting, then exit"
        )
        parser.add_argument(
            "--batch-size",
            type=whole_number(1, 100_000),
            default=1000,
            help="records per batch, 1 to 100000",
        )

    def connect(self, should_stop: Callable[[], bool]) -> Source | None:
        """The source, waiting for Redis if it is not up yet (it may start after us)."""
        delay = 1.0
        while not should_stop():
            try:
                return make_source()
            except Exception as exc:
                logger.warning("Log source not reachable (%s); retrying in %.0f s", exc, delay)
                deadline = time.monotonic() + delay
                while time.monotonic() < deadline and not should_stop():
                    time.sleep(0.1)
                delay = min(delay * 2, 30.0)
        return None

    def handle(self, *args: Any, once: bool, batch_size: int, **options: Any) -> None:
        stop = {"requested": False}

        def request_stop(signum: int, _frame: Any) -> None:
            # Finish the batch in hand (written, stored, acknowledged), then leave.
            stop["requested"] = True

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        source = self.connect(lambda: stop["requested"])
        if source is None:
            return
        logfile = make_logfile()
        collector = Collector(source, logfile, batch_size=batch_size)
        if not once:
            self.stdout.write(
                f"Collecting logs from {'Redis' if settings.REDIS_URL else 'spool files'} "
                f"into {logfile.path} and the database. Ctrl-C stops."
            )
            self.stdout.flush()
        try:
            collector.run(lambda: stop["requested"], once=once)
        finally:
            logfile.close()
            source.close()
        if once:
            self.stdout.write(f"Collected {collector.processed} log records.")
