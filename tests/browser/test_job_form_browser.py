"""The job drawer and the confirm steps of the jobs pages, in Chromium at 390 px and 1366 px."""

import pytest
from playwright.sync_api import Page, expect

from jobs.models import ExecutionStatus, Job
from jobs.services.executions import execution_enqueue
from tests.conftest import PASSWORD
from tests.feeds.builders import make_feed
from tests.jobs.builders import make_job

pytestmark = pytest.mark.browser
WIDTHS = [390, 1366]
PREVIEW_PATH = "/jobs/schedule-preview/"


def open_new_job(page: Page, live_server, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server.url}/jobs/")
    page.get_by_role("link", name="New job").first.click()
    expect(page.locator("#drawer-root")).to_have_class("drawer-root open")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_drawer_opens_quietly_with_only_the_interval_fields_and_their_preview(
    log_in, live_server, alice, org_a, width
):
    make_feed(org_a, "https://news.example/feed.xml")
    page = log_in("alice")
    open_new_job(page, live_server, width)
    drawer = page.locator("#drawer")

    expect(drawer.locator("#schedule-preview")).to_have_text("Runs every hour.")
    expect(drawer.locator(".field-error")).to_have_count(0)
    expect(drawer.locator("#id_interval_every")).to_be_visible()
    expect(drawer.locator("#id_interval_unit")).to_have_value("hours")
    expect(drawer.locator("#id_cron_hour")).to_be_hidden()
    expect(drawer.locator("#id_timezone")).to_be_hidden()

    drawer.locator("input[name=schedule_kind][value=crontab]").check()
    expect(drawer.locator("#id_cron_hour")).to_be_visible()
    expect(drawer.locator("#id_timezone")).to_be_visible()
    expect(drawer.locator("#id_interval_every")).to_be_hidden()
    expect(drawer.locator("#schedule-preview")).to_contain_text("every day at 07:00 UTC")
    # The preview sits inside the schedule box, right under its fields, on screen.
    box = drawer.locator(".schedule-fields").bounding_box()
    preview = drawer.locator("#schedule-preview").bounding_box()
    assert box and preview
    assert box["y"] <= preview["y"] and preview["y"] + preview["height"] <= box["y"] + box["height"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1
    # Nothing in the form is wider than the drawer (no sideways scrolling on a phone).
    assert page.locator(".job-form").evaluate("form => form.scrollWidth <= form.clientWidth")


@pytest.mark.parametrize("width", WIDTHS)
def test_one_change_of_the_schedule_asks_for_one_preview(log_in, live_server, alice, org_a, width):
    make_feed(org_a, "https://news.example/feed.xml")
    page = log_in("alice")
    asked: list[str] = []
    page.on("request", lambda request: PREVIEW_PATH in request.url and asked.append(request.url))
    open_new_job(page, live_server, width)
    every = page.locator("#drawer #id_interval_every")
    preview = page.locator("#drawer #schedule-preview")

    with page.expect_response(lambda response: PREVIEW_PATH in response.url):
        every.fill("15")
    expect(preview).to_have_text("Runs every 15 hours.")
    with page.expect_response(lambda response: PREVIEW_PATH in response.url):
        page.locator("#drawer #id_interval_unit").select_option("minutes")
    expect(preview).to_have_text("Runs every 15 minutes.")

    # A preview that asked again after each swap (hx-trigger "load") would have looped by now.
    assert len(asked) == 2, asked


@pytest.mark.parametrize("width", WIDTHS)
def test_the_time_zone_is_typed_with_suggestions_and_a_bad_one_is_explained(
    log_in, live_server, alice, org_a, width
):
    make_feed(org_a, "https://news.example/feed.xml")
    page = log_in("alice")
    open_new_job(page, live_server, width)
    drawer = page.locator("#drawer")
    drawer.locator("#id_name").fill("Morning")
    drawer.locator("input[name=schedule_kind][value=crontab]").check()
    zone = drawer.locator("#id_timezone")

    expect(zone).to_have_attribute("list", "job-timezones")
    assert page.locator("#job-timezones option").first.get_attribute("value") == "UTC"
    zone.fill("Europe/Atlantis")
    expect(drawer.locator("#schedule-preview .field-error")).to_contain_text(
        "is not a known time zone"
    )
    drawer.locator(".drawer-footer button[type=submit]").click()
    expect(drawer.locator("#id_timezone_error")).to_contain_text("is not a known time zone")
    expect(drawer.locator("#id_timezone")).to_have_value("Europe/Atlantis")
    expect(drawer.locator("#id_name")).to_have_value("Morning")
    assert not Job.objects.exists()

    drawer.locator("#id_timezone").fill("europe/paris")
    drawer.locator(".drawer-footer button[type=submit]").click()
    expect(page.locator(".jobs-table")).to_contain_text("every day at 07:00 Europe/Paris")
    assert Job.objects.get().timezone == "Europe/Paris"


@pytest.mark.parametrize("width", WIDTHS)
def test_cancel_asks_in_the_drawer_before_cancelling(log_in, live_server, alice, org_a, width):
    make_feed(org_a, "https://news.example/feed.xml")
    execution = execution_enqueue(job=make_job(org_a))
    page = log_in("alice")
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server.url}{execution.get_absolute_url()}")

    page.get_by_role("button", name="Cancel").click()
    expect(page.locator("#drawer")).to_contain_text(f"Cancel run #{execution.pk}")
    execution.refresh_from_db()
    assert execution.status == ExecutionStatus.QUEUED
    page.get_by_role("button", name="Cancel the run").click()

    expect(page.locator("#execution-state .badge")).to_have_text("Cancelled")
    execution.refresh_from_db()
    assert execution.status == ExecutionStatus.CANCELLED


