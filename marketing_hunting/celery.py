"""The Celery application, configured from Django settings (``CELERY_*``)."""

import os
from typing import Any

from celery import Celery
from celery.signals import (
    beat_init,
    celeryd_init,
    setup_logging,
    task_postrun,
    task_prerun,
    worker_process_init,
    worker_process_shutdown,
    worker_ready,
    worker_shutting_down,
)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketing_hunting.settings")

app = Celery("marketing_hunting")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def configure_logging(**_kwargs: Any) -> None:
    # Connecting this signal stops Celery from configuring logging itself, so the worker and
    # beat use exactly the project's configuration (applied once per process) and no line is
    # printed twice. Handlers are never added in after_setup_logger.
    from marketing_hunting.logging import configure_from_settings

    configure_from_settings()


@celeryd_init.connect
def _role_worker(**_kwargs: Any) -> None:
    from marketing_hunting.logging import set_role

    set_role("worker")


@beat_init.connect
def _role_beat(**_kwargs: Any) -> None:
    from marketing_hunting.logging import set_role

    set_role("beat")


@beat_init.connect
def _start_sweep_watchdog(**_kwargs: Any) -> None:
    # Beat runs when workers do not: it sweeps lost runs itself (jobs/watchdog.py).
    from jobs.watchdog import start_watchdog

    start_watchdog()


@beat_init.connect
def _start_beat_heartbeat(sender: Any = None, **_kwargs: Any) -> None:
    # Beat's last tick, for the System health page (monitoring/heartbeats.py).
    from monitoring.heartbeats import beat_heartbeat_start

    beat_heartbeat_start(sender)


@worker_ready.connect
def _start_worker_heartbeat(sender: Any = None, **_kwargs: Any) -> None:
    # "A worker seen in the last 2 minutes" (/readyz) on every broker, the filesystem one too.
    from monitoring.heartbeats import worker_heartbeat_start

    worker_heartbeat_start(sender)


@worker_shutting_down.connect
def _stop_worker_heartbeat(**_kwargs: Any) -> None:
    from monitoring.heartbeats import worker_heartbeat_stop

    worker_heartbeat_stop()


@worker_process_init.connect
def _fresh_log_shipping_in_child(**_kwargs: Any) -> None:
    # A prefork child starts its own log sender thread; os.register_at_fork does this already,
    # the signal covers pools that start children some other way.
    from monitoring.shipping import reset_after_fork

    reset_after_fork()


@worker_process_shutdown.connect
def _flush_log_shipping(**_kwargs: Any) -> None:
    # Children leave through os._exit (no atexit): hand over what they logged last.
    from monitoring.shipping import flush_all

    flush_all(timeout=2.0)


_task_log_tokens: dict[str, list[Any]] = {}


@task_prerun.connect
def _bind_task_log_context(task_id: str, task: Any, kwargs: dict | None = None, **_: Any) -> None:
    # Tasks take ids (house rule 4); the ones named like this tag every line the task logs.
    from marketing_hunting.logging import bind

    kwargs = kwargs or {}
    _task_log_tokens[task_id] = bind(
        task_id=task_id,
        organization_id=kwargs.get("organization_id"),
        execution_id=kwargs.get("execution_id"),
    )


@task_postrun.connect
def _unbind_task_log_context(task_id: str, **_: Any) -> None:
    from marketing_hunting.logging import unbind

    tokens = _task_log_tokens.pop(task_id, None)
    if tokens:
        unbind(tokens)
