"""The first hour of a new user, walked in Chromium on a phone (390 px) and a laptop (1366 px).

One test follows the README's "Your first hour" in order, with the real parts: the login
page, the dashboard's getting-started checklist, the "Add feed" drawer pointing at a real feed
served on 127.0.0.1, the watchlist's "Add brand" drawer, the job drawer, a real Celery worker
running the job while its page follows it, and the dashboard's review block. It asserts what
the person sees; the database is only checked at the end, to prove that what they saw stuck.

Watching the run is made deterministic, not raced: the served article pages hold back the
second batch of the run until the browser has shown the first one ("this feed: 25 of 36
articles"), so the counters are seen to move however slow the machine is.
"""

import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from accounts.models import Organization
from feeds.models import Feed
from jobs.models import ExecutionStatus, JobExecution
from jobs.services.run import EXTRACT_BATCH
from reports.models import Brand, BrandStatus, Mention, ReviewStatus
from tests.conftest import PASSWORD
from tests.feeds.builders import article_page, rss
from tests.harness.fixtures import PAGE_TIMEOUT_MS
from tests.harness.http_server import LocalHTTPServer, RecordedRequest, Reply
from tests.harness.waiting import ceiling
from tests.jobs.builders import HTML_TYPE, RSS_TYPE, story

pytestmark = pytest.mark.browser

STORIES = 36  # More than one extraction batch, so the run visibly stops half-way.
PAGE_DELAY = 0.1  # Seconds per article page: a slow news site, as the run page must follow.
BRAND = "Acme Corporation"  # Every served story names it (see tests.jobs.builders.story).
FEED_NAME = "Business wire"
JOB_NAME = "Morning brands"
HOLD_AT_MOST = 15.0  # Seconds a held page waits for the test (the browser needs about one).
# How long a run may take end to end on a loaded machine (it takes a few seconds idle).
RUN_CEILING_MS = int(ceiling(90) * 1000)


class SlowNewsSite:
    """A feed of ``STORIES`` article pages on the local HTTP server, each a little slow.

    Pages beyond the first extraction batch wait until :meth:`release` (or a ceiling), so the
    test decides when the run may go on: after the browser has shown the half-way counters.
    """

    def __init__(self, server: LocalHTTPServer) -> None:
        self.server = server
        self.second_batch = threading.Event()
        self._lock = threading.Lock()
        self._served = 0
        items = []
        for n in range(STORIES):
            path = f"/wire/story-{n}"
            title = f"Wire headline {n}"
            server.add_route(path, self._page(article_page(title, story("wire", n))))
            items.append({"title": title, "link": server.url_for(path)})
        server.add_route("/wire.xml", Reply(body=rss(items, title="Wire"), headers=RSS_TYPE))
        self.feed_url = server.url_for("/wire.xml")

    def _page(self, html: str):
        def answer(request: RecordedRequest) -> Reply:
            with self._lock:
                self._served += 1
                held = self._served > EXTRACT_BATCH
            if held:
                # Not scaled: it must stay below the feed's 20 s page fetch timeout, so a run
                # the test never releases still ends, in a clear failed expectation.
                self.second_batch.wait(HOLD_AT_MOST)
            return Reply(body=html, headers=HTML_TYPE, delay=PAGE_DELAY)

        return answer

    def release(self) -> None:
        self.second_batch.set()


@pytest.fixture
def news_site(http_server: LocalHTTPServer, celery_worker) -> Iterator[SlowNewsSite]:
    # Depends on the worker so it is torn down first: a failed test releases the held pages
    # before the worker's shutdown waits for the run that is fetching them.
    site = SlowNewsSite(http_server)
    yield site
    site.release()


