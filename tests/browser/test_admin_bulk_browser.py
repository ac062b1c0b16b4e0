"""A bulk action of the operator console in Chromium at 390 px and 1366 px, by keyboard:
tick jobs, choose "Pause", read the confirmation (what happens to each, what is skipped,
nothing wider than the screen), confirm, and read the count. No CSP violation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, expect

from jobs.models import Job
from jobs.services.jobs import job_pause
from tests.browser.test_content_security_policy_browser import (
    DESKTOP,
    PHONE,
    RECORD_VIOLATIONS,
    PolicyWatch,
)
from tests.conftest import PASSWORD
from tests.feeds.builders import make_feed
from tests.jobs.builders import make_job

pytestmark = pytest.mark.browser


@pytest.fixture(params=[PHONE, DESKTOP], ids=["390px", "1366px"])
def superuser_page(
    request, browser: Browser, live_server, transactional_db
) -> Iterator[PolicyWatch]:
    User.objects.create_superuser("op", "op@example.com", PASSWORD)
    phone = request.param is PHONE
    context = browser.new_context(viewport=request.param, is_mobile=phone, has_touch=phone)
    context.set_default_timeout(20_000)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    watched = PolicyWatch(page)
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("op")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    try:
        yield watched
    finally:
        context.close()


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    rights = page.locator(".bulk-confirm .module, .bulk-submit").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().right)"
    )
    assert max(rights) <= width + 1, f"confirmation wider than the {width} px screen"


def test_an_operator_pauses_jobs_by_keyboard_after_reading_what_will_happen(
    superuser_page, org_a, org_b
):
    page = superuser_page.page
    make_feed(org_a, "https://a.example/feed.xml")
    make_feed(org_b, "https://b.example/feed.xml")
    make_job(org_a, name="Morning <b>run</b>")  # a name is text, never markup
    job_pause(job=make_job(org_a, name="Evening run"))
    make_job(org_b, name="Their run")

    page.goto(f"{page.url.split('/admin/')[0]}/admin/jobs/job/")
    for name in ("Morning <b>run</b>", "Evening run", "Their run"):
        box = page.get_by_role("row").filter(has_text=name).locator("input.action-select")
        box.focus()
        page.keyboard.press("Space")
        expect(box).to_be_checked()
    page.get_by_label("Action:").select_option("pause_jobs")
    page.get_by_role("button", name="Go", exact=True).focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Pause 3 jobs?", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Pause: 2", level=2)).to_be_visible()
    expect(page.get_by_role("heading", name="Skipped: 1 — already paused")).to_be_visible()
    expect(page.locator(".bulk-rows").first).to_contain_text("Morning <b>run</b")
    expect(page.locator(".bulk-organizations")).to_have_text(
        "Organizations: Organization A, Organization B."
    )
    assert Job.objects.filter(enabled=True).count() == 2  # nothing yet
    _fits(page)

    page.get_by_role("button", name="Yes, pause 2 jobs").focus()
    page.keyboard.press("Enter")

    expect(page.locator(".messagelist")).to_contain_text(
        "2 jobs paused, 1 skipped: already paused."
    )
    assert not Job.objects.filter(enabled=True).exists()
    assert superuser_page.violations() == []
