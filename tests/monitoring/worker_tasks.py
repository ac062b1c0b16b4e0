"""A task for the subprocess tests only: the worker imports this module through ``-I``.

It is not in an app's tasks.py, so production workers never register it.
"""

import logging
import os

from marketing_hunting.celery import app

logger = logging.getLogger("tests.monitoring.marker")


@app.task(name="tests.monitoring.log_marker", ignore_result=True)
def log_marker(marker: str) -> None:
    logger.info("marker %s from pid %d", marker, os.getpid())
