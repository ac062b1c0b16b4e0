"""One logging configuration for web, worker, beat and management commands.

Every process applies ``settings.LOGGING`` exactly once, through :func:`configure_once`: Django
calls it (``LOGGING_CONFIG``) and so does Celery's ``setup_logging`` signal, whichever comes
first wins and the other is a no-op. Celery would otherwise add its own handlers on top of ours
and every line would appear twice.

Every record carries the process role (web/worker/beat/command), host name, pid, organization id,
job execution id and Celery task id. The ids live in context variables, bound by the request
middleware, Celery's task signals or :func:`log_context`, and a filter copies them onto each
record, so loggers everywhere stay plain ``logging.getLogger(__name__)``.
"""

from __future__ import annotations

import contextvars
import json
import logging
import logging.config
import os
import socket
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from marketing_hunting.scrubbing import FILTERED, TOKEN_PATH

ROLES = ("web", "worker", "beat", "command")
LOG_FORMATS = ("console", "json")

organization_id_var: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "log_organization_id", default=None
)
execution_id_var: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "log_execution_id", default=None
)
task_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "log_task_id", default=None
)

_CONTEXT_VARS: dict[str, contextvars.ContextVar[Any]] = {
    "organization_id": organization_id_var,
    "execution_id": execution_id_var,
    "task_id": task_id_var,
}


def detect_role(argv: Sequence[str]) -> str:
    """The role a process plays, judged from how it was started.

    Celery's ``celeryd_init``/``beat_init`` signals confirm it later (see ``set_role``); this
    guess covers the records logged before they fire.
    """
    program = Path(argv[0]).name if argv else ""
    rest = list(argv[1:])
    if program == "celery" or (program == "__main__.py" and "celery" in argv[0]):
        for word in rest:
            if word in ("worker", "beat"):
                return word
        return "command"
    if program in ("manage.py", "django-admin"):
        command = next((word for word in rest if not word.startswith("-")), "")
        # runserver serves pages: its records belong with the web server's.
        return "web" if command == "runserver" else "command"
    return "web"


_role = detect_role(sys.argv)
_hostname = socket.gethostname()


def set_role(role: str) -> None:
    global _role
    if role not in ROLES:
        raise ValueError(f"Unknown log role {role!r}; expected one of {', '.join(ROLES)}.")
    _role = role


def current_role() -> str:
    return _role


@contextmanager
def log_context(
    *, organization_id: int | None = None, execution_id: int | None = None
) -> Iterator[None]:
    """Tag every record logged inside the block with these ids (only the ones given)."""
    tokens = bind(organization_id=organization_id, execution_id=execution_id)
    try:
        yield
    finally:
        unbind(tokens)


def bind(**values: Any) -> list[contextvars.Token[Any]]:
    """Set the given context ids (None values are skipped); returns tokens for :func:`unbind`."""
    tokens = []
    for name, value in values.items():
        if value is not None:
            tokens.append(_CONTEXT_VARS[name].set(value))
    return tokens


def unbind(tokens: list[contextvars.Token[Any]]) -> None:
    for token in reversed(tokens):
        try:
            token.var.reset(token)
        except ValueError:
            # Set in another context (a signal sent from another thread): clear it instead.
            token.var.set(None)


class ContextFilter(logging.Filter):
    """Copies role, host and the bound ids onto each record; never rejects one.

    Values passed explicitly with ``extra={...}`` win over the context, so a service can log
    about another execution than the one it runs in.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        attrs = record.__dict__
        attrs.setdefault("role", _role)
        attrs.setdefault("hostname", _hostname)
        attrs.setdefault("organization_id", organization_id_var.get())
        attrs.setdefault("execution_id", execution_id_var.get())
        attrs.setdefault("task_id", task_id_var.get())
        return True


# Requests that succeed thousands of times a day and tell nobody anything: uptime probes and
# static files. Their access lines filled the Logs page (and its table) within minutes.
QUIET_PATHS = ("/healthz", "/readyz", "/favicon.ico")
QUIET_PREFIXES = ("/static/",)


class QuietAccessFilter(logging.Filter):
    """Drops uvicorn's access line for a successful probe or static file; errors stay."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        # uvicorn.access: (client, method, path with query, HTTP version, status code).
        if not isinstance(args, tuple) or len(args) != 5:
            return True
        path, status = str(args[2]).split("?", 1)[0], args[4]
        if TOKEN_PATH.match(path):
            # A share or unsubscribe token is a credential: the stored line must not open it.
            record.args = (*args[:2], TOKEN_PATH.sub(rf"\g<1>{FILTERED}", path), *args[3:])
        if not isinstance(status, int) or status >= 400:
            return True
        return not (path in QUIET_PATHS or path.startswith(QUIET_PREFIXES))


