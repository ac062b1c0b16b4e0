"""The one logging configuration: roles, context ids on every record, formats, validation."""

import json
import logging
import subprocess
import sys

import pytest
from django.conf import settings

from marketing_hunting import logging as mh_logging
from marketing_hunting.celery import app
from marketing_hunting.logging import (
    ConsoleFormatter,
    ContextFilter,
    JsonFormatter,
    build_logging_config,
    detect_role,
    log_context,
)
from tests.monitoring.processes import ROOT


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.addFilter(ContextFilter())
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def captured():
    handler = Capture()
    logger = logging.getLogger("tests.monitoring.capture")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)


@pytest.mark.parametrize(
    "argv, role",
    [
        ([".venv/bin/celery", "-A", "marketing_hunting", "worker", "--loglevel", "INFO"], "worker"),
        (["/app/.venv/bin/celery", "-A", "marketing_hunting", "beat"], "beat"),
        (["manage.py", "collect_logs"], "command"),
        (["manage.py", "--verbosity", "2", "migrate"], "command"),
        (["manage.py", "runserver"], "web"),
        ([".venv/bin/uvicorn", "marketing_hunting.asgi:application"], "web"),
    ],
)
def test_the_role_comes_from_how_the_process_was_started(argv, role):
    assert detect_role(argv) == role


def test_every_record_carries_role_host_pid_and_the_bound_ids(captured):
    logger = logging.getLogger("tests.monitoring.capture")

    with log_context(organization_id=7, execution_id=42):
        logger.info("inside")
    logger.info("outside")

    inside, outside = captured.records
    assert (inside.organization_id, inside.execution_id) == (7, 42)
    assert inside.role in mh_logging.ROLES
    assert inside.hostname and inside.process
    assert (outside.organization_id, outside.execution_id, outside.task_id) == (None, None, None)


def test_an_id_passed_in_extra_wins_over_the_context(captured):
    with log_context(execution_id=1):
        logging.getLogger("tests.monitoring.capture").info(
            "about another", extra={"execution_id": 2}
        )

    assert captured.records[0].execution_id == 2


def test_a_task_binds_its_id_and_the_ids_in_its_kwargs_for_its_duration(captured):
    @app.task(name="tests.monitoring.log_in_task")
    def log_in_task(organization_id: int, execution_id: int) -> None:
        logging.getLogger("tests.monitoring.capture").info("in the task")

    result = log_in_task.apply(kwargs={"organization_id": 3, "execution_id": 9})
    logging.getLogger("tests.monitoring.capture").info("after the task")

    in_task, after = captured.records
    assert (in_task.task_id, in_task.organization_id, in_task.execution_id) == (result.id, 3, 9)
    assert (after.task_id, after.organization_id, after.execution_id) == (None, None, None)


def _record(**extra) -> logging.LogRecord:
    record = logging.LogRecord(
        "app.module", logging.WARNING, __file__, 1, "hello %s", ("you",), None
    )
    record.__dict__.update(extra)
    ContextFilter().filter(record)
    return record


def test_json_format_is_one_object_per_line_with_every_field():
    line = JsonFormatter().format(_record(organization_id=5, task_id="t-1"))

    data = json.loads(line)
    assert data["message"] == "hello you"
    assert data["level"] == "WARNING"
    assert (data["organization_id"], data["task_id"], data["execution_id"]) == (5, "t-1", None)
    assert {"time", "logger", "role", "host", "pid", "exc"} <= data.keys()


def test_console_format_is_readable_and_shows_only_the_ids_that_are_set():
    plain = ConsoleFormatter().format(_record())
    tagged = ConsoleFormatter().format(_record(organization_id=5, execution_id=8))

    assert plain.endswith("hello you")
    assert "WARNING" in plain and "app.module" in plain
    assert tagged.endswith("hello you [org=5 exec=8]")


def test_the_settings_select_the_format_and_ship_from_every_process(tmp_path):
    config = build_logging_config("INFO", log_format="json", shipping={"spool_dir": str(tmp_path)})

    assert config["handlers"]["console"]["formatter"] == "json"
    assert config["root"]["handlers"] == ["console", "ship"]
    # Celery's and uvicorn's loggers get no handler of their own: one line per record.
    assert config["loggers"]["celery"]["handlers"] == []
    assert config["loggers"]["uvicorn.access"]["handlers"] == []
    assert settings.LOGGING_CONFIG == "marketing_hunting.logging.configure_once"


def test_configuring_twice_in_one_process_changes_nothing():
    root = logging.getLogger()
    before = root.handlers[:]

    mh_logging.configure_once(settings.LOGGING)
    mh_logging.configure_from_settings()

    assert root.handlers == before


@pytest.mark.parametrize("value", ["xml", "JSONL"])
def test_an_unknown_log_format_stops_start_up_naming_the_variable(tmp_path, value):
    env = {"PATH": "/usr/bin:/bin", "VAR_DIR": str(tmp_path), "DEBUG": "true", "LOG_FORMAT": value}

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "marketing_hunting.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert f"LOG_FORMAT={value.lower()!r} is not one of console, json" in result.stderr
