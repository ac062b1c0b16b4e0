"""The app under its Content-Security-Policy in Chromium, at 390 px and 1366 px (issue #17, item 9).

Every page of the main navigation, a report, the password form and a drawer load with no
policy violation — caught both as ``securitypolicyviolation`` events (recorded by a script
the browser injects before the page's own, which the policy does not govern) and as console
messages — while a script injected into the page, an inline event handler and a ``style``
attribute are refused.
"""

from collections.abc import Iterator

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from accounts.models import Organization
from tests.conftest import PASSWORD
from tests.feeds.builders import make_feed
from tests.harness.waiting import wait_for
from tests.jobs.builders import make_job
from tests.reports.page_data import add_mention, make_article, make_brand, make_report

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 800}

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sample}`);
});
document.addEventListener("htmx:sseOpen", () => { window.__sseOpened = true; });
"""


class PolicyWatch:
    """A logged-in page with every CSP complaint of the browser collected."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        page.on("console", self._on_console)

    def _on_console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(message.text)

    def violations(self) -> list[str]:
        return [*self.page.evaluate("window.__cspViolations || []"), *self.console]


@pytest.fixture
def workspace(org_a: Organization, alice) -> int:
    feed = make_feed(org_a, "https://news.example/feed.xml", name="Business wire")
    make_job(org_a, name="Morning run", feeds=[feed])
    article = make_article(
        org_a, "/plant", title="Acme opens a plant", feeds=(feed,), published_at=timezone.now()
    )
    report = make_report(
        article, summary="Acme builds a plant in Lyon.", sentiment_label="positive"
    )
    add_mention(report, make_brand(org_a, "Acme Corp"))
    return report.pk


@pytest.fixture(params=[PHONE, DESKTOP], ids=["390px", "1366px"])
def watch(request, browser: Browser, live_server, workspace) -> Iterator[PolicyWatch]:
    phone = request.param["width"] < 640
    context = browser.new_context(viewport=request.param, is_mobile=phone, has_touch=phone)
    context.set_default_timeout(15_000)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    watched = PolicyWatch(page)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    try:
        yield watched
    finally:
        context.close()


def test_the_main_pages_work_under_the_policy_without_a_violation(watch, live_server, workspace):
    page = watch.page
    response = page.goto(f"{live_server.url}/")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "'unsafe-inline'" not in policy
    assert "camera=()" in response.headers["permissions-policy"]

    # The sentiment bar is sized from data attributes by app.js (style="" would be refused).
    bar = page.locator(".sentiment-bar span")
    expect(bar.first).to_be_attached()
    grows = bar.evaluate_all("(spans) => spans.map((s) => [s.dataset.barGrow, s.style.flexGrow])")
    assert all(data == style for data, style in grows) and any(d != "0" for d, _ in grows), grows

    links = page.locator("nav[aria-label='Main'] a").evaluate_all("(as) => as.map((a) => a.href)")
    assert len(links) >= 4, links
    paths = [
        *links,
        f"{live_server.url}/reports/{workspace}/",
        f"{live_server.url}/password_change/",
    ]
    problems: dict[str, list[str]] = {}
    for url in paths:
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        # htmx loaded and ran (its scripts are files under the nonce-free 'self').
        assert page.evaluate("typeof window.htmx === 'object'"), url
        if seen := watch.violations():
            problems[url] = seen
        watch.console.clear()
    assert problems == {}

    # A drawer is an htmx swap; the job list holds an SSE stream open (connect-src 'self').
    page.goto(f"{live_server.url}/feeds/")
    page.locator("main").get_by_role("link", name="Add feed").first.click()
    expect(page.locator("#drawer form")).to_be_visible()
    page.goto(f"{live_server.url}/jobs/")
    # page.wait_for_function would evaluate a string, which this very policy forbids.
    assert wait_for(lambda: page.evaluate("window.__sseOpened === true"), timeout=30)
    assert watch.violations() == []


def test_an_injected_inline_script_handler_and_style_are_refused(watch, live_server):
    page = watch.page
    page.goto(f"{live_server.url}/feeds/")
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.__injected = 'script ran'";
            document.body.append(script);
            document.body.insertAdjacentHTML("beforeend",
                '<img id="bad-img" src="/static/none.png"'
                + ' onerror="window.__injected = \\'handler ran\\'">'
                + '<p id="bad-style" style="color: rgb(255, 0, 0)">styled</p>');
        }"""
    )
    assert wait_for(lambda: page.evaluate("window.__cspViolations.length >= 3"), timeout=30)
    assert page.evaluate("window.__injected") is None
    assert (
        page.locator("#bad-style").evaluate("(p) => getComputedStyle(p).color") != "rgb(255, 0, 0)"
    )
    directives = {entry.split()[0] for entry in page.evaluate("window.__cspViolations")}
    assert {"script-src-elem", "script-src-attr", "style-src-attr"} <= directives, directives


def test_the_admin_export_select_all_toggle_works_under_the_policy(browser, live_server, org_a):
    # django-import-export binds it with an inline handler, which the policy refuses.
    from django.contrib.auth.models import User

    User.objects.create_superuser("root", "root@example.com", PASSWORD)
    make_feed(org_a, "https://news.example/feed.xml", name="Business wire")
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/admin/login/")
        page.get_by_label("Username").fill("root")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto(f"{live_server.url}/admin/feeds/feed/export/")
        fields = page.locator(".selectable-field-export-row input[type=checkbox]")
        expect(fields.first).to_be_checked()
        page.locator("input.select-toggle").first.uncheck()
        assert fields.evaluate_all("(boxes) => boxes.filter((b) => b.checked).length") == 0
    finally:
        context.close()
