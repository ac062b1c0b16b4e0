"""Every task goes to the queue of its kind of work (marketing_hunting/queues.py)."""

import pytest

from marketing_hunting import queues
from marketing_hunting.celery import app


def queue_of(name: str, args: tuple = (), kwargs: dict | None = None) -> str:
    return app.amqp.router.route({}, name, args, kwargs or {})["queue"].name


def project_tasks() -> list[str]:
    app.loader.import_default_modules()  # What a worker imports: every app's tasks.py.
    return sorted(
        name for name in app.tasks if not name.startswith(("celery.", "tests.")) and "." in name
    )


def test_every_registered_task_has_a_route_to_one_of_the_queues():
    tasks = project_tasks()
    assert "jobs.sweep_stuck_executions" in tasks  # The discovery of tasks worked.

    unrouted = [name for name in tasks if queue_of(name) not in queues.QUEUES]

    assert unrouted == [], f"add these tasks to marketing_hunting/queues.py: {unrouted}"


def test_a_new_task_without_a_route_would_land_on_the_default_queue():
    # What the test above catches: Celery's default for a task nobody routed.
    assert queue_of("feeds.some_new_task") == queues.DEFAULT


def test_no_route_names_a_task_that_does_not_exist():
    assert set(queues.ROUTES) - set(project_tasks()) == set()


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("feeds.refresh_feed", "ingest"),
        ("feeds.extract_articles", "ingest"),
        ("jobs.run_execution", "ingest"),
        ("contacts.discover_brand", "discovery"),
        ("jobs.sweep_stuck_executions", "maintenance"),
        ("feeds.refresh_due_feeds", "maintenance"),
        ("reports.analyse_unreported", "maintenance"),
        ("reports.clean_up_exports", "maintenance"),
        ("monitoring.purge_old_log_entries", "maintenance"),
        ("reports.analyse_llm_pending", "llm"),
    ],
)
def test_each_kind_of_work_has_its_queue(task, queue):
    assert queue_of(task) == queue


def test_analysis_goes_to_the_llm_queue_only_when_it_will_call_the_llm(settings):
    settings.OPENAI_API_KEY = "sk-test"
    assert queue_of("reports.analyse_articles", ([1, 2],)) == "llm"
    assert queue_of("reports.analyse_articles", ([1, 2], False)) == "analysis"
    assert queue_of("reports.analyse_articles", (), {"article_ids": [1], "use_llm": False}) == (
        "analysis"
    )

    settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL = "", ""
    assert queue_of("reports.analyse_articles", ([1, 2],)) == "analysis"


def test_a_worker_started_without_queues_consumes_every_queue():
    # `make run` (the Procfile) and the compose "worker" service start one such worker.
    assert set(app.amqp.queues) == {*queues.QUEUES, queues.DEFAULT}
    assert app.conf.task_default_queue == queues.DEFAULT


def _consumed(command: list[str] | str) -> set[str]:
    words = command.split() if isinstance(command, str) else command
    if "worker" not in words:
        return set()
    if "-Q" in words:
        return set(words[words.index("-Q") + 1].split(","))
    return {*queues.QUEUES, queues.DEFAULT}


def test_compose_and_the_procfile_give_every_queue_a_worker_and_maintenance_its_own():
    import yaml
    from django.conf import settings

    compose = yaml.safe_load((settings.BASE_DIR / "docker-compose.yml").read_text())
    consumed = [_consumed(service.get("command", [])) for service in compose["services"].values()]

    assert set(queues.QUEUES) <= set().union(*consumed)
    # A worker that takes maintenance and nothing that can pile up.
    assert any(queues.MAINTENANCE in c and not c & {"ingest", "llm", "analysis"} for c in consumed)

    procfile = (settings.BASE_DIR / "Procfile").read_text().splitlines()
    [worker] = [line for line in procfile if line.startswith("worker:")]
    assert _consumed(worker) == {*queues.QUEUES, queues.DEFAULT}  # `make run`: one takes all.
