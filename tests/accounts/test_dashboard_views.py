"""The dashboard page: the briefing's blocks and links, inline review, the checklist."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import html

from feeds.models import FetchStatus
from reports.models import BrandStatus, FeedbackEvent, Mention, ReviewStatus
from tests.jobs.builders import make_job
from tests.reports.page_data import add_mention, make_article, make_brand, make_feed, make_report

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("dashboard")
HTMX = {"HTTP_HX_REQUEST": "true"}


def doc(response):
    return html.fromstring(response.content.decode())


def text(node) -> str:
    return " ".join(node.text_content().split())


def mention(brand, path: str, days_ago: float = 1, **values) -> Mention:
    when = timezone.now() - timedelta(days=days_ago)
    article = make_article(brand.organization, path, published_at=when, title=f"Story {path}")
    return add_mention(make_report(article), brand, mentioned_at=when, **values)


def block(page, title: str):
    return page.xpath(f"//section[.//h2[normalize-space()='{title}']]")[0]


@pytest.fixture
def week(org_a):
    acme = make_brand(org_a, "Acme Corp")
    for n in range(3):
        mention(acme, f"/acme{n}", 1)
    mention(acme, "/acme-old", 9)
    newco = make_brand(org_a, "Newco", status=BrandStatus.UNREVIEWED)
    queued = mention(newco, "/newco", 0.5)
    return {"acme": acme, "newco": newco, "queued": queued}


def test_the_dashboard_shows_tracked_brands_week_on_week_with_an_arrow(client_for, alice, week):
    page = doc(client_for(alice).get(DASHBOARD))

    tracked = block(page, "Tracked brands")
    row = tracked.xpath(".//tbody/tr")[0]
    assert [text(td) for td in row.xpath("td")] == ["Acme Corp", "3", "1", "▲ +2"]
    assert row.xpath(".//span[contains(@class, 'trend-up')]")
    assert tracked.xpath(".//a[text()='All 1']/@href") == [
        reverse("brands:list") + "?status=tracked"
    ]


def test_the_page_says_which_date_it_counts_by(client_for, alice, week):
    summary = text(doc(client_for(alice).get(DASHBOARD)).xpath("//p[@class='briefing-summary']")[0])

    assert summary.startswith("This week: 4 new stories")
    assert "4 analysed" in summary
    assert "by the date articles were published" in summary


def test_every_block_links_to_its_filtered_list(client_for, alice, week):
    page = doc(client_for(alice).get(DASHBOARD))

    links = set(page.xpath("//div[@class='briefing']//a/@href"))
    reports = reverse("reports:list")
    assert {
        f"{reports}?review=unreviewed&min_confidence=0.8",
        reverse("brands:list") + "?status=unreviewed",
        f"{reports}?sentiment=positive",
        f"{reports}?sentiment=negative",
        reverse("feeds:list") + "?status=failing",
        reverse("jobs:list"),
    } <= links
    # The review link opens the list that holds what the block counts.
    listed = client_for(alice).get(f"{reports}?review=unreviewed&min_confidence=0.8")
    assert "Story /newco" in listed.content.decode()


def test_the_review_blocks_total_reads_cap_plus_past_the_cap(client_for, alice, week, monkeypatch):
    # week holds 5 unreviewed high-confidence mentions; counting stops at the cap.
    review = reverse("reports:list") + "?review=unreviewed&min_confidence=0.8"
    page = doc(client_for(alice).get(DASHBOARD))
    assert block(page, "Waiting for review").xpath(f".//a[@href='{review}']/text()") == ["All 5"]

    monkeypatch.setattr("accounts.selectors.REVIEW_COUNT_CAP", 3)
    page = doc(client_for(alice).get(DASHBOARD))

    assert block(page, "Waiting for review").xpath(f".//a[@href='{review}']/text()") == ["All 3+"]


def test_a_mention_is_confirmed_inline_and_the_item_comes_back_reviewed(client_for, alice, week):
    client = client_for(alice)
    queued = week["queued"]
    page = doc(client.get(DASHBOARD))
    form = page.xpath(f"//li[@id='review-{queued.pk}']//form[.//button[text()='Confirm']]")[0]

    response = client.post(form.get("hx-post"), {"from": "dashboard"}, **HTMX)

    item = html.fragment_fromstring(response.content.decode(), create_parent="div")
    assert item.xpath(f"//li[@id='review-{queued.pk}']//span[text()='Confirmed']")
    assert not item.xpath("//form")
    assert "Confirmed: the article names “Newco”." in text(item)
    queued.refresh_from_db()
    assert queued.review_status == ReviewStatus.CONFIRMED
    assert FeedbackEvent.objects.filter(mention=queued, action="confirm").exists()


def test_rejecting_inline_without_javascript_returns_to_the_dashboard(client_for, alice, week):
    response = client_for(alice).post(
        reverse("reports:mention_reject", args=[week["queued"].pk]), {"from": "dashboard"}
    )

    assert response.status_code == 302
    assert response.url == DASHBOARD
    week["queued"].refresh_from_db()
    assert week["queued"].review_status == ReviewStatus.REJECTED


def test_the_report_page_still_gets_its_own_row_back(client_for, alice, week):
    queued = week["queued"]

    response = client_for(alice).post(reverse("reports:mention_confirm", args=[queued.pk]), **HTMX)

    assert f'<tr id="mention-{queued.pk}"' in response.content.decode()


def test_charlie_cannot_review_alices_mention_from_his_dashboard(client_for, charlie, week):
    response = client_for(charlie).post(
        reverse("reports:mention_confirm", args=[week["queued"].pk]), {"from": "dashboard"}
    )

    assert response.status_code == 404
    week["queued"].refresh_from_db()
    assert week["queued"].review_status == ReviewStatus.UNREVIEWED


def test_charlie_sees_none_of_alices_briefing(client_for, charlie, week):
    body = client_for(charlie).get(DASHBOARD).content.decode()

    assert "Acme Corp" not in body and "Newco" not in body


def test_failing_feeds_and_the_offline_hint_show_on_the_dashboard(client_for, alice, org_a):
    feed = make_feed(org_a, "Wire")
    feed.last_status, feed.last_error = FetchStatus.ERROR, "could not resolve host wire.example"
    feed.save()

    trouble = block(doc(client_for(alice).get(DASHBOARD)), "Feeds and runs")

    assert "Failing feeds: 1" in text(trouble)
    assert "No feed could be reached: is this machine offline?" in text(trouble)


def test_a_new_organization_sees_the_checklist_with_links(client_for, alice, settings):
    settings.OPENAI_API_KEY = ""
    settings.OPENAI_BASE_URL = ""
    page = doc(client_for(alice).get(DASHBOARD))

    steps = page.xpath("//ol[@class='checklist']/li")
    assert [s.get("data-step") for s in steps] == ["feeds", "brands", "llm", "job", "invite"]
    assert text(page.xpath("//section[contains(@class,'getting-started')]")[0]).count("To do:") == 5
    assert steps[0].xpath(".//a/@href") == [reverse("feeds:list")]
    assert steps[3].xpath(".//a/@href") == [reverse("jobs:list")]
    assert steps[4].xpath(".//a/@href") == [reverse("accounts:member_invite")]


def test_a_done_step_is_ticked_and_no_longer_a_link(client_for, alice, org_a):
    make_feed(org_a)

    step = doc(client_for(alice).get(DASHBOARD)).xpath("//li[@data-step='feeds']")[0]

    assert "is-done" in step.get("class")
    assert "Done:" in text(step)
    assert not step.xpath(".//a")


def test_a_member_sees_the_invite_step_done_since_someone_invited_them(client_for, alice, bob):
    page = doc(client_for(bob).get(DASHBOARD))

    # bob's own membership makes two members: the invite step is done for A.
    assert "is-done" in page.xpath("//li[@data-step='invite']")[0].get("class")


def test_the_checklist_is_gone_once_every_step_is_done(client_for, alice, bob, org_a, settings):
    settings.OPENAI_API_KEY = ""
    make_feed(org_a)
    make_brand(org_a, "Acme Corp")
    make_job(org_a)

    page = doc(client_for(alice).get(DASHBOARD))

    assert not page.xpath("//section[contains(@class,'getting-started')]")


def test_hiding_the_checklist_hides_it_for_the_whole_organization(client_for, alice, bob, org_a):
    response = client_for(bob).post(reverse("accounts:getting_started_hide"))

    assert response.status_code == 302
    page = doc(client_for(alice).get(DASHBOARD))
    assert not page.xpath("//section[contains(@class,'getting-started')]")
    org_a.refresh_from_db()
    assert org_a.getting_started_hidden_at is not None


def test_hiding_the_checklist_needs_a_post(client_for, alice, org_a):
    assert client_for(alice).get(reverse("accounts:getting_started_hide")).status_code == 405
    org_a.refresh_from_db()
    assert org_a.getting_started_hidden_at is None


def test_hiding_one_organizations_checklist_leaves_the_others(client_for, alice, charlie, org_b):
    client_for(alice).post(reverse("accounts:getting_started_hide"))

    org_b.refresh_from_db()
    assert org_b.getting_started_hidden_at is None


def test_the_brands_page_and_the_dashboard_count_the_same_published_week(client_for, alice, org_a):
    acme = make_brand(org_a, "Acme Corp")
    for n in range(2):
        mention(acme, f"/new{n}", 2)
    mention(acme, "/archive", 20)  # analysed today, published weeks ago: in neither week

    client = client_for(alice)
    brands = doc(client.get(reverse("brands:list")))
    dashboard = doc(client.get(DASHBOARD))

    brands_week = text(brands.xpath(f"//tr[@id='brand-{acme.pk}']/td[4]")[0])
    dashboard_week = text(block(dashboard, "Tracked brands").xpath(".//tbody/tr/td[2]")[0])
    assert brands_week == dashboard_week == "2"
    assert "counted by the date articles were published" in text(brands)


def test_the_whole_page_stays_within_its_query_budget(
    client_for, alice, org_a, week, django_assert_max_num_queries
):
    client = client_for(alice)
    client.get(DASHBOARD)  # the session and the user are loaded once per request either way
    for n in range(5):
        mention(make_brand(org_a, f"More {n}", status=BrandStatus.UNREVIEWED), f"/more{n}")

    # Briefing 13 (one for the compact chart), checklist 5, the figures of feeds, jobs,
    # reports, contacts and members 10, the session, user and memberships 3: 31 measured.
    # More rows must not add queries.
    with django_assert_max_num_queries(31):
        response = client.get(DASHBOARD)

    assert response.status_code == 200


def test_the_tracked_brands_chart_counts_their_mentions_per_published_day(client_for, alice, week):
    tracked = block(doc(client_for(alice).get(DASHBOARD)), "Tracked brands")

    [svg] = tracked.xpath(".//div[contains(@class, 'compact-chart')]/svg")
    assert svg.get("aria-label") == "Mentions per day, last 30 days: Acme Corp 4 mentions"
    rows = tracked.xpath(".//details[@class='chart-data']//tbody/tr")
    assert len(rows) == 30
    counts = [int(text(row.xpath("td")[0])) for row in rows]
    yesterday = timezone.localdate() - timedelta(days=1)
    assert counts[-2] == 3 and sum(counts) == 4
    assert text(rows[-2].xpath("th")[0]) == f"{yesterday.day} {yesterday:%b %Y}"
    assert tracked.xpath(".//a[text()='More on the Analytics page']/@href") == [
        reverse("analytics:page")
    ]


def test_no_chart_while_no_tracked_brand_was_mentioned(client_for, alice, org_a):
    make_brand(org_a, "Quiet Co")

    tracked = block(doc(client_for(alice).get(DASHBOARD)), "Tracked brands")

    assert not tracked.xpath(".//svg") and not tracked.xpath(".//details")
