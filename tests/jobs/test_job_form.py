"""The job drawer: quiet when opened, per-kind schedule fields, searchable zones, honest pages."""

import re

import pytest
from django.urls import reverse

from jobs.models import ExecutionStatus, Job, JobExecution
from jobs.services.executions import execution_enqueue
from jobs.timezones import canonical_timezones
from tests.feeds.builders import make_feed
from tests.jobs.builders import SCHEDULE, make_job

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
CRON_BLANK = {name: "" for name in SCHEDULE if name.startswith("cron_")}


@pytest.fixture
def feed(org_a):
    return make_feed(org_a, "https://news.example/feed.xml", name="Wire")


def interval_data(**values):
    return {
        "name": "Hourly",
        "schedule_kind": "interval",
        "interval_every": "1",
        "interval_unit": "hours",
        "timezone": "UTC",
        "enabled": "on",
        **values,
    }


def test_opening_the_drawer_shows_no_error_and_describes_the_hourly_default(
    client_for, alice, feed
):
    html = client_for(alice).get(reverse("jobs:create"), headers=HTMX).content.decode()

    assert "field-error" not in html and "form-errors" not in html
    assert re.search(r'<input[^>]*name="schedule_kind"[^>]*value="interval"[^>]*checked', html)
    assert re.search(r'<option value="hours" selected>', html)
    assert "Runs every hour." in html


def test_the_preview_answer_carries_no_trigger_so_swapping_it_asks_nothing_again(
    client_for, alice, feed
):
    html = client_for(alice).get(reverse("jobs:create"), headers=HTMX).content.decode()
    answer = client_for(alice).post(
        reverse("jobs:schedule_preview"),
        interval_data(interval_every="15", interval_unit="minutes"),
    )
    text = answer.content.decode()

    # The page asks on input only; the swapped answer has no hx- attribute of its own.
    trigger = re.search(r'hx-trigger="([^"]*)"[^>]*hx-target="#schedule-preview"', html)
    assert trigger and "load" not in trigger.group(1)
    assert "hx-" not in text
    assert 'id="schedule-preview"' in text and "Runs every 15 minutes." in text


def test_an_interval_job_saves_although_the_hidden_crontab_fields_are_blank_or_broken(
    client_for, alice, feed
):
    data = {**interval_data(**CRON_BLANK), "cron_hour": "7-99", "timezone": "Nowhere/Atlantis"}

    response = client_for(alice).post(reverse("jobs:create"), data, headers=HTMX)

    assert response.headers.get("HX-Redirect") == reverse("jobs:list")
    job = Job.objects.get()
    assert (job.schedule_kind, job.interval_every, job.interval_unit) == ("interval", 1, "hours")
    assert (job.cron_hour, job.timezone) == ("7", "UTC")  # The defaults, not the hidden junk.


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"schedule_kind": "crontab", **CRON_BLANK, "cron_minute": "30"}, "cron_hour", "required"),
        ({"schedule_kind": "crontab", **SCHEDULE, "timezone": ""}, "timezone", "required"),
        ({"interval_every": ""}, "interval_every", "required"),
        ({"interval_every": "0"}, "interval_every", "greater than or equal to 1"),
        ({"interval_every": "99999999999"}, "interval_every", "less than or equal to 10000"),
        ({"interval_unit": "fortnights"}, "interval_unit", "Select a valid choice"),
        ({"schedule_kind": ""}, "schedule_kind", "required"),
        ({"schedule_kind": "sometimes"}, "schedule_kind", "Select a valid choice"),
        (
            {"schedule_kind": "crontab", **SCHEDULE, "timezone": "<script>x</script>"},
            "timezone",
            "is not a known time zone",
        ),
        (
            {"schedule_kind": "crontab", **SCHEDULE, "timezone": "Europe/" * 100},
            "timezone",
            "at most 64 characters",
        ),
    ],
)
def test_a_missing_or_bad_schedule_value_of_the_chosen_kind_is_its_fields_error(
    client_for, alice, feed, values, field, message
):
    data = {**interval_data(name="Kept name"), **values}
    html = client_for(alice).post(reverse("jobs:create"), data)
    text = html.content.decode()

    assert html.status_code == 200
    error = re.search(rf'<p class="field-error" id="id_{field}_error">([^<]*)</p>', text)
    assert error and message in error.group(1)
    assert 'value="Kept name"' in text
    assert "<script>x" not in text
    assert not Job.objects.exists()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "This field is required."),
        ("x" * 201, "Ensure this value has at most 200 characters (it has 201)."),
    ],
)
def test_an_empty_or_oversized_name_is_refused_keeping_the_schedule(
    client_for, alice, feed, name, message
):
    data = {**interval_data(name=name, interval_every="6"), "recipients": "ops@example.com"}

    text = client_for(alice).post(reverse("jobs:create"), data).content.decode()

    assert f'<p class="field-error" id="id_name_error">{message}</p>' in text
    assert 'name="interval_every" value="6"' in text and "ops@example.com" in text
    assert "Runs every 6 hours." in text  # The preview still describes what was typed.
    assert not Job.objects.exists()


