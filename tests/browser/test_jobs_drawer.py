"""The job form in the shared drawer, in Chromium."""

import pytest
from playwright.sync_api import expect

from jobs.models import Job
from tests.feeds.builders import make_feed

pytestmark = pytest.mark.browser


def test_an_invalid_crontab_is_shown_in_the_drawer_and_nothing_is_saved(
    log_in, live_server, alice, org_a
):
    make_feed(org_a, "https://news.example/feed.xml")
    page = log_in("alice")
    page.goto(f"{live_server.url}/jobs/")
    page.get_by_role("link", name="New job").first.click()
    expect(page.locator("#drawer-root")).to_have_class("drawer-root open")
    page.locator("#drawer #id_name").fill("Morning run")
    page.locator("#drawer input[name=schedule_kind][value=crontab]").check()
    page.locator("#drawer #id_cron_hour").fill("7-99")
    page.locator(".drawer-footer button[type=submit]").click()

    expect(page.locator(".drawer .field-error")).to_contain_text("is not a valid crontab value")
    expect(page.locator("#drawer #id_name")).to_have_value("Morning run")
    assert not Job.objects.exists()


def test_the_schedule_preview_follows_the_fields_as_they_are_typed(
    log_in, live_server, alice, org_a
):
    make_feed(org_a, "https://news.example/feed.xml")
    page = log_in("alice")
    page.goto(f"{live_server.url}/jobs/")
    page.get_by_role("link", name="New job").first.click()
    preview = page.locator("#drawer #schedule-preview")
    page.locator("#drawer input[name=schedule_kind][value=crontab]").check()
    page.locator("#drawer #id_timezone").fill("Europe/Paris")

    page.locator("#drawer #id_cron_day_of_week").fill("1-5")
    expect(preview).to_contain_text("Monday through Friday Europe/Paris")

    page.locator("#drawer #id_cron_hour").fill("7-99")
    expect(preview.locator(".field-error")).to_contain_text("is not a valid crontab value")
    expect(preview).not_to_contain_text("Runs")
    # Nothing was submitted: no name yet, no job.
    assert not Job.objects.exists()
