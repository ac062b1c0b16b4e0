"""The System health page in Chromium at 390 px and 1366 px: reached from the admin index,
every part shown with its colour and reason, refreshed by htmx without a reload, nothing wider
than the screen, and no Content-Security-Policy violation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Browser, expect

from monitoring.models import ProcessHeartbeat, Role
from tests.browser.test_content_security_policy_browser import (
    DESKTOP,
    PHONE,
    RECORD_VIOLATIONS,
    PolicyWatch,
)
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

# The page refreshes every 10 s; wait for two refreshes at most, scaled for a loaded machine.
REFRESH_WAIT_MS = 40_000


def _heartbeat(name: str) -> None:
    now = timezone.now()
    ProcessHeartbeat.objects.create(
        role=Role.WORKER,
        name=name,
        host="box",
        pid=77,
        started_at=now - timedelta(minutes=5),
        seen_at=now,
        concurrency=2,
    )


@pytest.fixture(params=[PHONE, DESKTOP], ids=["390px", "1366px"])
def operator_page(
    request, browser: Browser, live_server, transactional_db
) -> Iterator[PolicyWatch]:
    User.objects.create_user("op", "op@example.com", PASSWORD, is_staff=True)
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
    try:
        yield watched
    finally:
        context.close()


def test_an_operator_reads_the_health_of_every_part_and_sees_it_refresh(operator_page):
    page = operator_page.page
    _heartbeat("celery@first")

    page.get_by_role("link", name="System health").click()

    expect(page.get_by_role("heading", name="System health", level=1)).to_be_visible()
    for title in (
        "Database",
        "Broker and queues",
        "Workers",
        "Beat",
        "Log collector",
        "Circuit breakers and providers",
        "LLM quota this month",
        "Disk (VAR_DIR)",
    ):
        expect(page.get_by_role("heading", name=title, level=2)).to_be_visible()
    workers = page.locator("#health-workers")
    expect(workers).to_contain_text("celery@first")
    expect(page.locator("#health-beat")).to_contain_text("Beat has never reported")
    expect(page.locator("#health-beat .health-reason .health-badge")).to_have_text("red")

    # A worker that starts now appears at the next refresh, without a reload.
    _heartbeat("celery@second")
    page.evaluate("window.__notReloaded = true")
    expect(workers).to_contain_text("celery@second", timeout=REFRESH_WAIT_MS)
    assert page.evaluate("window.__notReloaded === true")

    width = page.evaluate("document.documentElement.clientWidth")
    for selector in ("#health-panel", ".health-item"):
        boxes = page.locator(selector).evaluate_all(
            "els => els.map(e => e.getBoundingClientRect().right)"
        )
        assert max(boxes) <= width + 1, f"{selector} wider than the {width} px screen"
    assert operator_page.violations() == []