def test_a_hostile_name_is_shown_as_text(client_for, alice, feed):
    data = interval_data(name='<img src=x onerror="alert(1)">')

    client_for(alice).post(reverse("jobs:create"), data)
    html = client_for(alice).get(reverse("jobs:list")).content.decode()

    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "<img src=x" not in html


def test_the_time_zone_is_typed_with_suggestions_canonical_first_and_any_case(
    client_for, alice, feed
):
    html = client_for(alice).get(reverse("jobs:create")).content.decode()
    options = re.findall(r'<option value="([^"]+)">', html.split('id="job-timezones"')[1])

    assert 'list="job-timezones"' in html
    assert options[0] == "UTC"
    canonical = canonical_timezones()
    first_alias = next(i for i, name in enumerate(options[1:], 1) if name not in canonical)
    assert set(options[1:first_alias]) == canonical
    assert "Europe/Paris" in options[1:first_alias] and "US/Eastern" in options[first_alias:]

    data = {**interval_data(), **SCHEDULE, "timezone": "  europe/paris "}
    client_for(alice).post(reverse("jobs:create"), data)
    assert Job.objects.get().timezone == "Europe/Paris"


def test_disabled_feeds_are_marked_in_the_picker_and_on_the_job_page(
    client_for, alice, org_a, feed
):
    old = make_feed(org_a, "https://news.example/old.xml", name="Old wire", enabled=False)
    job = make_job(org_a, feeds=[feed, old])

    html = client_for(alice).get(reverse("jobs:create")).content.decode()
    page = client_for(alice).get(job.get_absolute_url()).content.decode()

    assert "Old wire (disabled: runs skip it)" in html
    assert "Wire (disabled" not in html.replace("Old wire (disabled", "")
    assert 'Old wire <span class="badge">disabled</span>' in page
    assert 'Wire <span class="badge">' not in page.replace("Old wire <span", "")


def test_the_job_page_says_rules_when_no_llm_is_connected(client_for, alice, feed, settings):
    job = make_job(feed.organization, use_llm=True)
    settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL = "", ""

    page = client_for(alice).get(job.get_absolute_url()).content.decode()
    assert "Analysis: rules (no LLM is connected)." in page

    form = client_for(alice).get(reverse("jobs:edit", args=[job.pk])).content.decode()
    assert "No LLM is connected" in form

    settings.OPENAI_BASE_URL = "http://127.0.0.1:9/v1"
    page = client_for(alice).get(job.get_absolute_url()).content.decode()
    assert "Analysis: LLM, " in page and "the organization's mode</span>." in page


