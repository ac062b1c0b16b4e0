"""An owner reads the organization's plan on Settings in Chromium, at 390 px and 1366 px:
every quota with its use, and at a reached monthly limit what happens, without the long
sentence pushing the page sideways."""

from collections.abc import Iterator

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from accounts.models import Plan, UsageDaily
from tests.browser.test_drawer_phone_keyboard import DESKTOP, PHONE, open_context_page

pytestmark = pytest.mark.browser


@pytest.fixture(params=[PHONE, DESKTOP], ids=["390px", "1366px"])
def screen(request, browser: Browser, live_server, alice) -> Iterator[Page]:
    yield from open_context_page(browser, live_server, request.param)


def test_the_plan_block_shows_each_quota_and_the_reached_monthly_limit(screen, live_server, org_a):
    plan = Plan.objects.create(
        name="Starter", max_feeds=10, max_llm_tokens=1_000_000, max_api_calls_per_minute=60
    )
    org_a.plan = plan
    org_a.save()  # as the admin saves it: the members' cached copies of the row are dropped
    UsageDaily.objects.create(organization=org_a, date=timezone.now().date(), tokens_in=1_200_000)

    screen.goto(f"{live_server.url}/organization/settings/#plan")

    block = screen.get_by_test_id("plan-usage")
    expect(block.get_by_role("heading")).to_have_text("Plan: Starter")
    expect(block.get_by_test_id("usage-feeds")).to_have_text("0 of 10")
    expect(block.get_by_test_id("usage-llm_tokens-message")).to_contain_text(
        "Your plan allows 1,000,000 LLM tokens a month; you have used 1,200,000: new articles "
        "are analysed by rules now and by the LLM when the month turns"
    )
    expect(block.get_by_test_id("usage-api_calls")).to_contain_text("60, all keys together")
    assert screen.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