@pytest.fixture
def screen(browser: Browser, request) -> Iterator[Page]:
    width = request.param
    phone = width < 640
    # A phone's browser stretches its layout viewport to a too-wide page (the cause of
    # drawers opening off screen): only mobile emulation shows what a phone shows.
    context = browser.new_context(
        viewport={"width": width, "height": 844 if phone else 800},
        is_mobile=phone,
        has_touch=phone,
    )
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    expect.set_options(timeout=PAGE_TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def fits_the_screen(page: Page) -> None:
    """Nothing stretches the page sideways (a phone would scroll or zoom out)."""
    assert page.evaluate(
        "document.documentElement.scrollWidth <= window.visualViewport.width + 1"
    ), "the page is wider than the screen"


# Where a text's lines break inside a word ("Corporatio|n"): the index of each such break.
BROKEN_WORDS = r"""(element) => {
  const text = element.firstChild;
  const range = document.createRange();
  const broken = [];
  let top = null;
  for (let i = 0; i < text.length; i++) {
    range.setStart(text, i);
    range.setEnd(text, i + 1);
    const rects = range.getClientRects();
    if (!rects.length) continue;
    const lineTop = Math.round(rects[0].top);
    if (top !== null && lineTop > top && !/[\s-]/.test(text.data[i - 1])) broken.push(i);
    top = lineTop;
  }
  return broken;
}"""


def words_kept_whole(locator) -> None:
    """The text wraps between words only: a name cut mid-word reads as two words."""
    expect(locator).to_be_visible()
    assert locator.evaluate(BROKEN_WORDS) == [], f"{locator.inner_text()!r} is cut inside a word"


def drawer_fully_on_screen(page: Page) -> None:
    expect(page.locator("#drawer-root")).to_have_class("drawer-root open")
    # Measured once the slide-in has ended: the panel stands still at its place.
    expect(page.locator(".drawer")).to_have_css("transform", "matrix(1, 0, 0, 1, 0, 0)")
    box = page.evaluate(
        """() => {
          const box = document.querySelector(".drawer").getBoundingClientRect();
          const view = window.visualViewport;
          return {left: box.left, right: box.right, top: box.top, width: view.width};
        }"""
    )
    assert box["left"] >= 0 and box["top"] >= 0, box
    assert box["right"] <= box["width"] + 1, box
    fits_the_screen(page)


def back_to_the_dashboard(page: Page) -> None:
    page.locator(".topbar").get_by_role("link", name="Marketing Hunting").click()
    expect(page.get_by_role("heading", name="Getting started")).to_be_visible()


def toast_says(page: Page, text: str) -> None:
    # One toast among any others still showing (success toasts fade after 6 s).
    expect(page.locator(".toast", has_text=text)).to_be_visible()


def open_from_the_menu(page: Page, name: str) -> None:
    """Follow a link of the main menu, opening it first on a phone (where it folds away)."""
    toggle = page.locator(".topbar .nav-toggle")
    if toggle.is_visible():
        toggle.click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()


def step(page: Page, key: str):
    return page.locator(f"section.getting-started [data-step={key}]")


def sign_in(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Log in to Marketing Hunting")).to_be_visible()
    page.get_by_label("Username").click()
    page.keyboard.type("alice")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Organization A", level=1)).to_be_visible()


def sees_an_empty_checklist(page: Page) -> None:
    checklist = page.locator("section.getting-started")
    expect(checklist).to_be_visible()
    expect(checklist).to_contain_text("0 of 5 done")
    expect(checklist.locator(".checklist-step")).to_have_count(5)
    expect(checklist.locator(".checklist-step.is-done")).to_have_count(0)
    fits_the_screen(page)


def adds_the_feed(page: Page, site: SlowNewsSite) -> None:
    step(page, "feeds").get_by_role("link", name="Add news feeds or import an OPML file").click()
    expect(page.get_by_role("heading", name="Feeds", level=1)).to_be_visible()
    page.locator("main").get_by_role("link", name="Add feed").first.click()
    expect(page.get_by_role("heading", name="Add a feed")).to_be_visible()
    drawer_fully_on_screen(page)

    drawer = page.locator(".drawer")
    drawer.get_by_label("Name").fill(FEED_NAME)
    drawer.get_by_label("Feed URL").fill(site.feed_url)
    drawer.get_by_role("button", name="Test feed").click()
    expect(drawer.locator(".preview")).to_contain_text(f"“Wire” with {STORIES} entries")
    drawer.locator(".drawer-footer").get_by_role("button", name="Add feed").click()

    expect(page.locator("#drawer-root")).to_be_hidden()
    toast_says(page, f"Feed “{FEED_NAME}” added")
    expect(page.locator("main")).to_contain_text(site.feed_url)
    back_to_the_dashboard(page)
    expect(step(page, "feeds")).to_have_class("checklist-step is-done")
    expect(page.locator("section.getting-started")).to_contain_text("1 of 5 done")


def tracks_the_brand(page: Page) -> None:
    step(page, "brands").get_by_role("link", name="Track the brands you watch").click()
    expect(page.get_by_role("heading", name="Brands", level=1)).to_be_visible()
    page.locator("main").get_by_role("link", name="Add brand").first.click()
    drawer = page.get_by_role("dialog")
    expect(drawer.get_by_role("heading", name="Add a brand to track")).to_be_visible()
    drawer_fully_on_screen(page)

    drawer.get_by_label("Name").fill(BRAND)
    drawer.get_by_role("button", name="Track brand").click()

    expect(page.locator("#drawer-root")).to_be_hidden()
    toast_says(page, f"“{BRAND}” is now tracked.")
    expect(page.locator("main tbody tr", has_text=BRAND)).to_contain_text("tracked")
    fits_the_screen(page)
    back_to_the_dashboard(page)
    expect(step(page, "brands")).to_have_class("checklist-step is-done")
    expect(page.locator("section.getting-started")).to_contain_text("2 of 5 done")


def creates_the_job(page: Page) -> None:
    step(page, "job").get_by_role(
        "link", name="Create a job that reads the feeds on a schedule"
    ).click()
    expect(page.get_by_role("heading", name="Jobs", level=1)).to_be_visible()
    page.locator("main").get_by_role("link", name="New job").first.click()
    drawer = page.locator(".drawer")
    expect(drawer.get_by_role("heading", name="New job")).to_be_visible()
    drawer_fully_on_screen(page)
    # Quiet until the user does something, hourly by default.
    expect(drawer.locator(".field-error")).to_have_count(0)
    expect(drawer.locator("#schedule-preview")).to_have_text("Runs every hour.")

    drawer.get_by_label("Name").fill(JOB_NAME)
    drawer.get_by_label(FEED_NAME).check()
    drawer.get_by_role("button", name="Create job").click()

    expect(page.locator("#drawer-root")).to_be_hidden()
    toast_says(page, f"Job “{JOB_NAME}” created; every hour.")
    row = page.locator("main tbody tr", has_text=JOB_NAME)
    expect(row).to_contain_text("every hour")
    fits_the_screen(page)
    back_to_the_dashboard(page)
    expect(step(page, "job")).to_have_class("checklist-step is-done")
    expect(page.locator("section.getting-started")).to_contain_text("3 of 5 done")


def counter(page: Page, name: str):
    return page.locator(f"#execution-state [data-counter={name}]")


def runs_it_and_watches_the_progress(page: Page, site: SlowNewsSite) -> None:
    open_from_the_menu(page, "Jobs")
    row = page.locator("main tbody tr", has_text=JOB_NAME)
    row.get_by_role("button", name="Run now").click()

    toast_says(page, f"Job “{JOB_NAME}” queued; follow it below.")
    state = page.locator("#execution-state")
    # Half-way: the first batch of pages is in, the rest waits on the (held) site.
    label = page.locator("label[for=execution-progress]")
    expect(label).to_contain_text(
        f"this feed: {EXTRACT_BATCH} of {STORIES} articles", timeout=RUN_CEILING_MS
    )
    expect(state.locator(".badge")).to_have_text("Running")
    for name in ("pages_fetched", "extracted", "analysed"):
        expect(counter(page, name)).to_have_text(str(EXTRACT_BATCH))
        expect(counter(page, name)).to_be_visible()
    half_way = int(page.locator("#execution-progress").get_attribute("value") or 0)
    assert 0 < half_way < 100, half_way
    fits_the_screen(page)

    site.release()

    expect(state.locator(".badge")).to_have_text("Succeeded", timeout=RUN_CEILING_MS)
    expect(page.locator("#execution-progress")).to_have_attribute("value", "100")
    for name in ("pages_fetched", "extracted", "analysed", "reports"):
        expect(counter(page, name)).to_have_text(str(STORIES))
    expect(counter(page, "errors")).to_have_text("0")
    # The log reads as English for the one-feed job of a first hour ("1 feed", not "1 feeds").
    expect(page.locator("#execution-log")).to_contain_text(f"Finished: 1 feed, {STORIES} reports.")
    fits_the_screen(page)


def reviews_a_mention_from_the_dashboard(page: Page, live_server) -> int:
    back_to_the_dashboard(page)
    tracked = page.locator("section", has=page.get_by_role("heading", name="Tracked brands"))
    expect(tracked.locator("tbody tr", has_text=BRAND)).to_contain_text(str(STORIES))
    words_kept_whole(tracked.get_by_role("link", name=BRAND))
    review = page.locator("section", has=page.get_by_role("heading", name="Waiting for review"))
    item = review.locator(".review-item", has_text=BRAND).first
    expect(item).to_be_visible()
    fits_the_screen(page)
    mention_id = int((item.get_attribute("id") or "").removeprefix("review-"))
    report_link = item.locator("a", has_text="Wire headline")
    report_url = report_link.get_attribute("href")

    item.get_by_role("button", name="Confirm").click()

    reviewed = page.locator(f"#review-{mention_id}")
    expect(reviewed.locator(".badge")).to_have_text("Confirmed")
    expect(reviewed.get_by_role("button")).to_have_count(0)
    toast_says(page, f"Confirmed: the article names “{BRAND}”.")

    # It stuck: after a reload it has left the queue, and its report shows it confirmed.
    page.reload()
    expect(review).to_be_visible()
    expect(page.locator(f"#review-{mention_id}")).to_have_count(0)
    page.goto(f"{live_server.url}{report_url}")
    expect(page.locator(f"#mention-{mention_id} .badge")).to_have_text("Confirmed")
    fits_the_screen(page)
    return mention_id


@pytest.mark.parametrize("screen", [390, 1366], indirect=True, ids=["390px", "1366px"])
def test_a_new_user_walks_the_first_hour_from_sign_in_to_a_reviewed_mention(
    screen: Page,
    live_server,
    alice,
    org_a: Organization,
    news_site: SlowNewsSite,
    settings,
):
    settings.OPENAI_API_KEY = ""  # A fresh install: no LLM, so the optional step is open too.
    settings.OPENAI_BASE_URL = ""
    settings.JOB_STREAM_POLL_SECONDS = 0.2  # The run page hears of each batch promptly.
    page = screen

    sign_in(page, live_server)
    sees_an_empty_checklist(page)
    adds_the_feed(page, news_site)
    tracks_the_brand(page)
    creates_the_job(page)
    runs_it_and_watches_the_progress(page, news_site)
    mention_id = reviews_a_mention_from_the_dashboard(page, live_server)

    feed = Feed.objects.get(organization=org_a)
    assert (feed.name, feed.url) == (FEED_NAME, news_site.feed_url)
    assert Brand.objects.get(organization=org_a, name=BRAND).status == BrandStatus.TRACKED
    execution = JobExecution.objects.get(job__organization=org_a)
    assert execution.status == ExecutionStatus.SUCCEEDED
    mention = Mention.objects.get(pk=mention_id, organization=org_a)
    assert (mention.brand.name, mention.review_status) == (BRAND, ReviewStatus.CONFIRMED)