def test_every_time_on_the_job_pages_carries_its_zone(client_for, alice, feed):
    job = make_job(feed.organization)  # 07:00 Europe/Paris
    execution = execution_enqueue(job=job)
    JobExecution.objects.filter(pk=execution.pk).update(status=ExecutionStatus.RUNNING)
    execution.refresh_from_db()
    from jobs.services.executions import event_add, execution_heartbeat

    execution_heartbeat(execution_id=execution.pk, counters={})
    event_add(execution_id=execution.pk, message="Started.")
    client = client_for(alice)

    pages = [reverse("jobs:list"), job.get_absolute_url(), execution.get_absolute_url()]
    times = [
        text
        for url in pages
        for text in re.findall(r"<time [^>]*>([^<]*)</time>", client.get(url).content.decode())
    ]

    assert len(times) >= 5, times
    for text in times:
        assert re.search(r"\d\d:\d\d(:\d\d)? ([A-Z]{2,5}|[+-]\d{2,4})$", text), text
    assert any(text.endswith(("CET", "CEST")) for text in times), times  # The job's own zone.


def test_cancel_asks_first_and_changes_nothing_until_confirmed(client_for, alice, feed):
    execution = execution_enqueue(job=make_job(feed.organization))
    url = reverse("jobs:cancel", args=[execution.pk])
    client = client_for(alice)

    drawer = client.post(url, headers=HTMX).content.decode()
    page = client.post(url).content.decode()

    for html in (drawer, page):
        assert f"Cancel run #{execution.pk} of “Morning run”?" in html
        assert 'name="confirmed" value="1"' in html
    assert "<!doctype html>" not in drawer and "<!doctype html>" in page
    execution.refresh_from_db()
    assert execution.status == ExecutionStatus.QUEUED and not execution.events.exists()

    done = client.post(url, {"confirmed": "1"}, headers=HTMX)
    assert done.headers["HX-Redirect"] == execution.get_absolute_url()
    execution.refresh_from_db()
    assert execution.status == ExecutionStatus.CANCELLED


def test_bulk_delete_asks_first_naming_the_jobs_and_carrying_them(client_for, alice, feed):
    jobs = [make_job(feed.organization, name=f"Job {n}") for n in range(2)]
    ids = [str(job.pk) for job in jobs]

    html = client_for(alice).post(reverse("jobs:bulk"), {"action": "delete", "ids": ids})
    text = html.content.decode()

    assert "Delete 2 jobs?" in text and "“Job 0”, “Job 1”" in text
    assert all(f'name="ids" value="{pk}"' in text for pk in ids)
    assert 'name="action" value="delete"' in text
    assert Job.objects.count() == 2
    client_for(alice).post(reverse("jobs:bulk"), {"action": "delete", "ids": ids, "confirmed": "1"})
    assert not Job.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"action": "delete", "ids": ["1; DROP TABLE jobs_job", "abc", "-1", ""]},
        {"action": "explode", "ids": ["1"]},
        {"action": "", "ids": []},
        {"ids": ["9" * 400]},
    ],
)
def test_bulk_with_bad_input_says_so_and_changes_nothing(client_for, alice, feed, data):
    job = make_job(feed.organization)

    response = client_for(alice).post(reverse("jobs:bulk"), {**data, "confirmed": "1"}, follow=True)

    assert "Choose one or more jobs and an action." in response.content.decode()
    assert Job.objects.filter(pk=job.pk, enabled=True).exists()


def test_editing_a_crontab_job_into_an_interval_keeps_its_crontab_for_later(
    client_for, alice, feed
):
    job = make_job(feed.organization, cron_hour="9", timezone="Asia/Tokyo")
    data = {**interval_data(name=job.name, interval_every="2", **CRON_BLANK), "timezone": ""}

    client_for(alice).post(reverse("jobs:edit", args=[job.pk]), data)

    job.refresh_from_db()
    assert (job.schedule_kind, job.interval_every) == ("interval", 2)
    assert (job.cron_hour, job.timezone) == ("9", "Asia/Tokyo")