def record_to_dict(record: logging.LogRecord, message: str, exc_text: str) -> dict[str, Any]:
    """The one structured shape of a record: JSON console lines, shipped entries, the log file."""
    attrs = record.__dict__
    return {
        "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="microseconds"),
        "level": record.levelname,
        "logger": record.name,
        "message": message,
        "role": attrs.get("role", _role),
        "host": attrs.get("hostname", _hostname),
        "pid": record.process,
        "organization_id": attrs.get("organization_id"),
        "execution_id": attrs.get("execution_id"),
        "task_id": attrs.get("task_id"),
        "exc": exc_text,
    }


def exception_text(record: logging.LogRecord, formatter: logging.Formatter) -> str:
    if record.exc_info and not record.exc_text:
        record.exc_text = formatter.formatException(record.exc_info)
    text = record.exc_text or ""
    if record.stack_info:
        text = f"{text}\n{formatter.formatStack(record.stack_info)}".strip()
    return text


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log processors (``LOG_FORMAT=json``)."""

    def format(self, record: logging.LogRecord) -> str:
        data = record_to_dict(record, record.getMessage(), exception_text(record, self))
        return json.dumps(data, default=str, ensure_ascii=False)


class ConsoleFormatter(logging.Formatter):
    """Human-readable lines; the context ids are appended only when they are set."""

    default_format = "%(asctime)s %(levelname)-7s %(role)s %(name)s [pid %(process)d] %(message)s"

    def __init__(self, fmt: str | None = None, datefmt: str | None = None) -> None:
        super().__init__(fmt or self.default_format, datefmt)

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.__dict__.setdefault("role", _role)
        line = super().formatMessage(record)
        attrs = record.__dict__
        extras = [
            f"{label}={attrs[key]}"
            for key, label in (("organization_id", "org"), ("execution_id", "exec"))
            if attrs.get(key) is not None
        ]
        if attrs.get("task_id"):
            extras.append(f"task={attrs['task_id']}")
        return f"{line} [{' '.join(extras)}]" if extras else line


def build_logging_config(
    level: str,
    *,
    log_format: str = "console",
    shipping: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The dictConfig for every process.

    ``shipping`` holds the keyword arguments of ``monitoring.shipping.ShippingHandler`` (None
    turns aggregation off). The console always prints each record once; the shipping handler
    sends it to the collector, which alone writes the shared log file.
    """
    if log_format not in LOG_FORMATS:
        raise ValueError(f"log_format must be one of {LOG_FORMATS}, not {log_format!r}")
    handlers: dict[str, Any] = {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": log_format,
            "filters": ["context"],
        },
    }
    if shipping is not None:
        handlers["ship"] = {
            "class": "monitoring.shipping.ShippingHandler",
            "filters": ["context"],
            **shipping,
        }
    root_handlers = list(handlers)
    # Loggers that other libraries give handlers of their own are reset to none and propagate
    # to root, so their lines are printed (and shipped) once, in our format.
    propagate_only = {"handlers": [], "propagate": True}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "context": {"()": "marketing_hunting.logging.ContextFilter"},
            "quiet_access": {"()": "marketing_hunting.logging.QuietAccessFilter"},
        },
        "formatters": {
            "console": {"()": "marketing_hunting.logging.ConsoleFormatter"},
            "json": {"()": "marketing_hunting.logging.JsonFormatter"},
        },
        "handlers": handlers,
        "root": {"handlers": root_handlers, "level": level},
        "loggers": {
            "django": {**propagate_only, "level": "INFO"},
            "django.server": propagate_only,
            # Django's request logger repeats what uvicorn already logs for each request.
            "django.request": {**propagate_only, "level": "ERROR"},
            "django.db.backends": {**propagate_only, "level": "INFO"},
            "uvicorn": propagate_only,
            "uvicorn.error": propagate_only,
            "uvicorn.access": {**propagate_only, "filters": ["quiet_access"]},
            "celery": propagate_only,
            # The shipping handler's own transport must not log into itself.
            "redis": {**propagate_only, "level": "WARNING"},
            # WeasyPrint logs seven "Step n" lines per PDF at INFO; its warnings (a refused
            # URL, a missing font) still come through.
            "weasyprint.progress": {**propagate_only, "level": "WARNING"},
        },
    }


_configured_pid: int | None = None


def configure_once(config: dict[str, Any]) -> None:
    """Apply ``config`` unless this process already did.

    Used as Django's ``LOGGING_CONFIG`` and by Celery's ``setup_logging`` signal: both run in a
    worker, and a second dictConfig would close and rebuild every handler for nothing.
    """
    global _configured_pid
    if _configured_pid == os.getpid():
        return
    logging.config.dictConfig(config)
    _configured_pid = os.getpid()


def configure_from_settings() -> None:
    from django.conf import settings

    configure_once(settings.LOGGING)
