"""Jobs pages: drawer form validation, list, controls, and isolation between organizations."""

import pytest
from django.urls import reverse
from django_celery_beat.models import PeriodicTask
from kombu.exceptions import OperationalError

from jobs.models import ExecutionStatus, Job, JobExecution
from jobs.services.executions import execution_enqueue
from tests.feeds.builders import make_feed
from tests.jobs.builders import SCHEDULE, make_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def feed(org_a):
    return make_feed(org_a, "https://news.example/feed.xml", name="Wire")


def form_data(**values):
    return {
        "name": "Morning run",
        "interval_every": "1",
        "interval_unit": "hours",
        "enabled": "on",
        **SCHEDULE,
        **values,
    }


def test_creating_a_job_in_the_drawer_saves_it_with_its_schedule(client_for, alice, feed):
    response = client_for(alice).post(
        reverse("jobs:create"), form_data(feeds=[feed.pk]), headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == reverse("jobs:list")
    job = Job.objects.get()
    assert list(job.feeds.all()) == [feed]
    assert PeriodicTask.objects.get(name=f"job:{job.pk}").crontab.hour == "7"
    page = client_for(alice).get(reverse("jobs:list")).content.decode()
    assert "every day at 07:00 Europe/Paris" in page
    assert "Run now" in page


def test_the_preview_describes_the_schedule_without_saving(client_for, alice, feed):
    data = form_data(_preview="1", cron_day_of_week="1-5", cron_hour="8", cron_minute="30")
    response = client_for(alice).post(reverse("jobs:create"), data)

    assert "Runs at 08:30, Monday through Friday Europe/Paris." in response.content.decode()
    assert not Job.objects.exists()


def test_the_live_preview_answers_as_the_fields_change_even_before_a_name(client_for, alice, feed):
    url = reverse("jobs:schedule_preview")
    client = client_for(alice)

    weekdays = client.post(url, form_data(name="", cron_day_of_week="1-5", cron_minute="30"))
    broken = client.post(url, form_data(name="", cron_hour="7-99"))

    assert weekdays.content.decode().count("Runs at 07:30, Monday through Friday") == 1
    assert 'id="schedule-preview"' in weekdays.content.decode()
    text = broken.content.decode()
    assert "Runs" not in text and "Hour:" in text and "is not a valid crontab value" in text
    assert not Job.objects.exists()
    assert client.get(url).status_code == 405


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"cron_hour": "7-99"}, "is not a valid crontab value"),
        ({"timezone": "Europe/Atlantis"}, "is not a known time zone"),
        ({"recipients": "not-an-email"}, "is not an email address"),
        # Heartbeats come every 30 s: 10 s failed a live run 17 s after its heartbeat.
        ({"stuck_after_seconds": "10"}, "At least 60 s: a running job sends a heartbeat every"),
    ],
)
def test_bad_input_is_a_field_error_and_nothing_is_saved(client_for, alice, feed, values, message):
    response = client_for(alice).post(reverse("jobs:create"), form_data(**values))

    # 200, not 400: htmx swaps only 2xx answers into the drawer.
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Job.objects.exists()


def test_a_job_with_no_feeds_in_an_organization_without_feeds_is_refused(client_for, alice):
    response = client_for(alice).post(reverse("jobs:create"), form_data())

    assert response.status_code == 200
    assert "no enabled feed" in response.content.decode()


@pytest.mark.django_db(transaction=True)  # on_commit runs at once, as in a real request
def test_run_now_with_the_broker_down_shows_the_error_and_leaves_nothing_queued(
    client_for, alice, feed, monkeypatch
):
    from jobs import tasks

    def refuse(*args, **kwargs):
        raise OperationalError("Connection refused")

    monkeypatch.setattr(tasks.run_job_execution, "apply_async", refuse)
    job = make_job(feed.organization)

    response = client_for(alice).post(reverse("jobs:run", args=[job.pk]), follow=True)

    assert "The task queue is not answering" in response.content.decode()
    assert JobExecution.objects.get().status == ExecutionStatus.FAILED