@pytest.mark.parametrize("width", WIDTHS)
def test_a_bulk_delete_asks_first_and_back_leaves_the_jobs(
    log_in, live_server, alice, org_a, width
):
    make_feed(org_a, "https://news.example/feed.xml")
    jobs = [make_job(org_a, name=name) for name in ("Alpha", "Beta")]
    page = log_in("alice")
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server.url}/jobs/")
    for job in jobs:
        page.get_by_label(f"Select {job.name}").check()
    page.locator("#bulk-action").select_option("delete")
    page.get_by_role("button", name="Apply").click()

    drawer = page.locator("#drawer")
    expect(drawer).to_contain_text("Delete 2 jobs?")
    expect(drawer).to_contain_text("“Alpha”, “Beta”")
    drawer.get_by_role("link", name="Cancel").click()
    expect(page.locator("#drawer-root")).to_be_hidden()
    assert Job.objects.count() == 2

    page.get_by_role("button", name="Apply").click()
    drawer.get_by_role("button", name="Delete 2 jobs").click()
    expect(page.locator(".toast")).to_contain_text("2 jobs deleted.")
    assert not Job.objects.exists()


def test_without_javascript_the_schedule_kinds_and_the_confirm_steps_still_work(
    browser, live_server, alice, org_a
):
    make_feed(org_a, "https://news.example/feed.xml")
    execution = execution_enqueue(job=make_job(org_a))
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 800})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Username").fill("alice")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()

        page.goto(f"{live_server.url}/jobs/add/")
        expect(page.locator(".field-error")).to_have_count(0)
        expect(page.locator("#schedule-preview")).to_have_text("Runs every hour.")
        expect(page.locator("#id_cron_hour")).to_be_hidden()
        page.locator("input[name=schedule_kind][value=crontab]").check()
        expect(page.locator("#id_cron_hour")).to_be_visible()

        page.goto(f"{live_server.url}{execution.get_absolute_url()}")
        page.get_by_role("button", name="Cancel").click()
        expect(page.get_by_role("heading", name=f"Cancel run #{execution.pk}")).to_be_visible()
        execution.refresh_from_db()
        assert execution.status == ExecutionStatus.QUEUED
        page.get_by_role("button", name="Cancel the run").click()
        expect(page.locator("#execution-state .badge")).to_have_text("Cancelled")
    finally:
        context.close()
