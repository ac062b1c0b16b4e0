"""Invalid crontabs are field errors, never a 500 (issue #17, item 3).

hypothesis is not among the project's dependencies, so the fuzz is a seeded generator of
crontab-like strings (the same cases every run, so a failure reproduces): fragments of the
syntax Celery parses, shuffled with the characters that broke it (minus signs, empty list
parts, zero steps, huge numbers, superscript digits, spaces).
"""

import random
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from jobs.forms import JobForm
from jobs.models import Job
from jobs.services.schedule import build_crontab, describe_schedule
from tests.feeds.builders import make_feed
from tests.jobs.builders import SCHEDULE

pytestmark = pytest.mark.django_db
CRON_FIELDS = (
    "cron_minute",
    "cron_hour",
    "cron_day_of_month",
    "cron_month_of_year",
    "cron_day_of_week",
)
TOKENS = (
    *"0123456789",
    "-1",
    "-",
    ",",
    ",,",
    "/",
    "/0",
    "*",
    "*/",
    "31",
    "99",
    "99999999999999999999",
    "²",
    "٣",
    " ",
    "a",
    "mon",
    "jan",
    "L",
    "?",
    "#",
    "\n",
)


def fuzz_values(seed: int) -> dict[str, str]:
    rng = random.Random(seed)  # noqa: S311 -- reproducible test data, not secrets
    values = dict(SCHEDULE)
    for name in rng.sample(CRON_FIELDS, k=rng.randint(1, 3)):
        values[name] = "".join(rng.choices(TOKENS, k=rng.randint(1, 6)))
    return values


@pytest.fixture
def feed(org_a):
    return make_feed(org_a, "https://news.example/feed.xml", name="Wire")


def form_data(**values):
    return {"name": "Morning run", "interval_every": "1", "interval_unit": "hours", **values}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"cron_minute": "-1"}, "Minute"),
        ({"cron_minute": "1,,2"}, "Minute"),
        ({"cron_hour": "*/0"}, "Hour"),
        ({"cron_day_of_month": "31", "cron_month_of_year": "2"}, "Day of month"),
        ({"cron_day_of_month": "30-31", "cron_month_of_year": "2"}, "Day of month"),
    ],
)
def test_the_reported_crontabs_are_field_errors_in_the_preview_and_the_form(
    client_for, alice, feed, values, field
):
    client = client_for(alice)
    data = form_data(**{**SCHEDULE, **values})

    preview = client.post(reverse("jobs:schedule_preview"), data)
    saved = client.post(reverse("jobs:create"), data, headers={"HX-Request": "true"})

    assert preview.status_code == 200 and saved.status_code == 200
    assert f"{field}:" in preview.content.decode()
    assert "field-error" in saved.content.decode()
    assert not Job.objects.exists()


def test_february_the_twenty_ninth_is_a_valid_schedule(client_for, alice, feed):
    # It occurs (in leap years): refusing it would be wrong, not safe.
    data = form_data(**{**SCHEDULE, "cron_day_of_month": "29", "cron_month_of_year": "2"})

    preview = client_for(alice).post(reverse("jobs:schedule_preview"), data)

    assert "Runs" in preview.content.decode()


@pytest.mark.parametrize("seed", range(400))
def test_fuzzed_crontab_fields_are_accepted_whole_or_refused_with_a_field_error(org_a, seed):
    values = fuzz_values(seed)
    form = JobForm(form_data(**values), organization=org_a)

    form.is_valid()  # Must not raise, whatever the fields hold.
    errors = form.schedule_errors()
    if errors:
        assert form.schedule_preview() == ""
        return
    # Accepted: everything that later reads the schedule works with it too.
    data = form.cleaned_data
    assert describe_schedule(data)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    schedule = build_crontab(data, data["timezone"], now)
    assert schedule.remaining_estimate(now).total_seconds() >= 0


def test_the_fuzz_reaches_both_outcomes(org_a):
    # A generator that only produced garbage (or only valid values) would test nothing.
    outcomes = {
        bool(JobForm(form_data(**fuzz_values(seed)), organization=org_a).schedule_errors())
        for seed in range(400)
    }
    assert outcomes == {True, False}