def test_bulk_pause_and_resume_once_confirmed(client_for, alice, feed):
    first, second = make_job(feed.organization), make_job(feed.organization, name="Other")
    client = client_for(alice)

    ask = client.post(reverse("jobs:bulk"), {"action": "pause", "ids": [first.pk, second.pk]})
    assert "Pause 2 jobs?" in ask.content.decode()
    assert PeriodicTask.objects.filter(name__startswith="job:", enabled=True).count() == 2
    confirmed = {"action": "pause", "ids": [first.pk, second.pk], "confirmed": "1"}
    client.post(reverse("jobs:bulk"), confirmed)
    assert not PeriodicTask.objects.filter(name__startswith="job:", enabled=True).exists()
    client.post(reverse("jobs:bulk"), {"action": "resume", "ids": [first.pk], "confirmed": "1"})
    assert list(
        PeriodicTask.objects.filter(name__startswith="job:", enabled=True).values_list(
            "name", flat=True
        )
    ) == [f"job:{first.pk}"]


def test_bulk_pause_says_which_were_already_paused_and_counts_both(client_for, alice, feed):
    first, second = make_job(feed.organization), make_job(feed.organization, name="Other")
    client = client_for(alice)
    client.post(reverse("jobs:bulk"), {"action": "pause", "ids": [second.pk], "confirmed": "1"})

    ask = client.post(reverse("jobs:bulk"), {"action": "pause", "ids": [first.pk, second.pk]})
    assert "1 skipped: already paused." in ask.content.decode()
    assert "Pause 1 job" in ask.content.decode()  # the button counts what will change
    done = client.post(
        reverse("jobs:bulk"),
        {"action": "pause", "ids": [first.pk, second.pk], "confirmed": "1"},
        follow=True,
    )

    assert "1 job paused, 1 skipped: already paused." in done.content.decode()
    assert not Job.objects.filter(enabled=True).exists()


def test_the_execution_page_shows_progress_and_a_cancel_button(client_for, alice, feed):
    execution = execution_enqueue(job=make_job(feed.organization))

    page = client_for(alice).get(execution.get_absolute_url()).content.decode()

    assert '<progress id="execution-progress" max="100" value="0">' in page
    assert "Cancel" in page
    client_for(alice).post(reverse("jobs:cancel", args=[execution.pk]), {"confirmed": "1"})
    execution.refresh_from_db()
    assert execution.status == ExecutionStatus.CANCELLED


def test_another_organizations_jobs_and_executions_are_404_everywhere(
    client_for, charlie, alice, feed
):
    job = make_job(feed.organization)
    execution = execution_enqueue(job=job)
    client = client_for(charlie)

    for name in ("detail", "edit", "delete"):
        assert client.get(reverse(f"jobs:{name}", args=[job.pk])).status_code == 404
    for name in ("run", "toggle"):
        assert client.post(reverse(f"jobs:{name}", args=[job.pk])).status_code == 404
    assert client.get(execution.get_absolute_url()).status_code == 404
    for name in ("cancel", "retry"):
        assert client.post(reverse(f"jobs:{name}", args=[execution.pk])).status_code == 404
    client.post(reverse("jobs:bulk"), {"action": "delete", "ids": [job.pk], "confirmed": "1"})
    assert Job.objects.filter(pk=job.pk).exists()
    assert "Morning run" not in client.get(reverse("jobs:list")).content.decode()


def test_the_execution_page_shows_the_workers_central_log_lines(client_for, alice, org_a, org_b):
    from django.utils import timezone

    from jobs.models import Job, JobExecution
    from monitoring.models import LogEntry

    job = Job.objects.create(organization=org_a, name="Morning")
    execution = JobExecution.objects.create(organization=org_a, job=job)
    common = {
        "time": timezone.now(),
        "level": 20,
        "logger": "jobs",
        "role": "worker",
        "host": "worker-1",
        "pid": 4242,
    }
    LogEntry.objects.create(
        message="Fetched 3 feeds",
        execution_id=execution.pk,
        organization=org_a,
        stream_id="1-0",
        **common,
    )
    LogEntry.objects.create(
        message="Someone else's run", execution_id=999999, stream_id="2-0", **common
    )

    body = client_for(alice).get(execution.get_absolute_url()).content.decode()

    assert "Fetched 3 feeds" in body
    assert "Someone else&#x27;s run" not in body and "Someone else's run" not in body
